// Analyse (issue 5). Three figures, on PGlite and (with KESSETSU_BENCH_PG_URL) PostgreSQL:
//  1. correlation on ingest: time of CSV ingests (real CSV parser) with the correlation hook on and
//     off, alternated in one process on one database, each chunk 10% values another organisation
//     already reported (BENCH_CORR_ROWS rows per chunk, default 100,000);
//  2. the analysis job over BENCH_ANALYSIS_INCIDENTS incidents (default 100,000) and ten times as
//     many observables, generated in SQL: each incident points at nine observables of its own and one
//     from a shared pool with a skewed (cubic) popularity, so clusters of every size and "too common" values occur;
//  3. root-source and priority queries at that size, for the hub and for a member (median and p95 of 30).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Viewer } from '../src/access/viewer.ts';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { EXT_IDS } from '../src/stix/extensions.ts';
import type { IngestCommitted } from '../src/ingest/ingest.service.ts';
import type { IngestValues } from '../src/analysis/correlation.service.ts';
import { IdSet } from '../src/ingest/id.set.ts';
import { freshPgDatabase, median, report } from './support.ts';

const CORR_ROWS = Number(process.env.BENCH_CORR_ROWS ?? 100_000);
const INCIDENTS = Number(process.env.BENCH_ANALYSIS_INCIDENTS ?? 100_000);
const OBSERVABLES = INCIDENTS * 10;
const SHARED = data('../shared/data');
const CMD = 'npm run bench -- analysis';

function data(rel: string): string {
  return path.resolve(import.meta.dirname, '..', rel);
}

async function appOn(storage: Storage): Promise<App> {
  const config = loadConfig({ KESSETSU_LOG_LEVEL: 'warn' }, { dataDir: '/nonexistent' });
  const app = await createApp(config, { storage });
  await app.indexReady;
  await app.analysis.updateSettings(['autoRun=false']);
  await app.warninglists.importPaths([path.join(SHARED, 'misp/warninglists')]);
  return app;
}

async function member(app: App, name: string, sector: 'finance' | 'telecom'): Promise<Viewer> {
  const org = await app.orgs.createOrg(null, { name, kind: 'industry', sector });
  await app.storage.db.updateTable('orgs').set({ nda_accepted_at: new Date(), nda_accepted_by: 'bench' }).where('id', '=', org.id).execute();
  const user = await app.orgs.addUser(null, org.id, { name: `${name} user`, role: 'member' });
  const key = await app.orgs.createKey(null, user.id, 'bench');
  return app.auth.authenticate(key.key);
}

const ipOf = (i: number) => `${45 + ((i >>> 16) & 63)}.${(i >>> 8) & 255}.${i & 255}.${1 + ((i * 7) % 250)}`;

