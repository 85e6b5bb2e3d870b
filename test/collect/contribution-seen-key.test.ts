import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { down, up } from '../../src/db/migrations/2026-12-05T20-00-contribution-seen-key-set-wise.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';

// Re-ingest (issue 17.1): migration T20-00 checks contribution_seen's foreign key to contributions once per statement
// (the triggers of T11-00) instead of once per row. Its promises hold for any writer: a row without its contribution is
// refused with 23503 and nothing of the statement stays, a changed key is checked, deleting contributions deletes their
// rows here, a contribution's id cannot move away from them; `down` brings the real constraint back over data.
// Since 2026-12-06T09-00 a re-import records what it saw again as runs of contribution ids (contribution_seen_runs)
// and nothing writes this table; its promises are still those of its key, tested with rows written here directly.
const NAME = 'contribution_seen_contribution_id_fkey';

describeStorage("ingest: contribution_seen's foreign key checked per statement", (backend) => {
  let hub: TestHub;
  let sakura: TestMember;
  let db: Kysely<Database>;

  const csv = (rows: string[]) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(sakura.key), 'content-type': 'text/csv' }, payload: ['value,type,comment', ...rows, ''].join('\n') });
  const ids = async () => (await sql<{ id: string }>`select id from contributions order by id`.execute(db)).rows.map((r) => Number(r.id));
  const seen = async () => (await sql<{ contribution_id: string }>`select contribution_id from contribution_seen order by 1`.execute(db)).rows.map((r) => Number(r.contribution_id));
  // The contributions a re-import's runs hold.
  const covered = async () => (await sql<{ id: string }>`select c.id from contributions c where exists (select 1 from contribution_seen_runs r where r.ids @> c.id) order by 1`.execute(db)).rows.map((r) => Number(r.id));
  const refused = async (statement: Promise<unknown>) => {
    const err = (await statement.then(() => null, (e: unknown) => e)) as { code?: string; message?: string } | null;
    expect(err, `expected ${NAME} to refuse`).not.toBeNull();
    expect(err!.code).toBe('23503');
    expect(err!.message).toContain(NAME);
  };
  const constraint = async () => (await sql<{ n: string }>`select count(*) as n from pg_constraint where conname = ${NAME}`.execute(db)).rows[0]!.n;

  beforeAll(async () => {
    hub = await startHub(backend, STORED_ONLY);
    db = hub.app.storage.db;
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    expect((await csv(['10.8.6.1,ipv4-addr,', 'kaede-1.example.com,domain-name,'])).statusCode).toBe(200);
  }, 120_000);
  afterAll(async () => hub?.close());

  it('a re-import records last_seen as runs; a row without its contribution is refused, and nothing of the statement stays', async () => {
    expect(Number(await constraint())).toBe(0);
    expect((await csv(['10.8.6.1,ipv4-addr,', 'kaede-1.example.com,domain-name,'])).statusCode).toBe(200);
    const all = await ids();
    expect(await covered()).toEqual(all); // every contribution seen again (observables, indicators, based-on)
    expect(await seen()).toEqual([]);
    await sql`insert into contribution_seen (contribution_id, last_seen) select id, now() from contributions_stored`.execute(db);
    const before = await seen();
    expect(before).toEqual(all);
    await refused(sql`insert into contribution_seen (contribution_id, last_seen) values (${all[0]!}, now()), (987654321, now()) on conflict (contribution_id) do update set last_seen = excluded.last_seen`.execute(db));
    await refused(sql`insert into contribution_seen (contribution_id, last_seen) values (987654321, now())`.execute(db));
    await refused(sql`update contribution_seen set contribution_id = 987654321 where contribution_id = ${all[0]!}`.execute(db));
    await sql`update contribution_seen set last_seen = now() where contribution_id = ${all[0]!}`.execute(db);
    expect(await seen()).toEqual(before);
    // A contribution's id cannot move away from its row here (one without keys or edges, which would refuse first).
    const bare = `malware--${randomUUID()}`;
    await sql`insert into stix_objects_stored (id, type, seq, owner_org_id) values (${bare}, 'malware', nextval('change_seq'), cast(${sakura.org.id} as uuid))`.execute(db);
    const { id } = (await sql<{ id: string }>`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash)
      values (${bare}, cast(${sakura.org.id} as uuid), 'green', 1, 'test', now(), now(), nextval('change_seq'), '{}'::jsonb, 'h') returning id`.execute(db)).rows[0]!;
    await sql`insert into contribution_seen (contribution_id, last_seen) values (${id}, now())`.execute(db);
    const moved = await sql`update contributions_stored set id = 987654321 where id = ${id}`.execute(db).then(() => null, (e: { code?: string; message?: string }) => e);
    expect(moved?.code).toBe('23503');
    expect(moved?.message).toContain(NAME);
    await sql`delete from stix_objects_stored where id = ${bare}`.execute(db);
  });

  it('deleting contributions deletes their rows here', async () => {
    const all = await ids();
    await sql`delete from contributions_stored where id = any(${sql.val(all.slice(0, 2))})`.execute(db);
    expect(await seen()).toEqual(all.slice(2));
  });

  it("the migration's down brings the real constraint back over data, and up again", async () => {
    // The later migrations first (they rename the tables these triggers name, and key contribution_seen to lines).
    await withLaterMigrationsDown(db, '2026-12-05T20-00-contribution-seen-key-set-wise', async () => {
      await down(db);
      try {
        expect(Number(await constraint())).toBe(1);
        await refused(sql`insert into contribution_seen (contribution_id, last_seen) values (987654321, now())`.execute(db));
      } finally {
        await up(db);
      }
    });
    // A re-import after up (the code writes the renamed tables: not at that version).
    expect((await csv(['10.8.6.2,ipv4-addr,'])).statusCode).toBe(200);
    expect((await csv(['10.8.6.2,ipv4-addr,'])).statusCode).toBe(200);
    expect(Number(await constraint())).toBe(0);
    expect(await covered()).toEqual(await ids());
    await refused(sql`insert into contribution_seen (contribution_id, last_seen) values (987654321, now())`.execute(db));
  });
});
