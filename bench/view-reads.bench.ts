// The hot reads end to end (issue 17, docs/design/feed-lines.md section 8, item 0): an object page, the objects list
// (plain, by value, by type), a TAXII page and a STIX export page, each requested through the hub's HTTP routes
// (Fastify's inject: routing, authentication, services and every statement they send), on a hub holding a CSV feed
// stored the current way and, where the code has them, flat feed lines inserted by SQL. Per read: the median wall time
// of a request, this process's CPU (PGlite's worker thread included) and, on PostgreSQL, the server's (schedstat of the
// database's backends). Runs on any tree with the same routes: copy it into a baseline's bench/ to compare.
// Env: BENCH_VIEW_ROWS (stored CSV rows, 3,000), BENCH_VIEW_LINES (feed lines, 20,000; 0 for none), BENCH_RUNS
// (rounds, 5), BENCH_VIEW_REQUESTS (requests of each read a round, 40), BENCH_VIEW_BACKENDS (pglite,postgres),
// KESSETSU_BENCH_PG_URL, BENCH_DB_PREFIX.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { buildServer } from '../src/http/server.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import { MEMBERS_COLLECTION_ID } from '../src/taxii/taxii.collections.ts';
import { commit, feedCsv, freshPgDatabase, median, report } from './support.ts';
import { syntheticLinesSql } from '../test/support/feed-lines.ts';

