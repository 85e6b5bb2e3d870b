import { CompiledQuery, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { MEMBERS_COLLECTION_ID } from '../../src/taxii/taxii.collections.ts';
import { catchUpIndex } from '../../src/lookup/index.loader.ts';
import type { ObservableIndex } from '../../src/lookup/observable.index.ts';
import { down, up } from '../../src/db/migrations/2026-12-06T03-00-feed-lines-views.ts';
import { STORED_ONLY, syntheticLinesSql as linesSql } from '../support/feed-lines.ts';
import { namedStatement } from '../../src/db/statement.cache.ts';

// Flat feed lines, phase 2 (issue 17.1, docs/design/feed-lines.md): the knowledge tables are `*_stored`, and views
// with their old names add what `feed_lines` rows present. Nothing writes lines yet: here they are inserted by SQL,
// enough of them that a sequential scan of feed_lines is the planner's choice only where a view loses its index
// paths. The hot reads are made as the product makes them (HTTP requests, the lookup index's catch-up), their SQL
// captured, and each statement's plan (EXPLAIN, no ANALYZE, with its parameters) must not scan feed_lines whole.
// (Main's object page failed here on PostgreSQL 15: its neighbours' joins hashed every line.)
const LINES = 20_000;


// Every statement Kysely sends while `fn` runs (the executor's method is wrapped for that time).
async function captured(db: Kysely<Database>, fn: () => Promise<unknown>): Promise<CompiledQuery[]> {
  let proto = Object.getPrototypeOf(db.getExecutor()) as Record<string, unknown> | null;
  while (proto && !Object.hasOwn(proto, 'executeQuery')) proto = Object.getPrototypeOf(proto) as Record<string, unknown> | null;
  const original = proto!.executeQuery as (this: unknown, q: CompiledQuery, ...rest: unknown[]) => Promise<unknown>;
  const seen: CompiledQuery[] = [];
  proto!.executeQuery = function (this: unknown, q: CompiledQuery, ...rest: unknown[]) {
    seen.push(q);
    return original.call(this, q, ...rest);
  };
  try {
    await fn();
  } finally {
    proto!.executeQuery = original;
  }
  return seen;
}

const READS = /\b(contributions|stix_objects|object_keys|object_edges|feed_entries)\b/;

// A parameter as an SQL literal of unknown type (the prepared statement's parameter type applies).
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Date) return `'${v.toISOString()}'`;
  if (Array.isArray(v)) return literal(`{${v.map((x) => (x === null ? 'NULL' : `"${String(x).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)).join(',')}}`);
  return `'${String(v).replaceAll("'", "''")}'`;
}

