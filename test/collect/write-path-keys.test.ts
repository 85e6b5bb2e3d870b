import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { copyRows, copyText } from '../../src/db/copy.ts';
import { down, up } from '../../src/db/migrations/2026-12-05T11-00-write-path-keys-set-wise.ts';
import * as seenKey from '../../src/db/migrations/2026-12-05T20-00-contribution-seen-key-set-wise.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';

// Ingest write path (issue 17.1): migration T11-00 checks the five foreign keys an ingest writes through once per
// statement (triggers over the statement's rows) instead of once per row. Every promise of the constraints holds
// for any writer, here plain SQL: a child without its parent is refused with 23503 and nothing of the statement
// stays; deleting an object still takes its contributions, keys and edges; an organisation still referenced
// cannot go. The migration's `down` brings the real constraints back over a database with data.
const CONSTRAINTS = ['contributions_object_id_fkey', 'contributions_org_id_fkey', 'stix_objects_owner_org_id_fkey', 'object_keys_contribution_id_fkey', 'object_edges_contribution_id_fkey'];

describeStorage('ingest: foreign keys of the write path checked per statement', (backend) => {
  let hub: TestHub;
  let sakura: TestMember;
  let db: Kysely<Database>;
  const nobody = randomUUID();

  const csv = (rows: string[]) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(sakura.key), 'content-type': 'text/csv' }, payload: ['value,type,comment', ...rows, ''].join('\n') });
  const count = async (table: string, where = sql`true`) => Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0]!.n);
  const counts = async () => ({
    stix_objects: await count('stix_objects'),
    contributions: await count('contributions'),
    object_keys: await count('object_keys'),
    object_edges: await count('object_edges'),
    feed_entries: await count('feed_entries'),
  });
  /** The statement fails with foreign_key_violation naming the constraint (PostgreSQL's own or the trigger's). */
  const refused = async (statement: Promise<unknown>, constraint: string) => {
    const err = (await statement.then(() => null, (e: unknown) => e)) as { code?: string; message?: string; constraint?: string } | null;
    expect(err, `expected ${constraint} to refuse`).not.toBeNull();
    expect(err!.code).toBe('23503');
    expect(err!.message).toContain(constraint);
  };
  const contribution = (objectId: string, orgId: string) =>
    sql`(${objectId}, cast(${orgId} as uuid), 'green', 1, 'test', now(), now(), nextval('change_seq'), '{}'::jsonb, 'h')`;
  const insertContributions = (...rows: ReturnType<typeof contribution>[]) =>
    sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash) values ${sql.join(rows)}`.execute(db);
  const aContribution = async (like: string) => (await sql<{ id: string; object_id: string }>`select id, object_id from contributions where object_id like ${like} order by id limit 1`.execute(db)).rows[0]!;

  beforeAll(async () => {
    hub = await startHub(backend, STORED_ONLY);
    db = hub.app.storage.db;
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    const rows = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? `10.7.6.${i},ipv4-addr,seen in the spam run` : `kaede-${i}.example.com,domain-name,`));
    expect((await csv(rows)).statusCode).toBe(200);
  }, 120_000);
  afterAll(async () => hub?.close());

  it('a child without its parent is refused with 23503, and nothing of the statement stays', async () => {
    const before = await counts();
    const known = await aContribution('indicator--%');
    const fresh = `indicator--${randomUUID()}`;
    await sql`insert into stix_objects_stored (id, type, seq, owner_org_id) values (${fresh}, 'indicator', nextval('change_seq'), cast(${sakura.org.id} as uuid))`.execute(db);

    // One good row and one bad row in a statement: the statement goes whole.
    await refused(insertContributions(contribution(fresh, sakura.org.id), contribution(`indicator--${randomUUID()}`, sakura.org.id)), 'contributions_object_id_fkey');
    await refused(insertContributions(contribution(fresh, sakura.org.id), contribution(fresh, nobody)), 'contributions_org_id_fkey');
    await refused(sql`insert into stix_objects_stored (id, type, seq, owner_org_id) values (${`malware--${randomUUID()}`}, 'malware', 1, cast(${sakura.org.id} as uuid)), (${`malware--${randomUUID()}`}, 'malware', 2, cast(${nobody} as uuid))`.execute(db), 'stix_objects_owner_org_id_fkey');
    await refused(sql`insert into object_keys_stored (contribution_id, object_id, key) values (${known.id}, ${known.object_id}, 'ipv4-addr:203.0.113.9'), (987654321, ${known.object_id}, 'ipv4-addr:203.0.113.10')`.execute(db), 'object_keys_contribution_id_fkey');
    await refused(sql`insert into object_edges_stored (contribution_id, source_id, target_id, via_id, kind, label) values (987654321, ${known.object_id}, ${fresh}, ${fresh}, 'relationship', 'based-on')`.execute(db), 'object_edges_contribution_id_fkey');
    // COPY (the importer's way in for new contributions, keys and edges) is checked the same.
    await refused(copyRows(db, 'object_keys_stored', ['contribution_id', 'object_id', 'key'], copyText([[Number(known.id), known.object_id, 'ipv4-addr:203.0.113.11'], [987654321, known.object_id, 'ipv4-addr:203.0.113.12']])), 'object_keys_contribution_id_fkey');
    await refused(copyRows(db, 'contributions_stored', ['object_id', 'org_id', 'tlp', 'tlp_rank', 'scope_key', 'first_seen', 'last_seen', 'seq', 'data', 'content_hash'], copyText([[fresh, nobody, 'green', 1, 'test', '2026-12-05T12:00:00Z', '2026-12-05T12:00:00Z', 1, '{}', 'h']])), 'contributions_org_id_fkey');
    // A key changed by an update is checked as well; updates of anything else are not refused.
    await refused(sql`update contributions_stored set org_id = cast(${nobody} as uuid) where id = ${known.id}`.execute(db), 'contributions_org_id_fkey');
    await refused(sql`update contributions_stored set object_id = ${`indicator--${randomUUID()}`} where id = ${known.id}`.execute(db), 'contributions_object_id_fkey');
    await refused(sql`update object_keys_stored set contribution_id = 987654321 where contribution_id = ${known.id}`.execute(db), 'object_keys_contribution_id_fkey');
    await refused(sql`update stix_objects_stored set owner_org_id = cast(${nobody} as uuid) where id = ${fresh}`.execute(db), 'stix_objects_owner_org_id_fkey');
    await sql`update contributions_stored set last_seen = now() where id = ${known.id}`.execute(db);
    // A parent's key cannot move away from its children; an organisation still referenced cannot go.
    await refused(sql`update stix_objects_stored set id = ${`indicator--${randomUUID()}`} where id = ${known.object_id}`.execute(db), 'contributions_object_id_fkey');
    // An organisation referenced only by what it contributed (no users, keys or other rows) cannot go either.
    const lone = randomUUID();
    const owned = `indicator--${randomUUID()}`;
    await sql`insert into orgs (id, name, kind) values (cast(${lone} as uuid), ${`lone-${lone}`}, 'industry')`.execute(db);
    await sql`insert into stix_objects_stored (id, type, seq, owner_org_id) values (${owned}, 'indicator', nextval('change_seq'), cast(${lone} as uuid))`.execute(db);
    await refused(sql`delete from orgs where id = ${lone}`.execute(db), 'stix_objects_owner_org_id_fkey');
    await sql`update stix_objects_stored set owner_org_id = null where id = ${owned}`.execute(db);
    await insertContributions(contribution(owned, lone));
    await refused(sql`delete from orgs where id = ${lone}`.execute(db), 'contributions_org_id_fkey');
    await sql`delete from stix_objects_stored where id = ${owned}`.execute(db);
    await sql`delete from orgs where id = ${lone}`.execute(db);

    // Inside a transaction the failed statement takes the transaction with it (one transaction per ingest).
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash)
          values (${fresh}, cast(${sakura.org.id} as uuid), 'green', 1, 'test', now(), now(), nextval('change_seq'), '{}'::jsonb, 'h')`.execute(trx);
        await sql`insert into object_keys_stored (contribution_id, object_id, key) values (987654321, ${fresh}, 'k')`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '23503' });

    await sql`delete from stix_objects_stored where id = ${fresh}`.execute(db);
    expect(await counts()).toEqual(before);
    // Good rows of the same shapes go in.
    await sql`insert into stix_objects_stored (id, type, seq, owner_org_id) values (${fresh}, 'indicator', nextval('change_seq'), null)`.execute(db);
    await insertContributions(contribution(fresh, sakura.org.id));
    await sql`delete from stix_objects_stored where id = ${fresh}`.execute(db);
    expect(await counts()).toEqual(before);
  });

  it('deleting objects still takes their contributions, keys and edges; deleting contributions their keys and edges', async () => {
    // The address's indicator: a contribution with keys (and feed entries); the based-on relationship: an edge.
    const indicator = await aContribution('indicator--%');
    const relationship = await aContribution('relationship--%');
    expect(await count('object_keys', sql`contribution_id = ${indicator.id}`)).toBeGreaterThan(0);
    expect(await count('feed_entries', sql`id = ${indicator.id}`)).toBeGreaterThan(0);
    expect(await count('object_edges', sql`contribution_id = ${relationship.id}`)).toBeGreaterThan(0);
    const before = await counts();

    await sql`delete from stix_objects_stored where id in (${indicator.object_id}, ${relationship.object_id})`.execute(db);
    for (const c of [indicator, relationship]) {
      expect(await count('contributions', sql`object_id = ${c.object_id}`)).toBe(0);
      expect(await count('object_keys', sql`contribution_id = ${c.id}`)).toBe(0);
      expect(await count('object_edges', sql`contribution_id = ${c.id}`)).toBe(0);
      expect(await count('feed_entries', sql`id = ${c.id}`)).toBe(0);
    }
    const after = await counts();
    expect(after.stix_objects).toBe(before.stix_objects - 2);
    expect(after.contributions).toBe(before.contributions - 2);
    expect(after.object_keys).toBeLessThan(before.object_keys);
    expect(after.object_edges).toBeLessThan(before.object_edges);

    // Contributions deleted directly (a withdrawal) take their keys and edges.
    const other = await aContribution('relationship--%');
    await sql`delete from contributions_stored where id = ${other.id}`.execute(db);
    expect(await count('object_edges', sql`contribution_id = ${other.id}`)).toBe(0);
    // Truncating a parent alone is refused while children exist.
    await expect(sql`truncate stix_objects_stored`.execute(db)).rejects.toThrow(/cannot truncate a table referenced in a foreign key constraint/);
    expect(await count('stix_objects')).toBe(after.stix_objects);
  });

  // PostgreSQL's own check locks the parent row FOR KEY SHARE; the statement's check does the same, so a parent deleted
  // by another transaction meanwhile can leave no orphan. PGlite has one connection: nothing runs concurrently there.
  it.skipIf(backend.name !== 'postgres')('a parent deleted by another transaction meanwhile: the insert fails, or the delete waits and cascades or is refused', async () => {
    const waiting = async (like: string, settled: () => boolean) => {
      for (;;) {
        if (settled()) throw new Error(`${like}: finished without waiting for the other transaction`);
        const r = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like ${like}`.execute(db);
        if (Number(r.rows[0]!.n) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    /** Runs `first` in a transaction held open until `second` (another connection) waits on its locks. */
    const interleave = async (first: (trx: Kysely<Database>) => Promise<unknown>, second: () => Promise<unknown>, like: string) => {
      let go!: () => void;
      const started = new Promise<void>((resolve) => (go = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const held = db.transaction().execute(async (trx) => {
        await first(trx);
        go();
        await gate;
      });
      await started;
      let settled = false;
      const blocked = second().then(() => null, (e: unknown) => e).finally(() => (settled = true));
      try {
        await waiting(like, () => settled);
      } finally {
        release();
        await held;
      }
      return blocked;
    };
    const object = async () => {
      const id = `indicator--${randomUUID()}`;
      await sql`insert into stix_objects_stored (id, type, seq) values (${id}, 'indicator', nextval('change_seq'))`.execute(db);
      return id;
    };

    // The parent is deleted first: the insert waits for that transaction, then finds no parent.
    const gone = await object();
    const err = (await interleave((trx) => sql`delete from stix_objects_stored where id = ${gone}`.execute(trx), () => insertContributions(contribution(gone, sakura.org.id)), 'insert into contributions_stored%')) as { code?: string } | null;
    expect(err?.code).toBe('23503');
    expect(await count('contributions', sql`object_id = ${gone}`)).toBe(0);

    // The child is inserted first: the delete waits, then cascades to the child it now sees.
    const kept = await object();
    expect(await interleave((trx) => sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash)
      values (${kept}, cast(${sakura.org.id} as uuid), 'green', 1, 'test', now(), now(), nextval('change_seq'), '{}'::jsonb, 'h')`.execute(trx), () => sql`delete from stix_objects_stored where id = ${kept}`.execute(db), 'delete from stix_objects_stored%')).toBeNull();
    expect(await count('contributions', sql`object_id = ${kept}`)).toBe(0);

    // An organisation deleted while its first contribution is being written: the delete waits, then is refused.
    const lone = randomUUID();
    await sql`insert into orgs (id, name, kind) values (cast(${lone} as uuid), ${`lone-${lone}`}, 'industry')`.execute(db);
    const target = await object();
    const refusal = (await interleave((trx) => sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash)
      values (${target}, cast(${lone} as uuid), 'green', 1, 'test', now(), now(), nextval('change_seq'), '{}'::jsonb, 'h')`.execute(trx), () => sql`delete from orgs where id = ${lone}`.execute(db), 'delete from orgs%')) as { code?: string; message?: string } | null;
    expect(refusal?.code).toBe('23503');
    expect(refusal?.message).toContain('contributions_org_id_fkey');
    await sql`delete from stix_objects_stored where id = ${target}`.execute(db);
    await sql`delete from orgs where id = ${lone}`.execute(db);
  });

  it("the migration's down brings the real constraints back over a database with data, and up again", async () => {
    const constraints = async () => (await sql<{ conname: string }>`select conname from pg_constraint where contype = 'f' and conname in (${sql.join(CONSTRAINTS)}) order by 1`.execute(db)).rows.map((r) => r.conname);
    const triggers = async () => (await sql<{ tgname: string }>`select tgname from pg_trigger where not tgisinternal and tgname like '%fk%' order by 1`.execute(db)).rows.length;
    expect(await constraints()).toEqual([]);
    expect(await triggers()).toBe(22); // and contribution_seen's two (T20-00), feed_lines' two (T03-00 of 12-06; both go down first and up last)
    const before = await counts();

    // The migrations after T20-00 go down first and up last (the 12-06 ones renamed the tables these triggers name).
    await withLaterMigrationsDown(db, '2026-12-05T20-00-contribution-seen-key-set-wise', async () => {
      await seenKey.down(db);
      await down(db);
      try {
        expect(await constraints()).toEqual([...CONSTRAINTS].sort());
        expect(await triggers()).toBe(0);
        // The tables under their names of that version (the code writes the renamed ones: it ingests after up only).
        await refused(sql`insert into contributions (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash)
          values ${contribution((await aContribution('indicator--%')).object_id, nobody)}`.execute(db), 'contributions_org_id_fkey');
      } finally {
        await up(db);
        await seenKey.up(db);
      }
    });
    expect(await constraints()).toEqual([]);
    expect(await triggers()).toBe(22);
    const after = await counts();
    expect(after.contributions).toBe(before.contributions);
    expect((await csv(['10.7.6.201,ipv4-addr,after up'])).statusCode).toBe(200);
    await refused(insertContributions(contribution((await aContribution('indicator--%')).object_id, nobody)), 'contributions_org_id_fkey');
  });
});
