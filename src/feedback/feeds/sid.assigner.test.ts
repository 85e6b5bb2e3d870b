import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStorage } from '../../../test/support/storage.ts';
import type { Storage } from '../../db/database.ts';
import { assignSids, derivedSid, SID_BASE, SID_RANGE } from './sid.assigner.ts';

// Two values whose derived ids collide (found by search: sha256 taken modulo the range).
const TWIN_A = 'domain-name:c25702.example';
const TWIN_B = 'domain-name:c29317.example';

describe('derivedSid', () => {
  it('is the first 64 bits of the value\'s SHA-256 modulo the range, as it always was (exports on other hubs agree)', () => {
    const byBigInt = (key: string, probe: number): number =>
      SID_BASE + ((Number(BigInt(`0x${createHash('sha256').update(key).digest('hex').slice(0, 16)}`) % BigInt(SID_RANGE)) + probe * 7919) % SID_RANGE);
    const keys = [TWIN_A, TWIN_B, 'domain-name:bad.example', 'ipv4-addr:203.0.113.7', 'url:http://結節.example/😀', ''];
    for (let i = 0; i < 2000; i++) keys.push(`domain-name:${crypto.randomUUID()}.example`);
    for (const k of keys) for (const probe of [0, 1, 63]) expect(derivedSid(k, probe)).toBe(byBigInt(k, probe));
  });
});

describeStorage('signature ids', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
  });
  afterAll(async () => {
    await storage.close();
  });

  const sidsOf = async (keys: readonly string[]): Promise<Map<string, number>> =>
    new Map((await storage.db.selectFrom('feed_sids').select(['key', 'sid']).where('key', 'in', [...keys]).execute()).map((r) => [r.key, Number(r.sid)]));

  it('gives each key its derived id, keeps ids given before, and moves a colliding key to its next probe', async () => {
    expect(derivedSid(TWIN_A)).toBe(derivedSid(TWIN_B));
    const taken = `domain-name:${crypto.randomUUID()}.example`;
    const fresh = `ipv4-addr:${crypto.randomUUID()}`;
    // Another key already holds what `fresh` derives first; the twins collide inside one call.
    await storage.db.insertInto('feed_sids').values({ key: taken, sid: derivedSid(fresh) }).execute();
    const answered = await assignSids(storage.db, [fresh, TWIN_A, TWIN_B, TWIN_A, taken]);
    const sids = await sidsOf([fresh, TWIN_A, TWIN_B, taken]);
    // What it answers is what it stored (the feed shows the answer without reading the table again).
    expect(answered).toEqual(sids);
    expect(sids.get(taken)).toBe(derivedSid(fresh));
    expect(sids.get(fresh)).toBe(derivedSid(fresh, 1));
    const twins = [sids.get(TWIN_A), sids.get(TWIN_B)].sort();
    expect(twins).toEqual([derivedSid(TWIN_A), derivedSid(TWIN_A, 1)].sort());
    // Asked again (a re-import): nothing moves.
    expect(await assignSids(storage.db, [TWIN_B, fresh, TWIN_A])).toEqual(new Map([TWIN_B, fresh, TWIN_A].map((k) => [k, sids.get(k)!])));
    expect(await sidsOf([fresh, TWIN_A, TWIN_B, taken])).toEqual(sids);
    expect(await assignSids(storage.db, [])).toEqual(new Map());
  });
});
