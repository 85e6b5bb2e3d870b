import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';
import { normaliseUrl } from '../../src/hotline/url.normalise.ts';
import { checkUrl, httpFetcher } from '../../src/hotline/removal.fetcher.ts';
import { AbuseGuard, solvePow } from '../../src/hotline/abuse.guard.ts';
import { esc } from '../../src/hotline/public.pages.ts';
import { mapResolver } from './support.ts';

// Issue 15, bad input: spam floods, giant descriptions, scripts in every field, invalid URLs told
// why, the same URL a thousand times, a fetcher that hangs.

describe('hotline: URLs, escaping, proof-of-work, fetcher timeouts', () => {
  it('normalises spellings of one page to one URL and says why a URL is refused', () => {
    const one = ['HTTP://Example.COM:80/a/../b?utm_source=x&z=1&a=2#top', 'example.com/b?a=2&z=1', 'hxxp://example[.]com/b?z=1&a=2', 'http://user:pw@example.com./b?a=2&z=1&fbclid=abc'];
    expect(new Set(one.map((u) => normaliseUrl(u).url))).toEqual(new Set(['http://example.com/b?a=2&z=1']));
    expect(normaliseUrl('https://www.例え.jp/x').site).toBe('xn--r8jz45g.jp');
    const why = (u: string) => {
      try {
        normaliseUrl(u);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(why('javascript:alert(1)')).toMatch(/only http and https/);
    expect(why('ftp://example.com/x')).toMatch(/only http and https/);
    expect(why('http://exa mple.com/')).toMatch(/spaces/);
    expect(why('http://localhost/x')).toMatch(/not a public host name/);
    expect(why('http://intranet/x')).toMatch(/not a public host name/);
    expect(why(`http://example.com/${'a'.repeat(3000)}`)).toMatch(/longer than 2048/);
    expect(why('http://[::1')).toMatch(/not a URL/);
  });

  it('escapes every character that could open markup or an attribute', () => {
    expect(esc(`<script>"x"'y'&\``)).toBe('&#60;script&#62;&#34;x&#34;&#39;y&#39;&#38;&#96;');
  });

  it('proof-of-work: solved challenges pass once; forged, reused and missing ones fail', () => {
    const g = new AbuseGuard({ reportsPerHour: 0, powBits: 8 });
    const c = g.challenge();
    expect(g.verifyPow(c, undefined)).toMatch(/missing/);
    expect(g.verifyPow(c.replace(/.$/, (x) => (x === '0' ? '1' : '0')), '1')).toMatch(/not one of ours/);
    const s = solvePow(c, 8);
    expect(g.verifyPow(c, s)).toBeNull();
    expect(g.verifyPow(c, s)).toMatch(/already used/);
    expect(new AbuseGuard({ reportsPerHour: 0, powBits: 8 }).verifyPow(c, s)).toMatch(/not one of ours/); // another process's secret
    const old = g.challenge(Date.now() - 2 * 3600_000);
    expect(g.verifyPow(old, solvePow(old, 8))).toMatch(/expired/);
  });

  it('a fetcher that hangs is given up after the timeout, whether or not it honours its signal', async () => {
    const never = () => new Promise<number>(() => {});
    expect(await checkUrl(never, 'http://example.com/', 50)).toEqual({ kind: 'error', reason: 'timed out after 50 ms' });
    const sockets = new Set<Socket>();
    const server = http.createServer(() => {}); // accepts and never answers
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/page`;
    try {
      expect(await checkUrl(httpFetcher({ allowPrivate: true }), url, 200)).toMatchObject({ kind: 'error', reason: expect.stringMatching(/timed out|abort/i) });
      // Without permission the default fetcher does not request private or loopback addresses at all.
      expect(await checkUrl(httpFetcher({ allowPrivate: false }), url, 2_000)).toMatchObject({ kind: 'error', reason: expect.stringContaining('private or reserved') });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describeStorage('hotline: abuse resistance over HTTP', (backend) => {
  let hub: TestHub;
  let powHub: TestHub;
  const count = async (h: TestHub) => Number((await h.app.storage.db.selectFrom('hotline_reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const form = (h: TestHub, fields: Record<string, string>, ip = '203.0.113.5') =>
    h.server.inject({ method: 'POST', url: '/hotline?lang=en', remoteAddress: ip, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });

  beforeAll(async () => {
    hub = await startHub(backend, {}, { hotline: { reportsPerHour: 3, resolver: mapResolver({}), checkIntervalMs: 0 } });
    powHub = await startHub(backend, {}, { hotline: { reportsPerHour: 0, powBits: 10, resolver: mapResolver({}), checkIntervalMs: 0 } });
  }, 300_000); // two hubs; PGlite on a loaded two-core machine takes its time
  afterAll(async () => {
    await hub?.close();
    await powHub?.close();
  });

  it('refuses invalid URLs, giant descriptions and unknown categories, telling why, with every field escaped', async () => {
    const evil = '<script>alert(1)</script>';
    const r = await form(hub, { urls: `javascript:alert(1)\n${evil}\nhttp://ok.example.com/`, category: evil, description: `${evil}${'x'.repeat(5000)}`, contact: `"><svg onload=alert(1)>` }, '203.0.113.1');
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('urls[1]: only http and https URLs can be reported');
    expect(r.body).toContain('urls[2]');
    expect(r.body).toContain('description: at most 4000 characters');
    expect(r.body).toContain('category: choose one of the categories');
    expect(r.body).not.toMatch(/<script>alert|<svg onload/);
    expect(r.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    const json = await hub.server.inject({ method: 'POST', url: '/api/v1/hotline/reports', remoteAddress: '203.0.113.2', payload: { urls: 'ftp://x.example.com/', category: 'other' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.details.problems).toEqual([{ field: 'urls[1]', reason: 'only http and https URLs can be reported, not ftp' }]);
    const huge = await form(hub, { urls: 'http://ok.example.com/', category: 'other', description: 'y'.repeat(70_000) }, '203.0.113.3');
    expect(huge.statusCode).toBe(413);
    expect(await count(hub)).toBe(0);
  });

  it('a filled honeypot looks accepted and stores nothing; an address over its hourly limit gets 429', async () => {
    const bot = await form(hub, { urls: 'http://spam.example.com/', category: 'other', website: 'http://buy.example' }, '198.51.100.99');
    expect(bot.statusCode).toBe(200);
    expect(bot.body).toMatch(/H-[0-9A-F]{4}-/);
    expect(await count(hub)).toBe(0);
    for (let i = 0; i < 3; i++) expect((await form(hub, { urls: `http://flood.example.com/${i}`, category: 'other' }, '198.51.100.7')).statusCode).toBe(201);
    const fourth = await form(hub, { urls: 'http://flood.example.com/3', category: 'other' }, '198.51.100.7');
    expect(fourth.statusCode).toBe(429);
    expect(fourth.body).toContain('Too many reports');
    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/hotline/reports', remoteAddress: '198.51.100.7', payload: { urls: 'http://flood.example.com/4', category: 'other' } })).statusCode).toBe(429);
    // Another address is not affected.
    expect((await form(hub, { urls: 'http://flood.example.com/5', category: 'other' }, '198.51.100.8')).statusCode).toBe(201);
    expect(await count(hub)).toBe(4);
  });

  it('with proof-of-work on, a report needs a solved, fresh challenge', async () => {
    const page = await powHub.server.inject({ method: 'GET', url: '/hotline?lang=en' });
    const challenge = /name="pow_challenge" value="([^"]+)"/.exec(page.body)![1]!;
    const fields = { urls: 'http://pow.example.com/', category: 'other', pow_challenge: challenge };
    expect((await form(powHub, fields)).statusCode).toBe(400);
    const ok = await form(powHub, { ...fields, pow_solution: solvePow(challenge, 10) });
    expect(ok.statusCode).toBe(201);
    expect((await form(powHub, { ...fields, pow_solution: solvePow(challenge, 10) })).statusCode).toBe(400);
    const api = await powHub.server.inject({ method: 'GET', url: '/api/v1/hotline/pow' });
    expect(api.json().bits).toBe(10);
  });

  it('the same URL reported a thousand times is one entry with a count of a thousand', async () => {
    const spellings = ['http://same.example.com/x', 'HTTP://SAME.example.com/x#a', 'same.example.com/x?utm_source=spam'];
    for (let batch = 0; batch < 100; batch++)
      await Promise.all(Array.from({ length: 10 }, (_, i) => hub.app.hotline.reports.submit({ urls: spellings[(batch * 10 + i) % 3]!, category: 'fraud_phishing' })));
    const entries = await hub.app.storage.db.selectFrom('hotline_entries').selectAll().where('site', '=', 'same.example.com').execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ url: 'http://same.example.com/x', report_count: 1000 });
  }, 300_000);
});
