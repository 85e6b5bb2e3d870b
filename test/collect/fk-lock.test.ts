import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { down, up } from '../../src/db/migrations/2026-12-07T06-00-fk-lock-single-session.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';

// Issue 17: the set-wise foreign-key checks lock each parent row they find FOR KEY SHARE where another session could
// delete it meanwhile (PostgreSQL), and lock none in PGlite's single session (kessetsu.single_session=on). A row
// locked by a transaction carries that transaction's id in xmax: each check is run in a transaction that is rolled
// back, and the parent's xmax compared with the transaction's own id inside it (an aborted locker's id stays behind).

const ROLLBACK = new Error('rollback');

describeStorage('ingest: foreign-key checks lock parent rows only where another session could delete them', (backend) => {
  let hub: TestHub;
  let sakura: TestMember;
  let db: Kysely<Database>;
  const single = backend.name === 'pglite';

  const csv = (rows: string[]) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(sakura.key), 'content-type': 'text/csv' }, payload: ['value,type,comment', ...rows, ''].join('\n') });
  const locked = async (trx: Kysely<Database>, table: string, id: string | number) =>
    (await sql<{ mine: boolean }>`select xmax::text = (pg_current_xact_id()::text::bigint % 4294967296)::text as mine from ${sql.table(table)} where id = ${id}`.execute(trx)).rows[0]!.mine;

  /** Whether each kind of check locked its parent: a contribution's object, a key's contribution, a moved key's object, a seen contribution. */
  const checksLock = async () => {
    const contributions = (await sql<{ id: string; object_id: string }>`select id, object_id from contributions_stored where object_id like 'indicator--%' order by id limit 3`.execute(db)).rows;
    // The moved contribution goes to an object other than its own (an update that keeps the key checks nothing).
    const objects = (await sql<{ id: string }>`select id from stix_objects_stored where type = 'indicator' and id <> ${contributions[1]!.object_id} order by id limit 2`.execute(db)).rows.map((r) => r.id);
    expect(objects).toHaveLength(2);
    expect(contributions).toHaveLength(3);
    const seen: Record<string, boolean> = {};
    await db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash)
          values (${objects[0]!}, cast(${sakura.org.id} as uuid), 'green', 1, ${`other-${randomUUID()}`}, now(), now(), nextval('change_seq'), '{}'::jsonb, 'h')`.execute(trx);
        seen.contributionObject = await locked(trx, 'stix_objects_stored', objects[0]!);
        await sql`insert into object_keys_stored (contribution_id, object_id, key) values (${contributions[0]!.id}, ${contributions[0]!.object_id}, 'domain-name:lock-test.example')`.execute(trx);
        seen.keyContribution = await locked(trx, 'contributions_stored', contributions[0]!.id);
        await sql`update contributions_stored set object_id = ${objects[1]!}, scope_key = ${`moved-${randomUUID()}`} where id = ${contributions[1]!.id}`.execute(trx);
        seen.movedObject = await locked(trx, 'stix_objects_stored', objects[1]!);
        await sql`insert into contribution_seen (contribution_id, last_seen) values (${contributions[2]!.id}, now())`.execute(trx);
        seen.seenContribution = await locked(trx, 'contributions_stored', contributions[2]!.id);
        throw ROLLBACK;
      })
      .catch((e: unknown) => {
        if (e !== ROLLBACK) throw e;
      });
    return seen;
  };

  beforeAll(async () => {
    hub = await startHub(backend, STORED_ONLY);
    db = hub.app.storage.db;
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    expect((await csv(['10.9.6.1,ipv4-addr,', 'kaede-1.example.com,domain-name,', 'kaede-2.example.com,domain-name,'])).statusCode).toBe(200);
  }, 120_000);
  afterAll(async () => hub?.close());

  it(`the checks ${single ? 'lock no parent in PGlite' : 'lock every parent FOR KEY SHARE on PostgreSQL'}, and still refuse a missing one`, async () => {
    const setting = (await sql<{ s: string | null }>`select current_setting('kessetsu.single_session', true) as s`.execute(db)).rows[0]!.s;
    expect(setting).toBe(single ? 'on' : null);
    expect(await checksLock()).toEqual({ contributionObject: !single, keyContribution: !single, movedObject: !single, seenContribution: !single });
    const err = await sql`insert into object_keys_stored (contribution_id, object_id, key) values (987654321, 'indicator--x', 'domain-name:x.example')`
      .execute(db)
      .then(() => null, (e: { code?: string; message?: string }) => e);
    expect(err?.code).toBe('23503');
    expect(err?.message).toContain('object_keys_contribution_id_fkey');
  });

  it("the migration's down locks every parent again, whatever the session; up again", async () => {
    await withLaterMigrationsDown(db, '2026-12-07T06-00-fk-lock-single-session', async () => {
      await down(db);
      expect(await checksLock()).toEqual({ contributionObject: true, keyContribution: true, movedObject: true, seenContribution: true });
      await up(db);
    });
    expect(await checksLock()).toEqual({ contributionObject: !single, keyContribution: !single, movedObject: !single, seenContribution: !single });
  });
});
