// Search as the web interface asks it (issue 13, point 4): GET /api/v1/objects?value=… and ?text=…, first
// page of 50, over BENCH_SEARCH_OBJECTS objects (default 1,000,000) in the per-contribution store, as a
// member bank and as the hub. Server time: the request through Fastify in process (inject), no network.
// PostgreSQL (KESSETSU_BENCH_PG_URL); PGlite with BENCH_SEARCH_PGLITE=1.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { v5 as uuidv5 } from 'uuid';
import { createApp, type App } from '../src/app.ts';
import type { Viewer } from '../src/access/viewer.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { buildServer } from '../src/http/server.ts';
import { freshPgDatabase, median, report } from './support.ts';

const N = Number(process.env.BENCH_SEARCH_OBJECTS ?? 1_000_000);
const CALLS = Number(process.env.BENCH_SEARCH_CALLS ?? 20);
const CMD = 'npm run bench -- search';
const NS = '6f1c2d9e-3b7a-4c55-9d0e-2a4b8c1f7e31';

const ipOf = (j: number) => `${45 + ((j >> 16) & 63)}.${(j >> 8) & 255}.${j & 255}.${1 + ((j * 7) % 250)}`;
const BATCH = 5_000;
const ORGS = 50;

/** Object j of the data set: 65% IPv4, 20% domains, 10% URLs, 5% named indicators with a description. */
function objectOf(j: number, now: string): Record<string, unknown> {
  const k = j % 20;
  const id = (type: string) => `${type}--${uuidv5(`bench-search-${j}`, NS)}`;
  if (k < 13) return { type: 'ipv4-addr', spec_version: '2.1', id: id('ipv4-addr'), value: ipOf(j) };
  if (k < 17) return { type: 'domain-name', spec_version: '2.1', id: id('domain-name'), value: `b${j}.bench-example.com` };
  if (k < 19) return { type: 'url', spec_version: '2.1', id: id('url'), value: `http://u${j}.bench-example.net/login` };
  return {
    type: 'indicator', spec_version: '2.1', id: id('indicator'), created: now, modified: now, valid_from: now, pattern_type: 'stix',
    name: `Bench kit host n${j}`, description: `Phishing kit of wave w${j % 997} hosted at ${ipOf(j + 1)}`, pattern: `[ipv4-addr:value = '${ipOf(j + 1)}']`,
  };
}

/**
 * N objects shared through the ingest service (the write path every member uses), one contribution each from
 * 50 organisations, 80% GREEN and 20% AMBER (the contributor's own).
 */
