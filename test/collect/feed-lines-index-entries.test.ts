import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { down, up } from '../../src/db/migrations/2026-12-06T08-00-feed-lines-fewer-index-entries.ts';
import { STORED_ONLY, syntheticLinesSql } from '../support/feed-lines.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';

// Migration 2026-12-06T08-00 (issue 17: a line's write price is its index entries): the registry's observable branch
// is reached by sco_id, whether the line presents the registry row tested above the union; sco_id and rel_id are
// hash-indexed and the partial index on sco_reg_id is gone. The registry must answer the same rows as before, lines
// that present their observable and lines that do not (a second organisation's line of the same value).
const LINES = 300;

describeStorage('feed lines: fewer index entries a line', (backend) => {
  let hub: TestHub;
  let db: Kysely<Database>;
  let a: TestMember;
  let b: TestMember;

  beforeAll(async () => {
    hub = await startHub(backend, STORED_ONLY);
    db = hub.app.storage.db;
    a = await makeMember(hub, { name: 'Feed Org A' });
    b = await makeMember(hub, { name: 'Feed Org B' });
    await syntheticLinesSql(a.org.id, 0, LINES).execute(db);
    // B's lines of the same values: the registry rows stay A's lines' (sco_reg_id null on B's).
    await syntheticLinesSql(b.org.id, 0, LINES).execute(db);
    await sql`update feed_lines set sco_reg_id = null where org_id = ${b.org.id}`.execute(db);
  }, 120_000);
  afterAll(async () => hub?.close());

  const registry = async (d: Kysely<Database>) =>
    (await sql<Record<string, unknown>>`select * from stix_objects where id in (select sco_id from feed_lines union all select ind_id from feed_lines) order by id, seq`.execute(d)).rows;
  const indexes = async (d: Kysely<Database>) =>
    (await sql<{ name: string; method: string }>`select i.relname as name, a.amname as method from pg_index x join pg_class i on i.oid = x.indexrelid
      join pg_am a on a.oid = i.relam where x.indrelid = 'feed_lines'::regclass and i.relname in ('feed_lines_sco_idx', 'feed_lines_rel_idx', 'feed_lines_sco_reg_idx') order by 1`.execute(d)).rows;

  it('presents one registry row for each observable a line presents, none for a line that does not', async () => {
    const rows = await registry(db);
    const observables = rows.filter((r) => !String(r.id).startsWith('indicator--'));
    expect(observables).toHaveLength(LINES);
    expect(new Set(observables.map((r) => r.owner_org_id))).toEqual(new Set([a.org.id]));
    // One indicator registry row per line, of either organisation.
    expect(rows.length - observables.length).toBe(2 * LINES);
    expect(await indexes(db)).toEqual([
      { name: 'feed_lines_rel_idx', method: 'hash' },
      { name: 'feed_lines_sco_idx', method: 'hash' },
    ]);
  });

  it('reads the registry of an observable by its sco_id index, testing the presence', async () => {
    const id = (await sql<{ id: string }>`select sco_id as id from feed_lines where org_id = ${b.org.id} limit 1`.execute(db)).rows[0]!.id;
    const plan = (await sql<{ 'QUERY PLAN': string }>`explain select * from stix_objects where id = ${id}`.execute(db)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index Scan (using|on) feed_lines_sco_idx/);
    expect(plan).not.toMatch(/Seq Scan on feed_lines/);
    expect((await sql`select * from stix_objects where id = ${id}`.execute(db)).rows).toHaveLength(1);
  });

  it("the migration's down brings the btree indexes and the earlier view back, answering the same; up again", async () => {
    const before = await registry(db);
    await db.transaction().execute(async (trx) => {
      // The later migrations go down first and up last.
      await withLaterMigrationsDown(trx, '2026-12-06T08-00-feed-lines-fewer-index-entries', async () => {
        await down(trx);
        expect(await indexes(trx)).toEqual([
          { name: 'feed_lines_rel_idx', method: 'btree' },
          { name: 'feed_lines_sco_idx', method: 'btree' },
          { name: 'feed_lines_sco_reg_idx', method: 'btree' },
        ]);
        expect(await registry(trx)).toEqual(before);
        await up(trx);
      });
      expect(await registry(trx)).toEqual(before);
      throw new Rollback();
    }).catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
    expect(await indexes(db)).toHaveLength(2);
  });
});

class Rollback extends Error {}
