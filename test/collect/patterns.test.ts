import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadKey, DEFAULT_PREFIX_LIMITS, tooBroad } from '../../src/observables/cidr.limit.ts';
import { inboxCollectionId } from '../../src/taxii/taxii.collections.ts';
import { TAXII_MEDIA_TYPE } from '../../src/taxii/taxii.media.ts';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';

// Issue 11.3: an indicator whose STIX pattern does not parse by the OASIS grammar is refused on ingest
// and on TAXII add, naming the object and the column; a CIDR broader than the configured prefix
// (default /16 IPv4, /32 IPv6) is refused from feeds and never emitted.

const real = hasSharedData();
const AT = '2026-02-01T00:00:00.000Z';

/** The 27 failing cases of the OASIS pattern validator (17 grammar, 10 timestamp), with the column it names. */
function failCases(): { pattern: string; column: number | null }[] {
  const json = JSON.parse(readFileSync(sharedData('stix', 'pattern-validator-cases', 'v21_pass_fail_cases.json'), 'utf8')) as { FAIL_CASES: [string, string][]; TIMESTAMP_FAIL_CASES: [string, string][] };
  return [...json.FAIL_CASES, ...json.TIMESTAMP_FAIL_CASES].map(([pattern, expected]) => {
    const col = /^FAIL: Error found at line 1:(\d+)/.exec(expected)?.[1];
    return { pattern, column: col === undefined ? null : Number(col) };
  });
}

const indicator = (pattern: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: AT, modified: AT, pattern, pattern_type: 'stix', valid_from: AT });

describe('CIDR limits', () => {
  it('ranges broader than /16 (IPv4) or /32 (IPv6) are too broad; addresses and narrower ranges are not', () => {
    expect(tooBroad('ipv4-addr', '0.0.0.0/0', DEFAULT_PREFIX_LIMITS)).toBe(0);
    expect(tooBroad('ipv4-addr', '5.0.0.0/8', DEFAULT_PREFIX_LIMITS)).toBe(8);
    expect(tooBroad('ipv4-addr', '198.18.0.0/16', DEFAULT_PREFIX_LIMITS)).toBeNull();
    expect(tooBroad('ipv4-addr', '198.51.100.7', DEFAULT_PREFIX_LIMITS)).toBeNull();
    expect(tooBroad('ipv6-addr', '2a00::/12', DEFAULT_PREFIX_LIMITS)).toBe(12);
    expect(tooBroad('ipv6-addr', '2a00:1450::/32', DEFAULT_PREFIX_LIMITS)).toBeNull();
    expect(tooBroad('domain-name', 'a.example/8', DEFAULT_PREFIX_LIMITS)).toBeNull();
    expect(broadKey('ipv4-addr:0.0.0.0/0', { v4: 24, v6: 48 })).toBe(true);
    expect(broadKey('ipv4-addr:198.51.100.0/24', { v4: 24, v6: 48 })).toBe(false);
  });
});

