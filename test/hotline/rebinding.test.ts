import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUrl, httpFetcher, type AddressLookup } from '../../src/hotline/removal.fetcher.ts';

// The removal checker resolves a reported name once, checks the addresses, and connects to exactly the
// checked address (DNS rebinding cannot answer "public" to the check and "loopback" to the request).
// The resolver is injected into the request's socket lookup; the site is a server on 127.0.0.1.

describe('hotline removal checker: the checked address is the address requested', () => {
  let site: Server;
  let port: number;
  const seen: { host: string | undefined; url: string | undefined }[] = [];

  beforeAll(async () => {
    site = createServer((req, res) => {
      seen.push({ host: req.headers.host, url: req.url });
      res.writeHead(req.url === '/gone' ? 410 : 200, { 'content-type': 'text/plain' });
      res.end('reported content');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    port = (site.address() as AddressInfo).port;
  });
  afterAll(async () => {
    site.closeAllConnections();
    await new Promise<void>((resolve) => site.close(() => resolve()));
  });

  /** A resolver that answers `answers[i]` to its i-th question (the last one after that), counting them. */
  function scripted(...answers: string[][]): AddressLookup & { calls: string[] } {
    const calls: string[] = [];
    const f = async (host: string) => {
      calls.push(host);
      const a = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return Object.assign(f, { calls });
  }

  it('a name resolving to loopback is refused after one resolution, and nothing is requested', async () => {
    const lookup = scripted(['127.0.0.1']);
    const before = seen.length;
    const r = await checkUrl(httpFetcher({ allowPrivate: false, lookup }), `http://rebind.example:${port}/page`, 5_000);
    expect(r).toEqual({ kind: 'error', reason: 'rebind.example is a private or reserved address (127.0.0.1); not requested' });
    expect(lookup.calls).toEqual(['rebind.example']);
    expect(seen.length).toBe(before);
  });

  it('a name with one private address among public ones is refused', async () => {
    const lookup = scripted(['8.8.8.8', '10.0.0.5']);
    const r = await checkUrl(httpFetcher({ allowPrivate: false, lookup }), `http://mixed.example:${port}/`, 5_000);
    expect(r).toMatchObject({ kind: 'error', reason: expect.stringContaining('(10.0.0.5)') });
  });

  it('one resolution serves the check and the connection: the request reaches the answered address with the name as Host', async () => {
    // Allowed to reach loopback here (the only address a test may connect to); a rebinding resolver answers
    // a different address the second time, which a second resolution would have used.
    const lookup = scripted(['127.0.0.1'], ['127.0.0.2']);
    const before = seen.length;
    const r = await checkUrl(httpFetcher({ allowPrivate: true, lookup }), `http://rebind.example:${port}/gone`, 5_000);
    expect(r).toEqual({ kind: 'gone', reason: 'HTTP 410' });
    expect(lookup.calls).toEqual(['rebind.example']);
    expect(seen.slice(before)).toEqual([{ host: `rebind.example:${port}`, url: '/gone' }]);
    // Each check resolves afresh (no pooled socket keeps an old address): the second answer is used by the second check.
    const other = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
    try {
      const otherPort = (other.address() as AddressInfo).port;
      expect(await checkUrl(httpFetcher({ allowPrivate: true, lookup }), `http://rebind.example:${otherPort}/`, 5_000)).toEqual({ kind: 'status', status: 204 });
      expect(lookup.calls).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('a literal private or IPv6 loopback address is refused without any resolution; a name that does not resolve is gone', async () => {
    const lookup = scripted(['127.0.0.1']);
    expect(await checkUrl(httpFetcher({ allowPrivate: false, lookup }), `http://[::1]:${port}/`, 5_000)).toEqual({ kind: 'error', reason: '::1 is a private or reserved address; not requested' });
    expect(await checkUrl(httpFetcher({ allowPrivate: false, lookup }), `http://192.168.1.1/`, 5_000)).toMatchObject({ kind: 'error', reason: expect.stringContaining('private or reserved') });
    expect(lookup.calls).toEqual([]);
    const nx: AddressLookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND gone.example'), { code: 'ENOTFOUND' });
    };
    expect(await checkUrl(httpFetcher({ allowPrivate: false, lookup: nx }), 'http://gone.example/', 5_000)).toEqual({ kind: 'gone', reason: 'the host no longer resolves' });
  });
});
