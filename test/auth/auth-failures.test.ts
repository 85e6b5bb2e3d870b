import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/auth/auth.service.ts';
import { FailureLimiter, sourceOf } from '../../src/auth/failure-limiter.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';

const LIMIT = 10;

function wrongKey(): string {
  const prefix = Array.from(randomBytes(10), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  return `ks_${prefix}_${randomBytes(32).toString('base64url')}`;
}

function basic(key: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`someone:${key}`).toString('base64')}`, accept: 'application/taxii+json;version=2.1' };
}

describeStorage('issue 10.7: failed authentication is limited per source address', (backend) => {
  let hub: TestHub;
  let m: TestMember;

  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_AUTH_FAILURE_LIMIT: String(LIMIT) });
    m = await makeMember(hub);
    // A key the product minted (factory keys are hashed at a lower cost): its hash is compared with the decoy's below.
    m = { ...m, key: (await hub.app.orgs.createKey(null, m.userId, 'product')).key };
  });
  afterAll(async () => hub?.close());

  it('N wrong keys from one address, each a different key, then 429 there; a correct key from another address still works', async () => {
    const attacker = '203.0.113.5';
    for (let i = 0; i < LIMIT; i++) {
      const res = await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(wrongKey()), remoteAddress: attacker });
      expect(res.statusCode).toBe(401);
    }
    const refused = await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(wrongKey()), remoteAddress: attacker });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The address is refused whatever it presents, so guessing stops there.
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(m.key), remoteAddress: attacker })).statusCode).toBe(429);
    const elsewhere = await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(m.key), remoteAddress: '198.51.100.7' });
    expect(elsewhere.statusCode).toBe(200);
    expect(elsewhere.json().user_id).toBe(m.userId);
  });

  it('TAXII basic auth and bearer keys share the address’s one budget', async () => {
    const attacker = '203.0.113.9';
    for (let i = 0; i < LIMIT; i++) {
      const res =
        i % 2 === 0
          ? await hub.server.inject({ method: 'GET', url: '/taxii2/', headers: basic(wrongKey()), remoteAddress: attacker })
          : await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(wrongKey()), remoteAddress: attacker });
      expect(res.statusCode).toBe(401);
    }
    const taxii = await hub.server.inject({ method: 'GET', url: '/taxii2/', headers: basic(wrongKey()), remoteAddress: attacker });
    expect(taxii.statusCode).toBe(429);
    expect(taxii.headers['content-type']).toMatch(/taxii/);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(wrongKey()), remoteAddress: attacker })).statusCode).toBe(429);
    expect((await hub.server.inject({ method: 'GET', url: '/taxii2/', headers: basic(m.key), remoteAddress: '198.51.100.8' })).statusCode).toBe(200);
  });

  it('an unknown key prefix costs the same hash work as a known one', async () => {
    const calls: string[] = [];
    const auth = new Authenticator(hub.app.storage.db, {
      verify: async (_secret, stored) => {
        calls.push(stored);
        return false;
      },
    });
    try {
      const knownPrefixWrongSecret = `${m.key.slice(0, 13)}_${randomBytes(32).toString('base64url')}`;
      await expect(auth.authenticate(knownPrefixWrongSecret)).rejects.toMatchObject({ code: 'unauthorized', message: 'API key is not valid' });
      await expect(auth.authenticate(wrongKey())).rejects.toMatchObject({ code: 'unauthorized', message: 'API key is not valid' });
      expect(calls).toHaveLength(2);
      // The same scheme and cost parameters: scrypt$N$r$p.
      const params = calls.map((c) => c.split('$').slice(0, 4).join('$'));
      expect(params[1]).toBe(params[0]);
    } finally {
      await auth.close();
    }
  });
});

describe('failure limiter', () => {
  it('counts per source, resets after the window, and groups IPv6 by /64', () => {
    let now = 0;
    const l = new FailureLimiter({ maxFailures: 2, windowMs: 1000 }, () => now);
    l.fail('2001:db8:1:2::1');
    l.fail('2001:db8:1:2:ffff::9');
    expect(() => l.check('2001:db8:1:2::abcd')).toThrow(/too many failed/);
    expect(() => l.check('2001:db8:1:3::1')).not.toThrow();
    l.fail('::ffff:192.0.2.1');
    l.fail('192.0.2.1');
    expect(() => l.check('192.0.2.1')).toThrow(/too many failed/);
    now = 1001;
    expect(() => l.check('192.0.2.1')).not.toThrow();
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
  });

  it('forgets the oldest sources first when a spray of addresses would fill memory', () => {
    const l = new FailureLimiter({ maxFailures: 1, windowMs: 60_000, maxSources: 100 });
    for (let i = 0; i < 1000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(l.sources).toBe(100);
    expect(() => l.check('10.0.3.231')).toThrow();
    expect(() => l.check('10.0.0.0')).not.toThrow();
  });
});