describeStorage('feed lines: the knowledge tables read through views', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  let feed: TestMember;
  let db: Kysely<Database>;
  let line: { ind_id: string; sco_id: string; rel_id: string; value: string };

  beforeAll(async () => {
    hub = await startHub(backend, STORED_ONLY);
    db = hub.app.storage.db;
    member = await makeMember(hub, { name: 'Reader Bank' });
    feed = await makeMember(hub, { name: 'Feed Org' });
    const csv = ['value,type,comment', ...Array.from({ length: 30 }, (_, i) => `10.9.8.${i},ipv4-addr,stored the current way`), ''].join('\n');
    const res = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(member.key), 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    for (let from = 0; from < LINES; from += 10_000) await linesSql(feed.org.id, from, Math.min(10_000, LINES - from)).execute(db);
    // With statistics, as PostgreSQL's autovacuum keeps them: without any (PGlite has no autovacuum and the product never
    // analyzes), a join into the views is estimated at defaults and several of these reads scan feed_lines (bench/RESULTS.md).
    await sql`analyze`.execute(db);
    line = (await sql<typeof line>`select ind_id, sco_id, rel_id, value from feed_lines where id = ${Math.floor(LINES / 2)}`.execute(db)).rows[0]!;
  }, 180_000);
  afterAll(async () => hub?.close());

  // The plan PostgreSQL keeps for a read the product sends as a named statement (src/db/statement.cache.ts): after five
  // custom plans, the generic one when it is no dearer. Prepared here in SQL (the same plan cache), with the parameters
  // written as literals, and explained seven times (each EXPLAIN EXECUTE takes its plan from the cache as an execution
  // does, without running it): the seventh is the plan the product's seventh request runs.
  const kept = (q: CompiledQuery, k: number) =>
    db.connection().execute(async (c) => {
      const name = `kept_${k}`;
      const run = (text: string) => c.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(text, []));
      await run(`prepare ${name} as ${q.sql}`);
      try {
        const args = q.parameters.length ? `(${q.parameters.map(literal).join(', ')})` : '';
        for (let i = 0; i < 6; i++) await run(`explain execute ${name}${args}`);
        return (await run(`explain execute ${name}${args}`)).rows.map((x) => x['QUERY PLAN']).join('\n');
      } finally {
        await run(`deallocate ${name}`);
      }
    });
  const plans = async (queries: readonly CompiledQuery[]) => {
    const out: { sql: string; plan: string; kept?: string }[] = [];
    for (const q of queries.filter((x) => READS.test(x.sql) && /^\s*(select|with|declare)\b/i.test(x.sql))) {
      // A held cursor's query (the council feed) is explained as the query it runs.
      const text = q.sql.replace(/^\s*declare \S+ no scroll cursor with hold for /i, '');
      const r = await db.executeQuery<{ 'QUERY PLAN': string }>({ ...q, sql: `explain ${text}` } as CompiledQuery<{ 'QUERY PLAN': string }>);
      out.push({ sql: q.sql, plan: r.rows.map((x) => x['QUERY PLAN']).join('\n'), kept: namedStatement(q.sql, q.parameters) ? await kept(q, out.length) : undefined });
    }
    return out;
  };
  const get = (url: string) => hub.server.inject({ method: 'GET', url, headers: as(member.key) });

  it.each([
    ['the object page of a line indicator', () => `/api/v1/objects/${line.ind_id}`],
    ['the object page of a line observable', () => `/api/v1/objects/${line.sco_id}`],
    ['the object page of a line relationship', () => `/api/v1/objects/${line.rel_id}`],
    ['the objects list', () => '/api/v1/objects?limit=50'],
    ['the objects list by value', () => `/api/v1/objects?type=${line.sco_id.split('--')[0]}&value=${encodeURIComponent(line.value)}`],
    ['the objects list by type', () => '/api/v1/objects?type=indicator&limit=50'],
    ['a TAXII page of indicators', () => `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/?limit=100&match[type]=indicator`],
    ['a TAXII page by id', () => `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/?match[id]=${line.ind_id}`],
    ['a STIX export by type', () => '/api/v1/export?format=stix&type=indicator&limit=100'],
  ])('%s keeps its index plans through the views', async (_what, url) => {
    let status = 0;
    const queries = await captured(db, async () => {
      status = (await get(url())).statusCode;
    });
    expect(status).toBe(200);
    const explained = await plans(queries);
    expect(explained.length).toBeGreaterThan(0);
    // No scan of every line; and no JIT: PostgreSQL compiles a statement estimated dear (jit_above_cost), which a join
    // into the views estimated without column statistics (1/200 of the product) was, at ~100 ms a read.
    for (const e of explained) expect(e.plan, e.sql).not.toMatch(/Seq Scan on feed_lines|JIT:/);
    for (const e of explained) expect(e.kept ?? '', e.sql).not.toMatch(/Seq Scan on feed_lines|JIT:/);
    // The reads are planned once, not at every request: each keeps a generic plan (parameters `$n` in it).
    expect(explained.filter((e) => e.kept && !/\$\d/.test(e.kept)).map((e) => e.sql)).toEqual([]);
  });

  it('the lookup index catch-up keeps its index plans through the views', async () => {
    // The last 1,000 lines' contributions (the index itself cannot hold line-derived ids yet: they pass 2^31).
    const seq = Number((await sql<{ s: string }>`select max(seq) - 3000 as s from feed_lines`.execute(db)).rows[0]!.s);
    const index = { active: true, lastSeq: seq, setOrg() {}, add() {} } as unknown as ObservableIndex;
    const queries = await captured(db, () => catchUpIndex(db, index));
    const explained = await plans(queries);
    expect(explained.length).toBeGreaterThan(0);
    for (const e of explained) expect(`${e.plan}\n${e.kept ?? ''}`, e.sql).not.toMatch(/Seq Scan on feed_lines|JIT:/);
  });

  it('the council feed keeps its index plans through the views', async () => {
    const queries = await captured(db, async () => expect((await get('/api/v1/export?format=plain&type=domain-name')).statusCode).toBe(200));
    const explained = await plans(queries);
    expect(explained.some((e) => /cursor/.test(e.sql))).toBe(true);
    for (const e of explained) expect(`${e.plan}\n${e.kept ?? ''}`, e.sql).not.toMatch(/Seq Scan on feed_lines|JIT:/);
  });

  it('the views present the lines: ids, sequence numbers and contents', async () => {
    const res = await get(`/api/v1/objects/${line.ind_id}`);
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(res.json())).toContain(`:value = '${line.value}'`);
    const c = await db.selectFrom('contributions').select(['id', 'object_id', 'seq']).where('object_id', 'in', [line.ind_id, line.sco_id, line.rel_id]).orderBy('seq').execute();
    const l = await db.selectFrom('feed_lines').select(['id', 'seq']).where('ind_id', '=', line.ind_id).executeTakeFirstOrThrow();
    expect(c.map((x) => [Number(x.id), x.object_id, Number(x.seq)])).toEqual([
      [2 ** 50 + 4 * Number(l.id), line.ind_id, Number(l.seq)],
      [2 ** 50 + 4 * Number(l.id) + 1, line.sco_id, Number(l.seq) + 1],
      [2 ** 50 + 4 * Number(l.id) + 2, line.rel_id, Number(l.seq) + 2],
    ]);
    const keys = await db.selectFrom('object_keys').select(['contribution_id', 'object_id']).where('contribution_id', '=', 2 ** 50 + 4 * Number(l.id) + 1).execute();
    expect(keys.map((k) => k.object_id)).toEqual([line.sco_id]);
  });

  it('a write into a view is refused: writers name the stored tables', async () => {
    await expect(sql`update contributions set confidence = 1 where object_id = ${line.ind_id}`.execute(db)).rejects.toThrow(/cannot update view "contributions"/);
    await expect(sql`delete from stix_objects where id = ${line.ind_id}`.execute(db)).rejects.toThrow(/cannot delete from view "stix_objects"/);
    await expect(sql`insert into object_keys (contribution_id, object_id, key) values (1, ${line.ind_id}, 'k')`.execute(db)).rejects.toThrow(/cannot insert into view "object_keys"/);
  });

  it('an organisation with feed lines cannot be deleted', async () => {
    await expect(sql`delete from orgs where id = ${feed.org.id}`.execute(db)).rejects.toMatchObject({ code: '23503' });
  });

  it("the migration's down brings the tables back with their rows, and up makes the views again", async () => {
    const count = async () => Number((await sql<{ n: string }>`select count(*) as n from contributions`.execute(db)).rows[0]!.n);
    const all = await count();
    const stored = Number((await sql<{ n: string }>`select count(*) as n from contributions_stored`.execute(db)).rows[0]!.n);
    expect(all).toBe(stored + 3 * LINES);
    await expect(down(db)).rejects.toThrow(/feed_lines has rows/);
    await db.transaction().execute(async (trx) => {
      await sql`delete from feed_lines`.execute(trx);
      await down(trx);
      const kinds = await sql<{ relname: string; relkind: string }>`select relname, relkind from pg_class where relname in ('contributions', 'stix_objects', 'object_keys', 'object_edges', 'feed_entries', 'feed_lines') order by 1`.execute(trx);
      expect(kinds.rows.map((r) => `${r.relname}:${r.relkind}`)).toEqual(['contributions:r', 'feed_entries:r', 'object_edges:r', 'object_keys:r', 'stix_objects:r']);
      expect(Number((await sql<{ n: string }>`select count(*) as n from contributions`.execute(trx)).rows[0]!.n)).toBe(stored);
      await up(trx);
      throw new Rollback();
    }).catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
    expect(await count()).toBe(all);
  });
});

class Rollback extends Error {}