function csv(from: number, n: number, reused: (i: number) => boolean): Buffer {
  const lines = ['value,type,first_seen,tags,comment'];
  for (let k = 0; k < n; k++) {
    const i = reused(k) ? k : from + k;
    if (i % 3 === 0) lines.push(`${ipOf(i)},ipv4-addr,2026-11-01,c2,feed`);
    else if (i % 3 === 1) lines.push(`host-${i}.bench-corr.com,domain-name,2026-11-01,phishing,feed`);
    else lines.push(`http://kit-${i}.bench-corr.net/login.php?id=${i},url,2026-11-01,kit,feed`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

async function correlationOverhead(storage: Storage, label: string): Promise<void> {
  const app = await appOn(storage);
  const base = await member(app, 'bench base feed', 'telecom');
  const bank = await member(app, 'bench bank', 'finance');
  const p = { format: 'csv' as const, orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' as const, tlp: 'green' as const };
  // The base organisation reports the first CORR_ROWS values: later chunks re-report 10% of them.
  await app.ingest.ingest(base, csv(0, CORR_ROWS, () => false), p);
  const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
  let last: (IngestCommitted & IngestValues) | null = null;
  app.ingest.addHooks({
    begin: () => {
      const values: IngestValues = { keys: new Set(), own: new IdSet() };
      return {
        slice: async (_trx, s) => {
          for (const p of s.objects) {
            values.own.add(p.record.id);
            for (const k of p.record.keys) values.keys.add(k);
          }
        },
        committed: (ev) => void (last = { ...ev, ...values }),
      };
    },
  });
  let chunk = 1;
  // ABBA order, so that a database growing from chunk to chunk favours neither side.
  for (const mode of ['on', 'off', 'off', 'on'] as const) {
    await app.analysis.updateSettings([`correlateOnIngest=${mode === 'on'}`]);
    const body = csv(chunk++ * CORR_ROWS * 2, CORR_ROWS, (k) => k % 10 === 0);
    const t = performance.now();
    const r = await app.ingest.ingest(bank, body, p);
    await app.analysis.drain();
    const s = (performance.now() - t) / 1000;
    times[mode].push(s);
    console.error(`${label} ingest ${CORR_ROWS} rows, correlation ${mode}: ${s.toFixed(1)} s (${r.counts.objects} objects)`);
  }
  // The hook's own work, timed alone on the last chunk's committed ingest.
  const t = performance.now();
  const summary = await app.analysis.correlateIngest(last!);
  const hook = (performance.now() - t) / 1000;
  const off = median(times.off);
  const ratio = median(times.on) / off;
  console.error(`${label} hook alone: ${hook.toFixed(2)} s for ${summary.checked} values, ${summary.correlated} correlated`);
  report({
    bench: `correlation on ingest (${label})`,
    figure: `hook alone ${hook.toFixed(1)} s = +${((hook / off) * 100).toFixed(1)}% of a ${off.toFixed(1)} s ingest; wall medians on/off ${median(times.on).toFixed(1)}/${off.toFixed(1)} s (${((ratio - 1) * 100).toFixed(1)}%, noisy)`,
    target: '≤ +20%',
    data: `CSV chunks of ${CORR_ROWS.toLocaleString('en')} rows (IP/domain/URL), 10% already reported by another organisation, 2 runs each way (ABBA)`,
    command: CMD,
  });
  await app.close();
}

const uuidOf = (h: string) => sql`(substr(${sql.raw(h)}, 1, 8) || '-' || substr(${sql.raw(h)}, 9, 4) || '-4' || substr(${sql.raw(h)}, 14, 3) || '-8' || substr(${sql.raw(h)}, 18, 3) || '-' || substr(${sql.raw(h)}, 21, 12))`;

/** Generates incidents, observables, edges, keys and contributions in SQL. */
async function generate(storage: Storage): Promise<void> {
  const db = storage.db;
  const t = performance.now();
  await sql`insert into orgs (name, kind, sector, nda_accepted_at)
    select 'bench org ' || g, 'industry', (array['finance','telecom','ecommerce','security_vendor','critical_infrastructure'])[1 + g % 5], now() from generate_series(1, 50) g`.execute(db);
  await sql`create temporary table bench_orgs as select id, row_number() over (order by name) - 1 as n from orgs where name like 'bench org %'`.execute(db);
  const obs = sql`(case when j % 10 < 7 then 'ipv4-addr' when j % 10 < 9 then 'domain-name' else 'url' end)`;
  const value = sql`(case when j % 10 < 7 then (45 + ((j >> 16) & 63)) || '.' || ((j >> 8) & 255) || '.' || (j & 255) || '.' || (1 + (j * 7) % 250)
    when j % 10 < 9 then 'b' || j || '.bench-example.com' else 'http://u' || j || '.bench-example.net/x' end)`;
  const own = OBSERVABLES - OBSERVABLES / 10;
  // The id registry first; contents, keys and edges belong to contributions (one per object here, its owner's).
  await sql`insert into stix_objects_stored (id, type, value, seq)
    select ${obs} || '--' || ${uuidOf(`md5('o' || j)`)}, ${obs}, ${value}, nextval('change_seq')
    from generate_series(0, ${OBSERVABLES - 1}) j`.execute(db);
  await sql`insert into stix_objects_stored (id, type, created, seq)
    select 'incident--' || ${uuidOf(`md5('i' || i)`)}, 'incident', now() - (i % 90) * interval '1 day', nextval('change_seq')
    from generate_series(0, ${INCIDENTS - 1}) i`.execute(db);
  const incidentData = sql`jsonb_build_object('type', 'incident', 'name', 'incident ' || g, 'extensions', jsonb_build_object(${EXT_IDS.incidentDamage}::text,
        jsonb_build_object('extension_type', 'property-extension', 'amount_jpy', (g * 7919 % 1000) * 10000, 'victim_count', 1 + g % 50)))`;
  const contrib = (idExpr: ReturnType<typeof sql>, orgExpr: ReturnType<typeof sql>, tlpExpr: ReturnType<typeof sql>, dataExpr: ReturnType<typeof sql>, nameExpr: ReturnType<typeof sql>, series: ReturnType<typeof sql>) => sql`
    insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, modified, name, content_hash, owner_rank)
    select ${idExpr}, o.id, ${tlpExpr}, (case ${tlpExpr} when 'clear' then 0 when 'green' then 1 else 2 end), 'bench', now(), now(), nextval('change_seq'),
      ${dataExpr}, now() - (g % 90) * interval '1 day', ${nameExpr}, md5(${dataExpr}::text), 1
    from ${series} join bench_orgs o on o.n = ${orgExpr}`;
  await contrib(sql`'incident--' || ${uuidOf(`md5('i' || g)`)}`, sql`g % 50`, sql`(case when g % 10 < 6 then 'green' when g % 10 < 9 then 'amber' else 'clear' end)`, incidentData, sql`'incident ' || g`, sql`generate_series(0, ${INCIDENTS - 1}) g`).execute(db);
  // An observable of its own comes from its incident's organisation; shared ones from anyone.
  const gobs = sql`(case when g % 10 < 7 then 'ipv4-addr' when g % 10 < 9 then 'domain-name' else 'url' end)`;
  await contrib(
    sql`${gobs} || '--' || ${uuidOf(`md5('o' || g)`)}`,
    sql`(case when g < ${own} then (g / 9) % 50 else g % 50 end)`,
    sql`'green'`,
    sql`jsonb_build_object('type', ${gobs})`,
    sql`null`,
    sql`generate_series(0, ${OBSERVABLES - 1}) g`,
  ).execute(db);
  await sql`update stix_objects_stored s set owner_org_id = c.org_id from contributions c where c.object_id = s.id`.execute(db);
  await sql`insert into object_keys_stored (contribution_id, object_id, key)
    select c.id, c.object_id, s.type || ':' || s.value from contributions c join stix_objects s on s.id = c.object_id where s.value is not null`.execute(db);
  // Nine observables of its own, one from the shared pool (the last tenth), with a cubic popularity.
  await sql`insert into object_edges_stored (contribution_id, source_id, target_id, via_id, kind, label)
    select c.id, x.src, x.dst, x.src, 'ref', 'object_refs'
    from (select 'incident--' || ${uuidOf(`md5('i' || i)`)} as src, ${obs} || '--' || ${uuidOf(`md5('o' || j)`)} as dst
          from (select i, i * 9 + k as j from generate_series(0, ${INCIDENTS - 1}) i, generate_series(0, 8) k where i * 9 + k < ${own}
                union all
                select i, ${own} + floor(${OBSERVABLES / 10} * power(((i * 0.6180339887) - floor(i * 0.6180339887)), 3))::int from generate_series(0, ${INCIDENTS - 1}) i) y) x
    join contributions c on c.object_id = x.src`.execute(db);
  await sql`analyze`.execute(db);
  console.error(`generated ${INCIDENTS} incidents, ${OBSERVABLES} observables in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}

async function atScale(storage: Storage, label: string): Promise<void> {
  await migrateToLatest(storage.db);
  // BENCH_ANALYSIS_DB_DIR / BENCH_ANALYSIS_REUSE keep a generated database between runs.
  const have = await sql<{ n: number }>`select count(*) as n from stix_objects where type = 'incident'`.execute(storage.db);
  if (Number(have.rows[0]!.n) < INCIDENTS) await generate(storage);
  else console.error(`${label}: reusing ${have.rows[0]!.n} generated incidents`);
  const app = await appOn(storage);
  await app.analysis.enrichment.importFiles([path.join(SHARED, 'enrichment/ip2asn-v4-sample.tsv'), path.join(SHARED, 'enrichment/delegated-apnic-2026-05-14.txt')]);
  const first = await app.analysis.run('bench');
  console.error(`${label} first run: ${JSON.stringify(first)}`);
  const second = await app.analysis.run('bench');
  console.error(`${label} second run (nothing changed): ${JSON.stringify(second.ms)}`);
  report({
    bench: `analysis job (${label})`,
    figure: `${(first.ms.total / 1000).toFixed(1)} s first run (load ${(first.ms.load / 1000).toFixed(1)}, compute ${(first.ms.compute / 1000).toFixed(1)}, write ${(first.ms.write / 1000).toFixed(1)}); ${(second.ms.total / 1000).toFixed(1)} s unchanged re-run; ${first.clusters.active} clusters, ${first.root_sources.stored} root sources`,
    target: '< 60 s',
    data: `${OBSERVABLES.toLocaleString('en')} observables over ${INCIDENTS.toLocaleString('en')} incidents, 1,000,000 edges scale, real warninglists`,
    command: CMD,
  });
  const hubOrg = await app.orgs.createOrg(null, { name: 'bench hub desk', kind: 'hub', sector: null });
  const hubUser = await app.orgs.addUser(null, hubOrg.id, { name: 'analyst', role: 'hub_analyst' });
  const hub = await app.auth.authenticate((await app.orgs.createKey(null, hubUser.id, 'bench')).key);
  const org = await storage.db.selectFrom('orgs').select('id').where('name', '=', 'bench org 7').executeTakeFirstOrThrow();
  const u = await app.orgs.addUser(null, org.id, { name: 'member', role: 'member' });
  const bank = await app.auth.authenticate((await app.orgs.createKey(null, u.id, 'bench')).key);
  for (const [who, viewer] of [
    ['hub', hub],
    ['member', bank],
  ] as const) {
    for (const [what, fn] of [
      ['root sources', () => app.analysis.views.rootSources(viewer, { offset: 0, limit: 50 })],
      ['priorities', () => app.analysis.views.priorities(viewer, { offset: 0, limit: 50 })],
    ] as const) {
      const ms: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
      }
      console.error(`${label} ${what} as ${who}: median ${median(ms).toFixed(0)} ms, p95 ${p95(ms).toFixed(0)} ms`);
      report({ bench: `${what} query as ${who} (${label})`, figure: `median ${median(ms).toFixed(0)} ms, p95 ${p95(ms).toFixed(0)} ms (first page of 50, 30 calls)`, target: '< 200 ms', data: `after the job above`, command: CMD });
    }
  }
  await app.close();
}

const only = process.env.BENCH_ANALYSIS_PART;
const onlyPg = process.env.BENCH_ANALYSIS_PG_ONLY === '1';
const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-analysis-bench-'));
try {
  if (!onlyPg && (!only || only === 'correlation')) await correlationOverhead(await openPglite(path.join(dir, 'corr')), 'PGlite');
  if (!onlyPg && (!only || only === 'scale')) await atScale(await openPglite(process.env.BENCH_ANALYSIS_DB_DIR ?? path.join(dir, 'scale')), 'PGlite');
  const pg = process.env.KESSETSU_BENCH_PG_URL;
  if (pg) {
    if (!only || only === 'correlation') await correlationOverhead(await openPostgres(await freshPgDatabase(pg, 'kessetsu_bench_corr')), 'PostgreSQL');
    if (!only || only === 'scale') {
      const url = process.env.BENCH_ANALYSIS_REUSE ? Object.assign(new URL(pg), { pathname: '/kessetsu_bench_scale' }).toString() : await freshPgDatabase(pg, 'kessetsu_bench_scale');
      await atScale(await openPostgres(url), 'PostgreSQL');
    }
  } else console.error('analysis bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL runs skipped');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
