import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Requests a URL and answers its HTTP status; never reads or keeps the body. */
export type HotlineFetcher = (url: string, signal: AbortSignal) => Promise<number>;

/** The answer of one re-request. */
export type CheckResult = { kind: 'status'; status: number } | { kind: 'gone'; reason: string } | { kind: 'error'; reason: string };

function isPublic(ip: string): boolean {
  try {
    return ipaddr.process(ip).range() === 'unicast';
  } catch {
    return false;
  }
}

/**
 * The default fetcher: a GET without following redirects, body discarded unread. Private and
 * loopback addresses are refused unless allowed (a hub inside a closed network, tests).
 * @example const status = await httpFetcher({ allowPrivate: false })('https://example.com/', AbortSignal.timeout(5000))
 */
export function httpFetcher(o: { allowPrivate: boolean }): HotlineFetcher {
  return async (url, signal) => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (!o.allowPrivate) {
      const ip = isIP(host) ? host : (await lookup(host)).address;
      if (!isPublic(ip)) throw new Error(`${host} is a private or reserved address; not requested`);
    }
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal, headers: { 'user-agent': 'Kessetsu-hotline-checker/1' } });
    await res.body?.cancel().catch(() => {});
    return res.status;
  };
}

/**
 * One re-request through a fetcher, given up after `timeoutMs` even when the fetcher ignores its
 * signal. 404 and 410 and a host that no longer resolves mean the content is gone.
 */
export async function checkUrl(fetcher: HotlineFetcher, url: string, timeoutMs: number): Promise<CheckResult> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      ac.abort();
      resolve({ kind: 'error', reason: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      fetcher(url, ac.signal).then(
        (status): CheckResult => (status === 404 || status === 410 ? { kind: 'gone', reason: `HTTP ${status}` } : { kind: 'status', status }),
        (err: Error & { code?: string; cause?: { code?: string } }): CheckResult => {
          const code = err.code ?? err.cause?.code;
          if (code === 'ENOTFOUND') return { kind: 'gone', reason: 'the host no longer resolves' };
          return { kind: 'error', reason: (err.message || String(err)).slice(0, 200) };
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
