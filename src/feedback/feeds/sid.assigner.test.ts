import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../../test/support/storage.ts';
import type { Storage } from '../../db/database.ts';
import { assignSids, derivedSid } from './sid.assigner.ts';

// Two values whose derived ids collide (found by search: sha256 taken modulo the range).
const TWIN_A = 'domain-name:c25702.example';
const TWIN_B = 'domain-name:c29317.example';

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
    await assignSids(storage.db, [fresh, TWIN_A, TWIN_B, TWIN_A, taken]);
    const sids = await sidsOf([fresh, TWIN_A, TWIN_B, taken]);
    expect(sids.get(taken)).toBe(derivedSid(fresh));
    expect(sids.get(fresh)).toBe(derivedSid(fresh, 1));
    const twins = [sids.get(TWIN_A), sids.get(TWIN_B)].sort();
    expect(twins).toEqual([derivedSid(TWIN_A), derivedSid(TWIN_A, 1)].sort());
    // Asked again (a re-import): nothing moves.
    await assignSids(storage.db, [TWIN_B, fresh, TWIN_A]);
    expect(await sidsOf([fresh, TWIN_A, TWIN_B, taken])).toEqual(sids);
  });
});
