import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { ingestStix, startFeedbackHub } from './support.ts';

// Council feeds read feed_entries, which triggers keep beside object_keys and contributions (issue 17.3). Whatever
// path writes, the table must equal what the join of the two says, row for row.

const FACTS = 'id, key, object_id, tlp, tlp_rank, org_id, user_id, recipient_orgs, recipient_groups, recipient_users, revoked, superseded, owner_rank, modified, valid_until, confidence, updated_at';

function indicator(id: string, pattern: string, modified: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'indicator', spec_version: '2.1', id, created: '2026-01-01T00:00:00.000Z', modified, name: pattern.slice(0, 60), pattern, pattern_type: 'stix', valid_from: '2020-01-01T00:00:00.000Z', ...extra };
}

function bundle(objects: Record<string, unknown>[]): string {
  return JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects });
}

describeStorage('feed back: feed entries kept by triggers', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;

  async function projection(): Promise<unknown[]> {
    return (await sql`select ${sql.raw(FACTS)} from feed_entries order by id, key`.execute(hub.app.storage.db)).rows;
  }

  async function truth(): Promise<unknown[]> {
    const cols = FACTS.split(', ').map((c) => (c === 'key' ? 'k.key' : `c.${c}`));
    return (
      await sql`select ${sql.raw(cols.join(', '))} from object_keys k join contributions c on c.id = k.contribution_id
        where k.object_id like 'indicator--%' order by c.id, k.key`.execute(hub.app.storage.db)
    ).rows;
  }

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    a = await makeMember(hub, { name: 'Owner' });
    b = await makeMember(hub, { name: 'Second source' });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('equals the join of keys and contributions through new versions, revocations, rivals, expiry and deletion', async () => {
    const one = `indicator--${crypto.randomUUID()}`;
    const two = `indicator--${crypto.randomUUID()}`;
    await ingestStix(
      hub,
      a.key,
      bundle([
        indicator(one, "[url:value = 'http://one.example/a' OR domain-name:value = 'one.example']", '2026-01-01T00:00:00.000Z', { confidence: 40 }),
        indicator(two, "[ipv4-addr:value = '198.51.100.9']", '2026-01-01T00:00:00.000Z'),
      ]),
    );
    const first = await projection();
    expect(first.length).toBe(3);
    expect(first).toEqual(await truth());

    // A new version names another value (keys replaced), the same one again at a higher confidence (facts moved).
    await ingestStix(hub, a.key, bundle([indicator(one, "[url:value = 'http://one.example/b']", '2026-02-01T00:00:00.000Z', { confidence: 90 })]));
    await ingestStix(hub, a.key, bundle([indicator(two, "[ipv4-addr:value = '198.51.100.9']", '2026-01-01T00:00:00.000Z', { confidence: 95 })]));
    // Another organisation's AMBER version of the same indicator (a rival: ranking and superseded move).
    await ingestStix(hub, b.key, bundle([indicator(two, "[ipv4-addr:value = '198.51.100.10']", '2026-03-01T00:00:00.000Z')]), `tlp=amber&orgs=${a.org.id}`);
    // Revoked, then expired.
    await ingestStix(hub, a.key, bundle([indicator(one, "[url:value = 'http://one.example/b']", '2026-04-01T00:00:00.000Z', { revoked: true })]));
    await sql`update contributions_stored set valid_until = '2021-01-01T00:00:00.000Z' where object_id = ${two}`.execute(hub.app.storage.db);
    const later = await projection();
    expect(later).toEqual(await truth());
    expect(later.map((r) => (r as { key: string }).key).sort()).toEqual(['ipv4-addr:198.51.100.10', 'ipv4-addr:198.51.100.9', 'url:http://one.example/b']);
    expect(later.find((r) => (r as { key: string }).key === 'url:http://one.example/b')).toMatchObject({ revoked: true, confidence: 90 });
    expect(later.find((r) => (r as { key: string }).key === 'ipv4-addr:198.51.100.9')).toMatchObject({ confidence: 95, tlp: 'green' });

    // A key rewritten in place and a contribution deleted (its keys go by cascade).
    await sql`update object_keys_stored set key = 'ipv4-addr:198.51.100.11' where key = 'ipv4-addr:198.51.100.10'`.execute(hub.app.storage.db);
    expect(await projection()).toEqual(await truth());
    await sql`delete from contributions_stored where object_id = ${one}`.execute(hub.app.storage.db);
    const last = await projection();
    expect(last).toEqual(await truth());
    expect(last.map((r) => (r as { key: string }).key).sort()).toEqual(['ipv4-addr:198.51.100.11', 'ipv4-addr:198.51.100.9']);
  });
  // A CI run stalled for minutes in one statement of 30,000 keys (BufFileRead): the trigger's join had been planned
  // once on that pooled connection, for other sizes, and the plan was kept (a nested loop rescanning the spilled
  // transition table per contribution). Here a connection's first statement of keys is planned under settings that
  // give the worst plan, then a second statement follows on the same connection. Each statement must be planned
  // anew: on PostgreSQL the second one's plan, as auto_explain writes it, uses the index or a hash (with the kept
  // plan it used neither, whatever the size); PGlite (no auto_explain) inserts 20,000 keys well inside the test's
  // 30 s (0.7 s; with the kept plan it took 60 s, growing with the square).
  it('a statement of keys is planned for its own size, not for the first statement of its connection', { timeout: 30_000 }, async () => {
    const n = backend.name === 'postgres' ? 2_000 : 20_000;
    const owner = a.org.id;
    const hostile = ['enable_indexscan', 'enable_bitmapscan', 'enable_hashjoin', 'enable_mergejoin'];
    const statements = (prefix: string, count: number) => [
      sql`insert into stix_objects_stored (id, type, owner_org_id, seq)
        select 'indicator--' || md5(${prefix} || g)::uuid, 'indicator', ${owner}, nextval('change_seq') from generate_series(1, ${count}::int) g`,
      sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash, owner_rank)
        select 'indicator--' || md5(${prefix} || g)::uuid, ${owner}, 'green', 1, 'green|o:|g:|u:|a:0', now(), now(), nextval('change_seq'), jsonb_build_object(${prefix}::text, g), md5(${prefix} || g), 1
        from generate_series(1, ${count}::int) g`,
    ];
    const keys = (prefix: string) => sql`insert into object_keys_stored (contribution_id, object_id, key)
        select c.id, c.object_id, 'domain-name:' || ${prefix} || '-' || (c.data->>${prefix}::text) || '.example' from contributions c where c.data ? ${prefix}::text`;
    const before = Number((await sql<{ n: number }>`select count(*) as n from feed_entries`.execute(hub.app.storage.db)).rows[0]!.n);
    if (backend.name === 'postgres') {
      // One session of our own, to read auto_explain's plans of the trigger's statements as notices.
      const client = new pg.Client({ connectionString: hub.app.storage.location });
      const notices: string[] = [];
      client.on('notice', (m) => notices.push(m.message ?? ''));
      await client.connect();
      const run = async (q: ReturnType<typeof sql>) => {
        const c = q.compile(hub.app.storage.db);
        await client.query(c.sql, c.parameters as unknown[]);
      };
      try {
        for (const q of statements('replan-small', 3)) await run(q);
        for (const setting of hostile) await client.query(`set ${setting} = off`);
        await run(keys('replan-small'));
        for (const setting of hostile) await client.query(`reset ${setting}`);
        for (const q of statements('replan-large', n)) await run(q);
        await client.query(`load 'auto_explain'`);
        await client.query(`set auto_explain.log_min_duration = 0`);
        await client.query(`set auto_explain.log_nested_statements = on`);
        await client.query(`set auto_explain.log_level = 'notice'`);
        notices.length = 0;
        await run(keys('replan-large'));
      } finally {
        await client.end();
      }
      const plans = notices.filter((m) => m.includes('insert into feed_entries_stored'));
      expect(plans, notices.join('\n---\n')).toHaveLength(1);
      expect(plans[0], plans[0]).toMatch(/Index Scan|Index Only Scan|Hash Join|Merge Join/);
    } else {
      await hub.app.storage.db.connection().execute(async (conn) => {
        for (const q of statements('replan-small', 3)) await q.execute(conn);
        // PGlite's one session has run the trigger already (earlier tests): its kept plans are dropped first.
        await sql`discard plans`.execute(conn);
        for (const setting of hostile) await sql`select set_config(${setting}, 'off', false)`.execute(conn);
        await keys('replan-small').execute(conn);
        for (const setting of hostile) await sql`select set_config(${setting}, 'on', false)`.execute(conn);
        for (const q of statements('replan-large', n)) await q.execute(conn);
        await keys('replan-large').execute(conn);
      });
    }
    const after = Number((await sql<{ n: number }>`select count(*) as n from feed_entries`.execute(hub.app.storage.db)).rows[0]!.n);
    expect(after - before).toBe(n + 3);
    expect(await projection()).toEqual(await truth());
  });
});