async function generate(app: App): Promise<void> {
  const t = performance.now();
  const viewers: Viewer[] = [];
  for (let g = 0; g < ORGS; g++) {
    const found = await app.storage.db.selectFrom('orgs as o').innerJoin('users as u', 'u.org_id', 'o.id').select('u.id').where('o.name', '=', `bench org ${g}`).executeTakeFirst();
    let userId = found?.id;
    if (!userId) {
      const org = await app.orgs.createOrg(null, { name: `bench org ${g}`, kind: 'industry', sector: (['finance', 'telecom', 'ecommerce', 'security_vendor', 'critical_infrastructure'] as const)[g % 5] });
      await app.storage.db.updateTable('orgs').set({ nda_accepted_at: new Date() }).where('id', '=', org.id).execute();
      userId = (await app.orgs.addUser(null, org.id, { name: `sharer ${g}`, role: 'member' })).id;
    }
    viewers.push(await app.auth.authenticate((await app.orgs.createKey(null, userId, 'bench')).key));
  }
  const now = new Date().toISOString();
  // A run cut short (BENCH_SEARCH_REUSE=1) goes on from its last whole round; sharing the same objects again is idempotent.
  const have = Number((await app.storage.db.selectFrom('contributions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const from = Math.floor(have / (BATCH * ORGS)) * BATCH * ORGS;
  let done = from;
  for (let start = from; start < N; start += BATCH * ORGS) {
    for (let g = 0; g < ORGS; g++) {
      for (const tlp of ['green', 'amber'] as const) {
        const objects: Record<string, unknown>[] = [];
        for (let j = start + g; j < Math.min(N, start + BATCH * ORGS); j += ORGS) if ((j % 5 === 0) === (tlp === 'amber')) objects.push(objectOf(j, now));
        if (!objects.length) continue;
        const r = await app.ingest.ingestParsed(viewers[g]!, { format: 'stix', objects: objects as never[], errors: [], warnings: [] }, { format: 'stix', tlp, orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api' });
        done += objects.length;
        if (r.status !== 'done') throw new Error(`bench ingest: ${JSON.stringify(r).slice(0, 300)}`);
      }
    }
    console.error(`  ${done.toLocaleString('en')} objects shared (${((done - from) / ((performance.now() - t) / 1000)).toFixed(0)}/s)`);
  }
  console.error(`generated ${N} objects in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}

async function measure(storage: Storage, label: string, dataDir: string): Promise<void> {
  await migrateToLatest(storage.db);
  const app = await createApp(loadConfig({ KESSETSU_LOG_LEVEL: 'warn', KESSETSU_RATE_LIMIT: '100000000' }, { dataDir }), { storage });
  await app.indexReady;
  // BENCH_SEARCH_REUSE=1 keeps the PostgreSQL data set of an earlier run (sharing 1,000,000 objects takes long).
  const have = await storage.db.selectFrom('contributions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(have.n) >= N) console.error('search bench: reusing the data set already shared');
  else await generate(app);
  // As autovacuum leaves a table at rest: statistics current, the trigram indexes' pending entries merged.
  await sql`vacuum analyze`.execute(app.storage.db);
  const server = await buildServer(app, { logger: false });
  const hubOrg = await app.orgs.createOrg(null, { name: `bench hub desk ${Date.now()}`, kind: 'hub', sector: null });
  const hubUser = await app.orgs.addUser(null, hubOrg.id, { name: 'analyst', role: 'hub_analyst' });
  const org = await storage.db.selectFrom('orgs').select('id').where('name', '=', 'bench org 7').executeTakeFirstOrThrow();
  const bankUser = await app.orgs.addUser(null, org.id, { name: 'member', role: 'member' });
  const keys = { hub: (await app.orgs.createKey(null, hubUser.id, 'bench')).key, member: (await app.orgs.createKey(null, bankUser.id, 'bench')).key };
  // Values the member may see (GREEN, another organisation's) or its own AMBER; a value nobody has; words.
  const queries: [string, (i: number) => string][] = [
    ['exact value, found', (i) => `value=${ipOf(1 + ((i * 7919) % (N / 20)) * 20)}`],
    ['exact value, absent', (i) => `value=${encodeURIComponent(`nothing-${i}.example.org`)}`],
    ['words in names and values, many hits', () => 'text=bench-example'],
    ['words in a value, one hit', (i) => `text=${encodeURIComponent(`b${((i * 104729) % (N / 20)) * 20 + 13}.bench-example.com`)}`],
    ['words in names and descriptions, few hits', (i) => `text=${encodeURIComponent(`wave w${(i * 131) % 997} hosted`)}`],
    ['words, no hit', (i) => `text=zz-nothing-${i}`],
  ];
  for (const [who, key] of Object.entries(keys)) {
    for (const [what, q] of queries) {
      const ms: number[] = [];
      let hits = 0;
      for (let i = 0; i < CALLS + 2; i++) {
        const t = performance.now();
        const res = await server.inject({ method: 'GET', url: `/api/v1/objects?${q(i)}&limit=50`, headers: { authorization: `Bearer ${key}` } });
        const took = performance.now() - t;
        if (res.statusCode !== 200) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
        hits += (res.json() as { items: unknown[] }).items.length;
        if (i >= 2) ms.push(took); // two warm-up calls
      }
      console.error(`${label} ${what} as ${who}: median ${median(ms).toFixed(0)} ms, p95 ${p95(ms).toFixed(0)} ms, ${hits} items over ${CALLS + 2} calls`);
      report({
        bench: `search ${what} as ${who} (${label})`,
        figure: `median ${median(ms).toFixed(0)} ms, p95 ${p95(ms).toFixed(0)} ms (${CALLS} calls, first page of 50)`,
        target: '< 200 ms',
        data: `${N.toLocaleString('en')} objects shared through the ingest service (65% IPv4, 20% domains, 10% URLs, 5% named indicators), one contribution each from 50 organisations (80% GREEN, 20% AMBER)`,
        command: CMD,
      });
    }
  }
  await server.close();
  await app.close();
}

/** The URL of a database on the server, created empty when missing. */
async function existingPgDatabase(adminUrl: string, name: string): Promise<string> {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
  await admin.end();
  return found.rowCount ? u.toString() : freshPgDatabase(adminUrl, name);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-search-bench-'));
try {
  const pg = process.env.KESSETSU_BENCH_PG_URL;
  if (pg) await measure(await openPostgres(process.env.BENCH_SEARCH_REUSE === '1' ? await existingPgDatabase(pg, 'kessetsu_bench_search') : await freshPgDatabase(pg, 'kessetsu_bench_search')), 'PostgreSQL', dir);
  else console.error('search bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL run skipped');
  if (process.env.BENCH_SEARCH_PGLITE === '1') await measure(await openPglite(path.join(dir, 'db')), 'PGlite', dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