describeStorage('patterns and ranges on ingest (issue 11.3)', (backend) => {
  let hub: TestHub;
  let m: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend);
    m = await makeMember(hub);
  });
  afterAll(async () => hub?.close());

  it.runIf(real)('all 27 failing OASIS cases are refused on ingest, each naming its object and the column', async () => {
    const cases = failCases();
    expect(cases).toHaveLength(27);
    const objects = cases.map((c) => indicator(c.pattern));
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix', headers: { ...as(m.key), 'content-type': 'application/json' }, payload: { type: 'bundle', id: `bundle--${randomUUID()}`, objects } });
    expect(r.statusCode).toBe(422);
    const errors = r.json().error.details.errors as { where: string; reason: string }[];
    cases.forEach((c, i) => {
      const e = errors.find((x) => x.where === `objects[${i}].pattern`);
      expect(e, c.pattern).toBeDefined();
      expect(e!.reason, c.pattern).toContain(objects[i]!.id);
      expect(e!.reason, c.pattern).toMatch(c.column === null ? /column \d+/ : new RegExp(`column ${c.column}:`));
    });
    // Lenient: the valid indicator beside them is taken, none of the 27.
    const good = indicator("[ipv4-addr:value = '198.51.100.77']");
    const lenient = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&lenient=true', headers: { ...as(m.key), 'content-type': 'application/json' }, payload: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [...objects, good] } });
    expect(lenient.statusCode).toBe(200);
    expect(lenient.json().counts).toMatchObject({ rejected: 27 });
    expect(lenient.json().counts.objects).toBeGreaterThanOrEqual(1);
  });

  it.runIf(real)('TAXII add refuses them too (object and column in each failure) and never serves them', async () => {
    const cases = failCases();
    const objects = cases.map((c) => indicator(c.pattern));
    const inbox = inboxCollectionId(m.org.id);
    const headers = { ...as(m.key), 'content-type': TAXII_MEDIA_TYPE, accept: TAXII_MEDIA_TYPE };
    const r = await hub.server.inject({ method: 'POST', url: `/taxii2/api/collections/${inbox}/objects/`, headers, payload: { objects } });
    expect(r.statusCode).toBe(202);
    const status = r.json() as { failure_count: number; success_count: number; failures: { id: string; message: string }[] };
    expect(status).toMatchObject({ failure_count: 27, success_count: 0 });
    for (const [i, o] of objects.entries()) {
      const f = status.failures.find((x) => x.id === o.id);
      expect(f?.message, cases[i]!.pattern).toMatch(/objects\[\d+\]\.pattern: .*column \d+/);
    }
    const served = await hub.server.inject({ method: 'GET', url: `/taxii2/api/collections/${inbox}/objects/`, headers: { ...as(m.key), accept: TAXII_MEDIA_TYPE } });
    const ids = new Set(((served.json() as { objects?: { id: string }[] }).objects ?? []).map((o) => o.id));
    expect(objects.filter((o) => ids.has(o.id))).toEqual([]);
  });

  it('a CIDR broader than the limit is refused from a feed with a warning, narrower ones kept; exports never hold one', async () => {
    const text = '# ranges\n1.1.1.1/0\n5.0.0.0/8\n185.220.100.0/24\n91.92.0.0/16\n2001:4860::/24\n2a0e:1c80::/32\n';
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=text', headers: { ...as(m.key), 'content-type': 'text/plain' }, payload: text });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    const refused = (r.json().warnings as { where: string; reason: string }[]).filter((w) => /refused: .*broader than \/16/.test(w.reason));
    // Address and indicator of each of the three broad ranges.
    expect(refused.map((w) => /(ipv[46]-addr [^\s,]+|names \S+ [^\s,]+)/.exec(w.reason)?.[1]).sort()).toEqual(
      ['ipv4-addr 0.0.0.0/0', 'ipv4-addr 5.0.0.0/8', 'ipv6-addr 2001:4800::/24', 'names ipv4-addr 0.0.0.0/0', 'names ipv4-addr 5.0.0.0/8', 'names ipv6-addr 2001:4800::/24'].sort(),
    );
    const plain = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain', headers: as(m.key) })).body.split('\n');
    expect(plain).toEqual(expect.arrayContaining(['185.220.100.0/24', '91.92.0.0/16', '2a0e:1c80::/32']));
    expect(plain.filter((l) => /^(?:0\.0\.0\.0\/0|5\.0\.0\.0\/8|2001:4800::\/24)$/.test(l))).toEqual([]);
    for (const format of ['suricata', 'rpz']) {
      const body = (await hub.server.inject({ method: 'GET', url: `/api/v1/export?format=${format}`, headers: as(m.key) })).body;
      expect(body, format).toContain(format === 'rpz' ? '24.0.100.220.185.rpz-ip' : '185.220.100.0/24');
      expect(body, format).not.toMatch(/0\.0\.0\.0\/0|5\.0\.0\.0\/8|2001:4800::\/24|0\.0\.0\.0\.rpz-ip|8\.0\.0\.0\.5\.rpz-ip/);
    }
  });

  it('a STIX bundle naming a broad range is refused whole (strict), the object alone when lenient', async () => {
    const ip = { type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${randomUUID()}`, value: '10.0.0.0/8' };
    const ind = indicator("[ipv4-addr:value = '64.0.0.0/2']");
    const ok = indicator("[ipv4-addr:value = '198.51.100.78']");
    const post = (q: string) => hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix${q}`, headers: { ...as(m.key), 'content-type': 'application/json' }, payload: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [ip, ind, ok] } });
    const strict = await post('');
    expect(strict.statusCode).toBe(422);
    expect((strict.json().error.details.errors as { where: string }[]).map((e) => e.where).sort()).toEqual([`objects[0] (${ip.id})`, `objects[1] (${ind.id})`]);
    const lenient = await post('&lenient=true');
    expect(lenient.statusCode).toBe(200);
    expect(lenient.json().counts).toMatchObject({ rejected: 2 });
    expect(lenient.json().counts.objects).toBeGreaterThanOrEqual(1);
  });
});
