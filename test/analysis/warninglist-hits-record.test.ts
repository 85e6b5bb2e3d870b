import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import type { Storage } from '../../src/db/database.ts';
import { recordHits } from '../../src/analysis/warninglists/warninglist-hits.repository.ts';

// Issue 17: an ingest records the warninglist hits of the values it writes. In PGlite's single session a chunk is first
// inserted without ON CONFLICT under a savepoint; a hit recorded before (or twice in the chunk) fails that insert and
// the chunk is inserted again with ON CONFLICT DO NOTHING. Either way the same rows: every hit once, a known one with
// its first_seen, nothing of a failed attempt left, and the transaction goes on.
describeStorage('warninglist hits recorded at ingest: new ones added once, known ones kept', (backend) => {
  let storage: Storage;
  const hit = (n: number, list = 'second-level-tlds') => ({ key: `domain-name:hit-${n}.example.org`, list });
  /** The recorded hits of these numbers (each test its own). */
  const rows = async (...ns: number[]) =>
    (await sql<{ key: string; list: string; first_seen: Date }>`select key, list, first_seen from analysis_warninglist_hits where key = any(${sql.val(ns.map((n) => hit(n).key))}) order by key, list`.execute(storage.db)).rows;

  beforeAll(async () => {
    storage = await backend.open();
  }, 120_000);
  afterAll(async () => storage?.close());

  it('a transaction of new hits, then one mixing known hits, duplicates and new ones: each hit once, first_seen kept', async () => {
    await storage.db.transaction().execute(async (trx) => {
      await recordHits(trx, [hit(1), hit(2), hit(2, 'alexa-top'), hit(3)]);
    });
    const first = await rows(1, 2, 3, 4, 5, 6, 7);
    expect(first.map((r) => `${r.key} ${r.list}`)).toEqual([
      'domain-name:hit-1.example.org second-level-tlds',
      'domain-name:hit-2.example.org alexa-top',
      'domain-name:hit-2.example.org second-level-tlds',
      'domain-name:hit-3.example.org second-level-tlds',
    ]);
    await new Promise((r) => setTimeout(r, 20));
    await storage.db.transaction().execute(async (trx) => {
      // Known hits and a hit twice: a plain insert of this chunk fails, the chunk is inserted with ON CONFLICT.
      await recordHits(trx, [hit(4), hit(2), hit(5), hit(5)]);
      // A later chunk of the same transaction, all new.
      await recordHits(trx, [hit(6)]);
      // The transaction is whole: it still writes.
      await sql`insert into analysis_warninglist_hits (key, list) values ('domain-name:hit-7.example.org', 'second-level-tlds')`.execute(trx);
    });
    const second = await rows(1, 2, 3, 4, 5, 6, 7);
    expect(second.map((r) => r.key.slice(12, 17))).toEqual(['hit-1', 'hit-2', 'hit-2', 'hit-3', 'hit-4', 'hit-5', 'hit-6', 'hit-7']);
    const seen = (list: typeof first, n: number) => list.find((r) => r.key === hit(n).key && r.list === 'second-level-tlds')!.first_seen.getTime();
    expect(seen(second, 2)).toBe(seen(first, 2));
    expect(seen(second, 4)).toBeGreaterThan(seen(first, 2));
  });

  it('hits recorded outside a transaction (an analysis run after its commit): the ON CONFLICT way, known ones kept', async () => {
    await storage.db.transaction().execute((trx) => recordHits(trx, [hit(20)]));
    const before = await rows(20, 21);
    await new Promise((r) => setTimeout(r, 20));
    await recordHits(storage.db, [hit(20), hit(21), hit(21, 'alexa-top')]);
    const after = await rows(20, 21);
    expect(after.map((r) => `${r.key.slice(12, 18)} ${r.list}`)).toEqual(['hit-20 second-level-tlds', 'hit-21 alexa-top', 'hit-21 second-level-tlds']);
    expect(after[0]!.first_seen.getTime()).toBe(before[0]!.first_seen.getTime());
  });

  it('a duplicate in a first chunk of a fresh transaction is recorded once', async () => {
    await storage.db.transaction().execute(async (trx) => {
      await recordHits(trx, [hit(8), hit(9), hit(8)]);
    });
    expect(await rows(8, 9)).toHaveLength(2);
  });
});
