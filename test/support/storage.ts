import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject, it } from 'vitest';
import type { PgliteHandle } from '../../src/db/pglite.handle.ts';
import { createPglite, openPglite, openPostgres, type Storage, type StorageKind } from '../../src/db/database.ts';

/** A way to get a fresh, migrated, empty database. */
export interface Backend {
  readonly name: StorageKind;
  open(): Promise<Storage>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// PGlite costs ~1.2 s of CPU to start on a copied folder; a hub's database is a fresh one. Each worker keeps
// the instances of closed hubs and gives them out again reset to the migrated template's state (every table
// emptied, its seed rows and sequence values restored, tables made since dropped). An instance that was
// closed, or that cannot be reset, is thrown away and a new one started.
interface Pooled {
  readonly pglite: PgliteHandle;
  readonly dir: string;
}
const idle: Pooled[] = [];
// PGlite in its worker thread as the product runs it; KESSETSU_TEST_PGLITE_THREAD=main runs the suite with PGlite on the
// test's own thread (the product's KESSETSU_PGLITE_THREAD=main).
const THREAD = process.env.KESSETSU_TEST_PGLITE_THREAD === 'main' ? 'main' : 'worker';
const KEEP_IDLE = 2;
const made = new Set<string>();
let templateState: Promise<string> | null = null;

process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

async function startPglite(): Promise<Pooled> {
  const dir = mkdtempSync(path.join(inject('testTmp'), 'pglite-'));
  made.add(dir);
  cpSync(inject('pgliteTemplate'), dir, { recursive: true });
  return { pglite: await createPglite(dir, undefined, THREAD), dir };
}

function discard(p: Pooled): void {
  const done = () => {
    rmSync(p.dir, { recursive: true, force: true });
    made.delete(p.dir);
  };
  if (p.pglite.closed) done();
  else void p.pglite.close().then(done, done);
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

// The SQL that brings a used instance back to the template's state, read from a fresh instance once.
type Query = <R>(text: string) => Promise<R[]>;

async function resetSql(query: Query): Promise<string> {
  const relations = await query<{ name: string; partition: boolean }>(
    `select c.relname as name, c.relispartition as partition from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname not like 'kysely\\_%' order by 1`,
  );
  const tables = relations.filter((r) => !r.partition).map((r) => r.name);
  const sequences = (await query<{ name: string }>(`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'S' order by 1`)).map((r) => r.name);
  const parts = [`set session_replication_role = replica;`];
  parts.push(`do $$ declare r record; begin
    for r in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not (c.relname = any(array[${relations.map((r) => literal(r.name)).join(', ')}]::text[])) and c.relname not like 'kysely\\_%'
    loop execute format('drop table if exists %I cascade', r.relname); end loop; end $$;`);
  // Tables a test filled are truncated (their files start empty again: no dead rows for later tests to scan,
  // PGlite has no autovacuum); the rest are emptied by delete, cheaper than truncating every table.
  parts.push(`do $$ declare big text; begin
    select string_agg(format('%I', c.relname), ', ') into big from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.relname not like 'kysely\\_%' and pg_relation_size(c.oid) > 65536;
    if big is not null then execute 'truncate ' || big || ' cascade'; end if; end $$;`);
  for (const t of tables) parts.push(`delete from ${ident(t)};`);
  // Planner statistics of the last test's data would survive emptying (truncate keeps pg_statistic): a fresh
  // database has none, so the next test's plans must not be made from another test's row counts and values.
  parts.push(`delete from pg_statistic where starelid in (select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public');`);
  for (const t of tables) {
    const rows = (await query<{ j: unknown }>(`select json_agg(t) as j from ${ident(t)} t`))[0]?.j;
    if (rows) parts.push(`insert into ${ident(t)} overriding system value select * from json_populate_recordset(null::${ident(t)}, ${literal(JSON.stringify(rows))});`);
  }
  for (const q of sequences) {
    const v = (await query<{ last_value: number; is_called: boolean }>(`select last_value, is_called from ${ident(q)}`))[0]!;
    parts.push(`select setval(${literal(ident(q))}, ${Number(v.last_value)}, ${v.is_called});`);
  }
  parts.push(`set session_replication_role = default;`);
  return parts.join('\n');
}

// The schema's definitions (tables, views, indexes, constraints, triggers, functions) as one digest: a used instance
// is given out again only when its schema is the template's. The reset restores rows, not definitions, and a test
// that takes a migration down and not every later one up again (a trigger of the 2026-12-06T06-00 migration was lost
// so) would leave the next test, in another file, a schema no hub has.
const SCHEMA_DIGEST = `select md5(coalesce(string_agg(d, E'\\n' order by d), '')) as digest from (
  select c.relname::text || ':' || c.relkind::text as d from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'S', 'i')
  union all select pg_get_constraintdef(o.oid) || ' ' || o.conname from pg_constraint o join pg_namespace n on n.oid = o.connamespace where n.nspname = 'public'
  union all select pg_get_triggerdef(t.oid) from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and not t.tgisinternal
  union all select pg_get_functiondef(p.oid) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.prokind = 'f'
  union all select pg_get_viewdef(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'v') s`;

async function schemaDigest(query: Query): Promise<string> {
  return (await query<{ digest: string }>(SCHEMA_DIGEST))[0]!.digest;
}

let templateDigest: Promise<string> | null = null;
let pgTemplateDigest: Promise<string> | null = null;

async function takePglite(): Promise<Pooled> {
  for (let p = idle.pop(); p; p = idle.pop()) {
    try {
      await p.pglite.exec(await templateState!);
      if ((await schemaDigest(async (text) => (await p.pglite.query(text)).rows as never[])) !== (await templateDigest)) throw new Error('schema changed');
      return p;
    } catch {
      discard(p);
    }
  }
  const p = await startPglite();
  templateState ??= resetSql(async (text) => (await p.pglite.query(text)).rows as never[]);
  templateDigest ??= schemaDigest(async (text) => (await p.pglite.query(text)).rows as never[]);
  await Promise.all([templateState, templateDigest]);
  return p;
}

const pgliteBackend: Backend = {
  name: 'pglite',
  async open() {
    const p = await takePglite();
    const storage = await openPglite(p.dir, p.pglite);
    let closed = false;
    return {
      ...storage,
      async close() {
        if (closed) return;
        closed = true;
        await storage.close();
        if (p.pglite.closed || idle.length >= KEEP_IDLE) discard(p);
        else idle.push(p);
      },
    };
  },
};

// PostgreSQL: a database made from the template costs ~0.5 s; closed hubs' databases are kept per worker and
// reset the same way (other sessions on them ended first).
const idleDatabases: string[] = [];
let pgTemplateState: Promise<string> | null = null;

/** Runs fn on a client of its own connected to url (an admin connection, or one to a test database). */
export async function onDatabase<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function takeDatabase(adminUrl: string): Promise<string> {
  for (let name = idleDatabases.pop(); name; name = idleDatabases.pop()) {
    try {
      await onDatabase(withDatabase(adminUrl, name), async (c) => {
        await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
        await c.query(await pgTemplateState!);
        if ((await schemaDigest(async (text) => (await c.query(text)).rows as never[])) !== (await pgTemplateDigest)) throw new Error('schema changed');
      });
      return name;
    } catch {
      await onDatabase(adminUrl, (a) => a.query(`drop database if exists "${name}" with (force)`)).catch(() => {});
    }
  }
  const template = inject('pgTemplateName');
  const name = `${template.replace(/_template$/, '')}_${randomBytes(6).toString('hex')}`;
  await onDatabase(adminUrl, (a) => a.query(`create database "${name}" template "${template}"`));
  pgTemplateState ??= onDatabase(withDatabase(adminUrl, name), (c) => resetSql(async (text) => (await c.query(text)).rows as never[]));
  pgTemplateDigest ??= onDatabase(withDatabase(adminUrl, name), (c) => schemaDigest(async (text) => (await c.query(text)).rows as never[]));
  await Promise.all([pgTemplateState, pgTemplateDigest]);
  return name;
}

function postgresBackend(adminUrl: string): Backend {
  return {
    name: 'postgres',
    async open() {
      const name = await takeDatabase(adminUrl);
      const storage = await openPostgres(withDatabase(adminUrl, name), 5);
      let closed = false;
      return {
        ...storage,
        async close() {
          if (closed) return;
          closed = true;
          await storage.close();
          if (idleDatabases.length < KEEP_IDLE) idleDatabases.push(name);
          else await onDatabase(adminUrl, (a) => a.query(`drop database if exists "${name}" with (force)`));
        },
      };
    },
  };
}

/** The storage backends this run tests on: PGlite always, PostgreSQL when the run has one. */
export function backends(): Backend[] {
  const pgUrl = inject('pgTemplateUrl');
  return pgUrl ? [pgliteBackend, postgresBackend(pgUrl)] : [pgliteBackend];
}

/**
 * Runs a suite once per storage backend.
 * @example describeStorage('orgs', (backend) => { ... backend.open() ... })
 */
export function describeStorage(name: string, fn: (backend: Backend) => void): void {
  for (const b of backends()) describe(`${name} [${b.name}]`, () => fn(b));
}

/**
 * Runs a suite on one storage backend only (none when this run has no such backend). A long suite is
 * split into one file per backend with it, so the two halves can run on both workers at once (test
 * speed, issue 11.7); together the files cover what describeStorage does.
 * @example describeBackend('postgres', 'real feeds', (backend) => realFeedsSuite(backend))
 */
export function describeBackend(kind: StorageKind, name: string, fn: (backend: Backend) => void): void {
  const b = backends().find((x) => x.name === kind);
  if (b) describe(`${name} [${b.name}]`, () => fn(b));
  // A run without that backend (PostgreSQL not configured): one skipped test stands for the file (Vitest refuses a
  // file without tests); global-setup.ts has said why, and under CI=true the backend must be there.
  else describe.skip(`${name} [${kind}]`, () => it.skip(`needs the ${kind} backend`, () => {}));
}