const ROWS = Number(process.env.BENCH_VIEW_ROWS ?? 3_000);
const LINES = Number(process.env.BENCH_VIEW_LINES ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REQUESTS = Number(process.env.BENCH_VIEW_REQUESTS ?? 40);
const BACKENDS = (process.env.BENCH_VIEW_BACKENDS ?? 'pglite,postgres').split(',');
const PREFIX = process.env.BENCH_DB_PREFIX ?? 'kessetsu_bench';

// Line i as the CSV importer presents it, in the bench's own address range (11.x.y.z).
const linesSql = (orgId: string, from: number, n: number) => syntheticLinesSql(orgId, from, n, 11);

// CPU ns of the database's server processes (PostgreSQL on this machine), from their schedstat.
async function serverNs(storage: Storage): Promise<number> {
  if (storage.kind !== 'postgres') return 0;
  const pids = (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`.execute(storage.db)).rows;
  let ns = 0;
  for (const { pid } of pids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a backend that ended meanwhile
    }
  }
  return ns;
}

async function measure(storage: Storage, label: string): Promise<void> {
  const config = loadConfig({ KESSETSU_RATE_LIMIT: '100000000', KESSETSU_LOG_LEVEL: 'warn' }, { dataDir: '/nonexistent' });
  const app = await createApp(config, { storage });
  const first = (await bootstrap(storage.db, app.orgs, undefined))!;
  const server = await buildServer(app, { logger: false });
  const headers = { authorization: `Bearer ${first.key}` };
  const ingest = await server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...headers, 'content-type': 'text/csv' }, payload: feedCsv(ROWS) });
  if (ingest.statusCode !== 200) throw new Error(`${label}: ingest answered ${ingest.statusCode} ${ingest.body}`);
  const hasLines = (await sql<{ n: number }>`select count(*)::int as n from pg_class where relname = 'feed_lines'`.execute(storage.db)).rows[0]!.n > 0;
  const lines = hasLines ? LINES : 0;
  for (let from = 0; from < lines; from += 10_000) await linesSql(first.orgId, from, Math.min(10_000, lines - from)).execute(storage.db);
  await sql`analyze`.execute(storage.db);
  const one = async (q: string) => (await sql<{ id: string }>`${sql.raw(q)}`.execute(storage.db)).rows[0]!.id;
  const stored = await one(`select object_id as id from contributions where object_id like 'indicator--%' and id < 1125899906842624 order by seq desc limit 1`);
  const reads: [string, string][] = [
    ['object page, stored indicator', `/api/v1/objects/${stored}`],
    ...(lines ? [['object page, line indicator', `/api/v1/objects/${await one(`select ind_id as id from feed_lines order by id desc limit 1`)}`] as [string, string]] : []),
    ['objects list', '/api/v1/objects?limit=50'],
    ['objects list by value', '/api/v1/objects?type=ipv4-addr&value=10.0.0.3'],
    ['objects list by type', '/api/v1/objects?type=indicator&limit=50'],
    ['TAXII page of indicators', `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/?limit=100&match[type]=indicator`],
    ['STIX export page', '/api/v1/export?format=stix&type=indicator&limit=100'],
  ];
  const get = async (url: string) => {
    const r = await server.inject({ method: 'GET', url, headers });
    if (r.statusCode !== 200) throw new Error(`${label}: ${url} answered ${r.statusCode} ${r.body.slice(0, 300)}`);
  };
  for (const [, url] of reads) for (let i = 0; i < 10; i++) await get(url);
  const figures = new Map<string, { wall: number[]; cpu: number[]; server: number[] }>(reads.map(([what]) => [what, { wall: [], cpu: [], server: [] }]));
  for (let r = 0; r < RUNS; r++) {
    for (const [what, url] of reads) {
      const s0 = await serverNs(storage);
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < REQUESTS; i++) await get(url);
      const wall = Number(process.hrtime.bigint() - t0) / 1e6 / REQUESTS;
      const c = process.cpuUsage(c0);
      const server = ((await serverNs(storage)) - s0) / 1e6 / REQUESTS;
      const f = figures.get(what)!;
      f.wall.push(wall);
      f.cpu.push((c.user + c.system) / 1000 / REQUESTS);
      f.server.push(server);
    }
  }
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  for (const [what, f] of figures) {
    const ms = (xs: number[]) => median(xs).toFixed(2);
    console.error(`${label} ${what}: ${ms(f.wall)} ms a request (process CPU ${ms(f.cpu)} ms${storage.kind === 'postgres' ? `, server ${ms(f.server)} ms` : ''})`);
    report({
      bench: `${what} (${label}, ${lines} lines, ${commit()})`,
      figure: `${ms(f.wall)} ms a request; process CPU ${ms(f.cpu)} ms${storage.kind === 'postgres' ? `; server ${ms(f.server)} ms` : ''} (median of ${RUNS} × ${REQUESTS})`,
      target: 'within ~1.2× of main',
      data: `${ROWS} CSV rows stored, ${lines} feed lines; load ${load}`,
      command: 'npm run bench -- view-reads',
    });
  }
  {
    // What the kept plans cost the server: the statements and plan-cache memory of the connection that served the reads
    // (PostgreSQL's pool hands the most recently released connection out first; PGlite is one connection).
    const [m] = (
      await sql<{ statements: number; kib: number }>`select (select count(*)::int from pg_prepared_statements) as statements,
        (select coalesce(sum(total_bytes), 0)::int / 1024 from pg_backend_memory_contexts where name in ('CachedPlan', 'CachedPlanSource', 'CachedPlanQuery')) as kib`.execute(storage.db)
    ).rows;
    console.error(`${label}: ${m!.statements} prepared statements on the connection, ${m!.kib} KiB of plan cache`);
  }
  await server.close();
  await app.close();
  await storage.close().catch(() => {});
}

if (BACKENDS.includes('pglite')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-bench-'));
  await measure(await openPglite(dir), 'PGlite');
  rmSync(dir, { recursive: true, force: true });
}
if (BACKENDS.includes('postgres')) {
  if (process.env.KESSETSU_BENCH_PG_URL) {
    const name = `${PREFIX}_view_reads`;
    await measure(await openPostgres(await freshPgDatabase(process.env.KESSETSU_BENCH_PG_URL, name)), 'PostgreSQL');
    const admin = new (await import('pg')).default.Client({ connectionString: process.env.KESSETSU_BENCH_PG_URL });
    await admin.connect();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  } else console.error('view-reads bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL run skipped');
}
process.exit(0);
