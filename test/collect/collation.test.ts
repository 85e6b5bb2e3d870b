import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { describeBackend, onDatabase, type Backend } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { openPostgres } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { C_COLUMNS, down, up } from '../../src/db/migrations/2026-12-05T17-00-ids-collate-c.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';

// Ingest write path (issue 17.1): on a database created with a language locale (most PostgreSQL installations),
// ids, keys and scope keys are compared byte for byte (COLLATE "C"), not through the locale (strcoll cost the
// server ~1.5× the CPU of a CSV import, bench/RESULTS.md). The test clusters are "C" databases, where the change
// is invisible: this suite makes a database with an ICU en-US default collation (PostgreSQL only; PGlite has no
// other locale) and checks that the columns say C, that they order like bytes while the database's default does not,
// that every probe and join of the write path and the readers still finds its index, and that the hub works on it.

// A fresh database whose default collation is ICU's en-US, migrated.
function languageLocaleBackend(adminUrl: string): Backend {
  return {
    name: 'postgres',
    async open() {
      const name = `kt_icu_${randomBytes(6).toString('hex')}`;
      await onDatabase(adminUrl, (a) => a.query(`create database "${name}" template template0 encoding 'UTF8' locale_provider icu icu_locale 'en-US'`));
      const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
      const storage = await openPostgres(url, 5);
      await migrateToLatest(storage.db);
      return {
        ...storage,
        async close() {
          await storage.close();
          await onDatabase(adminUrl, (a) => a.query(`drop database if exists "${name}" with (force)`));
        },
      };
    },
  };
}

