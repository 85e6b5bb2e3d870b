import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Finds the address a host name points to (null when it does not resolve). */
export type HostResolver = (host: string) => Promise<string | null>;

/**
 * The default resolver: the system resolver, given up after `timeoutMs`.
 * @example await dnsResolver(2000)('example.com')
 */
export function dnsResolver(timeoutMs: number): HostResolver {
  return async (host) => {
    if (isIP(host)) return host;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([lookup(host).then((r) => r.address).catch(() => null), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
