import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Requests a URL and answers its HTTP status; never reads or keeps the body. */
export type HotlineFetcher = (url: string, signal: AbortSignal) => Promise<number>;

/** The answer of one re-request. */
export type CheckResult = { kind: 'status'; status: number } | { kind: 'gone'; reason: string } | { kind: 'error'; reason: string };

/** Every address a host name resolves to (the system resolver by default). */
export type AddressLookup = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: AddressLookup = (host) => dnsLookup(host, { all: true });

function isPublic(ip: string): boolean {
  try {
    return ipaddr.process(ip).range() === 'unicast';
  } catch {
    return false;
  }
}

function refused(host: string, ip: string): Error {
  return Object.assign(new Error(`${host} is a private or reserved address${ip === host ? '' : ` (${ip})`}; not requested`), { code: 'EPRIVATE' });
}

/**
 * The socket's resolver: resolves the name once, refuses it when any of its addresses is private or
 * reserved (unless allowed), and hands exactly the checked addresses to the connection, so the
 * address requested is the address checked (no second resolution a rebinding name could answer
 * differently). Host header and TLS server name stay the name.
 */
function pinnedLookup(resolve: AddressLookup, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (!wanted.length) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
        const bad = allowPrivate ? undefined : wanted.find((a) => !isPublic(a.address));
        if (bad) return callback(refused(hostname, bad.address), '', 4);
        if (options.all) return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, wanted);
        return callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

/**
 * The default fetcher: a GET without following redirects, body discarded unread. Private and
 * loopback addresses are refused unless allowed (a hub inside a closed network, tests); the name is
 * resolved once and the connection made to the address that was checked (DNS rebinding cannot swap it).
 * @example const status = await httpFetcher({ allowPrivate: false })('https://example.com/', AbortSignal.timeout(5000))
 */
export function httpFetcher(o: { allowPrivate: boolean; lookup?: AddressLookup }): HotlineFetcher {
  const lookup = pinnedLookup(o.lookup ?? systemLookup, o.allowPrivate);
  return (url, signal) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return reject(new Error(`${u.protocol} URLs are not requested`));
      const host = u.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && !o.allowPrivate && !isPublic(host)) return reject(refused(host, host));
      const client = u.protocol === 'https:' ? https : http;
      // agent: false: a fresh socket per check, so no pooled connection skips the lookup.
      const req = client.request(u, { method: 'GET', agent: false, lookup, signal, headers: { 'user-agent': 'Kessetsu-hotline-checker/1' } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      });
      req.on('error', reject);
      req.end();
    });
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