describeBackend('postgres', 'ingest: ids compared byte for byte on a database with a language locale', () => {
  let hub: TestHub;
  let sakura: TestMember;
  const now = new Date().toISOString();
  const malware = { type: 'malware', spec_version: '2.1', id: `malware--${randomUUID()}`, created: now, modified: now, name: 'Hinoki loader', is_family: true };
  const urls = ['http://evil.example/B', 'http://evil.example/a', 'http://evil.example/_z', 'http://evil.example/Ab'];

  const collations = async () =>
    (
      await sql<{ t: string; c: string; collation_name: string | null }>`select table_name as t, column_name as c, collation_name from information_schema.columns
        where table_schema = current_schema() and data_type = 'text'`.execute(hub.app.storage.db)
    ).rows;

  beforeAll(async () => {
    hub = await startHub(languageLocaleBackend(inject('pgTemplateUrl')!), STORED_ONLY);
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    const csv = ['value,type,comment', ...urls.map((u) => `${u},url,kit`), 'hinoki-c2.example.com,domain-name,c2', '198.51.100.7,ipv4-addr,scanner', ''].join('\n');
    const r1 = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(sakura.key), 'content-type': 'text/csv' }, payload: csv });
    expect(r1.statusCode, r1.body).toBe(200);
    const indicator = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: now, modified: now, pattern: "[domain-name:value = 'hinoki-c2.example.com']", pattern_type: 'stix', valid_from: now };
    const rel = { type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: now, modified: now, relationship_type: 'indicates', source_ref: indicator.id, target_ref: malware.id };
    const r2 = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(sakura.key), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: [malware, indicator, rel] }) });
    expect(r2.statusCode, r2.body).toBe(200);
  }, 120_000);
  afterAll(async () => hub?.close());

  it('the database sorts by its language; the ids and keys of the model compare as bytes', async () => {
    const db = hub.app.storage.db;
    const provider = await sql<{ p: string }>`select datlocprovider as p from pg_database where datname = current_database()`.execute(db);
    expect(provider.rows[0]!.p).toBe('i');
    const byColumn = new Map((await collations()).map((r) => [`${r.t}.${r.c}`, r.collation_name]));
    for (const [table, cols] of Object.entries(C_COLUMNS)) for (const c of cols) expect(byColumn.get(`${table}.${c}`), `${table}.${c}`).toBe('C');
    expect(byColumn.get('stix_objects.value')).toBeNull(); // values keep the database's collation (people sort them)
    // A table added later that holds object ids must join the list (its joins with the registry would lose their index).
    const idColumns = (await collations()).filter((r) => ['object_id', 'source_id', 'target_id', 'via_id', 'copy_of'].includes(r.c));
    expect(idColumns.length).toBeGreaterThanOrEqual(10);
    for (const r of idColumns) expect(r.collation_name, `${r.t}.${r.c}`).toBe('C');

    const keys = (await sql<{ key: string }>`select key from object_keys where key like 'url:%' order by key`.execute(db)).rows.map((r) => r.key);
    const byLocale = (await sql<{ key: string }>`select key from object_keys where key like 'url:%' order by key collate "default"`.execute(db)).rows.map((r) => r.key);
    expect(new Set(keys).size).toBeGreaterThanOrEqual(urls.length);
    expect(keys).toEqual([...keys].sort()); // code-unit order: what JavaScript's sort gives
    expect(byLocale).not.toEqual(keys); // the database's own collation really is another order
  });

  it('the write path and the readers find their indexes: no join compares two collations', async () => {
    const db = hub.app.storage.db;
    // Every converted column that leads an index, reached by a join from another converted column (an object's id,
    // an observable's key, a signature): with the two columns in different collations the index could not be used.
    const leading = await sql<{ t: string; c: string }>`select distinct t.relname as t, a.attname as c from pg_index i
      join pg_class t on t.oid = i.indrelid join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
      where t.relnamespace = cast(current_schema() as regnamespace) and i.indpred is null`.execute(db);
    const from = (c: string) =>
      /(^|_)key$/.test(c) ? sql`object_keys s where s.object_id = ${malware.id} and` : c === 'sig' || c === 'unless_sig' ? sql`analysis_signatures s where s.sig = ${'x'} and` : /(^|_)id$|^copy_of$/.test(c) ? sql`stix_objects s where s.type = ${'malware'} and` : null;
    const joins: [string, ReturnType<typeof sql>][] = [];
    for (const row of leading.rows) {
      // The knowledge tables are read through views of their old names (the stored table and feed_lines' branches).
      const [t, c] = [row.t.replace(/_stored$/, ''), row.c];
      if (!C_COLUMNS[t]?.includes(c)) continue;
      const src = from(c);
      const other = /(^|_)key$/.test(c) ? 'key' : c === 'sig' || c === 'unless_sig' ? 'sig' : 'id';
      if (src) joins.push([`${t}.${c}`, sql`select 1 from ${src} exists (select 1 from ${sql.table(t)} x where x.${sql.id(c)} = s.${sql.id(other)})`]);
    }
    expect(joins.length).toBeGreaterThanOrEqual(10);
    const plans = await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const plan = async (q: ReturnType<typeof sql>) => (await sql<{ 'QUERY PLAN': string }>`explain ${q}`.execute(trx)).rows.map((r) => r['QUERY PLAN']).join('\n');
      const out: Record<string, string> = {
        registry: await plan(sql`select o.id from unnest(cast(${['indicator--x']} as text[])) as x(id) cross join lateral (select o.id from stix_objects o where o.id = x.id limit 1) o`),
        contribution: await plan(sql`select p.id from unnest(cast(${['indicator--x']} as text[]), cast(${['s']} as text[])) as x(object_id, scope_key) cross join lateral (select p.id from contributions p where p.object_id = x.object_id and p.scope_key = x.scope_key limit 1) p`),
      };
      for (const [name, q] of joins) out[name] = await plan(q);
      return out;
    });
    for (const [name, p] of Object.entries(plans)) expect(p, name).not.toMatch(/Seq Scan/);
    expect(plans.registry).toMatch(/stix_objects_pkey/);
    expect(plans.contribution).toMatch(/contributions_scope_uq/);
  });

  it('the hub answers on it: look-up, object with its relationships, word search', async () => {
    await hub.app.indexReady;
    const look = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(sakura.key), payload: { values: ['http://evil.example/B', 'hinoki-c2.example.com'] } });
    expect(look.statusCode, look.body).toBe(200);
    const items = look.json().items as { value: string; objects: { type: string }[] }[];
    expect(items.map((i) => i.value).sort()).toEqual(['hinoki-c2.example.com', 'http://evil.example/B']);
    for (const i of items) expect(i.objects.some((o) => o.type === 'indicator'), i.value).toBe(true);
    const one = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${malware.id}`, headers: as(sakura.key) });
    expect(one.statusCode, one.body).toBe(200);
    expect(JSON.stringify(one.json())).toContain('indicates');
    const found = await hub.server.inject({ method: 'GET', url: `/api/v1/objects?text=${encodeURIComponent('evil.example/A')}&limit=100`, headers: as(sakura.key) });
    expect(found.statusCode, found.body).toBe(200);
    expect((found.json() as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(urls.length);
  });

  it('the migration goes back to the database collation and forth again, triggers kept', async () => {
    const db = hub.app.storage.db;
    const triggers = async () => (await sql<{ n: number }>`select count(*)::int as n from pg_trigger where not tgisinternal`.execute(db)).rows[0]!.n;
    const before = await triggers();
    // The later migrations that renamed the tables (and keyed contribution_seen to lines) go down first and up last.
    await withLaterMigrationsDown(db, '2026-12-05T20-00-contribution-seen-key-set-wise', async () => {
      const tables = await triggers();
      await down(db);
      expect((await collations()).filter((r) => r.collation_name === 'C')).toEqual([]);
      expect(await triggers()).toBe(tables);
      await up(db);
      expect((await collations()).filter((r) => r.collation_name === 'C').length).toBe(Object.values(C_COLUMNS).flat().length);
      expect(await triggers()).toBe(tables);
    });
    expect(await triggers()).toBe(before);
  });
});
