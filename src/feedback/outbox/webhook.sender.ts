import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { publicOnlyLookup, refusedAddress } from './target.guard.ts';

/** How one delivery attempt ended. */
export interface AttemptResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/** Options of webhook posting. */
export interface WebhookOptions {
  /** Whole attempt, connection to answer, in ms. */
  readonly timeoutMs: number;
  /** Dial private, loopback and link-local addresses too (tests, a hub inside a closed network). */
  readonly allowPrivate?: boolean;
}

// Kept-alive connections: a thousand deliveries a second to one receiver reuse a few sockets.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
};

/**
 * POSTs a signed JSON body. Never follows redirects (a 3xx is a failure naming where it pointed),
 * never waits past the timeout (a receiver that never answers costs one slot for that long), reads
 * at most 4 KiB of the answer.
 * @example await postWebhook('https://soc.example/hook', body, { 'x-kessetsu-signature': sig }, { timeoutMs: 10_000 })
 */
export function postWebhook(url: string, body: string, headers: Readonly<Record<string, string>>, opts: WebhookOptions): Promise<AttemptResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, status: null, error: 'webhook URL is not a URL' });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.resolve({ ok: false, status: null, error: `webhook URL scheme ${target.protocol} is not http or https` });
  const lib = target.protocol === 'https:' ? https : http;
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivate && ipaddr.isValid(literal)) {
    const refused = refusedAddress(literal);
    if (refused) return Promise.resolve({ ok: false, status: null, error: `webhook target refused: ${refused}` });
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = lib.request(
      target,
      {
        method: 'POST',
        agent: agents[target.protocol as 'http:' | 'https:'],
        ...(opts.allowPrivate ? {} : { lookup: publicOnlyLookup }),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Kessetsu-Webhook/1', ...headers },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 4096) res.destroy();
        });
        const finish = (): void => {
          if (status >= 200 && status < 300) done({ ok: true, status, error: null });
          else if (status >= 300 && status < 400) done({ ok: false, status, error: `redirect to ${String(res.headers.location ?? '(no location)').slice(0, 200)} not followed` });
          else done({ ok: false, status, error: `receiver answered HTTP ${status}` });
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ ok: false, status: null, error: `no answer within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, status: null, error: err.code === 'EREFUSEDTARGET' ? err.message : `cannot deliver: ${err.code ?? err.message}` }));
    req.end(body);
  });
}
