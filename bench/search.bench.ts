// Search as the web interface asks it (issue 13, point 4): GET /api/v1/objects?value=… and ?text=…, first
// page of 50, over BENCH_SEARCH_OBJECTS objects (default 1,000,000) in the per-contribution store, as a
// member bank and as the hub. Server time: the request through Fastify in process (inject), no network.
// PostgreSQL (KESSETSU_BENCH_PG_URL); PGlite with BENCH_SEARCH_PGLITE=1.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { buildServer } from '../src/http/server.ts';
import { freshPgDatabase, median, report } from './support.ts';

const N = Number(process.env.BENCH_SEARCH_OBJECTS ?? 1_000_000);
const CALLS = Number(process.env.BENCH_SEARCH_CALLS ?? 20);
const CMD = 'npm run bench -- search';

const uuidOf = (h: string) => sql`(substr(${sql.raw(h)}, 1, 8) || '-' || substr(${sql.raw(h)}, 9, 4) || '-4' || substr(${sql.raw(h)}, 14, 3) || '-8' || substr(${sql.raw(h)}, 18, 3) || '-' || substr(${sql.raw(h)}, 21, 12))`;
const ipOf = (j: number) => `${45 + ((j >> 16) & 63)}.${(j >> 8) & 255}.${j & 255}.${1 + ((j * 7) % 250)}`;

/** N observables (70% IPv4, 20% domains, 10% URLs), one contribution each from 50 organisations, 80% GREEN, 20% AMBER. */
async function generate(storage: Storage): Promise<void> {
  const db = storage.db;
  const t = performance.now();
  await sql`insert into orgs (name, kind, sector, nda_accepted_at)
    select 'bench org ' || g, 'industry', (array['finance','telecom','ecommerce','security_vendor','critical_infrastructure'])[1 + g % 5], now() from generate_series(0, 49) g`.execute(db);
  await sql`create temporary table bench_orgs as select id, (substr(name, 11))::int as n from orgs where name like 'bench org %'`.execute(db);
  const type = sql`(case when j % 10 < 7 then 'ipv4-addr' when j % 10 < 9 then 'domain-name' else 'url' end)`;
  const value = sql`(case when j % 10 < 7 then (45 + ((j >> 16) & 63)) || '.' || ((j >> 8) & 255) || '.' || (j & 255) || '.' || (1 + (j * 7) % 250)
    when j % 10 < 9 then 'b' || j || '.bench-example.com' else 'http://u' || j || '.bench-example.net/login' end)`;
  await sql`insert into stix_objects (id, type, value, seq)
    select ${type} || '--' || ${uuidOf(`md5('o' || j)`)}, ${type}, ${value}, nextval('change_seq') from generate_series(0, ${N - 1}) j`.execute(db);
  await sql`insert into contributions (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, modified, name, content_hash, owner_rank)
    select s.id, o.id, (case when j % 5 = 0 then 'amber' else 'green' end), (case when j % 5 = 0 then 2 else 1 end), 'bench', now(), now(), nextval('change_seq'),
      jsonb_build_object('type', s.type, 'value', s.value), null, null, md5(s.id), 1
    from (select j, ${type} || '--' || ${uuidOf(`md5('o' || j)`)} as oid from generate_series(0, ${N - 1}) j) x
    join stix_objects s on s.id = x.oid join bench_orgs o on o.n = x.j % 50`.execute(db);
  await sql`update stix_objects s set owner_org_id = c.org_id from contributions c where c.object_id = s.id`.execute(db);
  await sql`insert into object_keys (contribution_id, object_id, key)
    select c.id, c.object_id, s.type || ':' || s.value from contributions c join stix_objects s on s.id = c.object_id`.execute(db);
  await sql`analyze`.execute(db);
  console.error(`generated ${N} objects in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}

async function measure(storage: Storage, label: string, dataDir: string): Promise<void> {
  await migrateToLatest(storage.db);
  await generate(storage);
  const app = await createApp(loadConfig({ KESSETSU_LOG_LEVEL: 'warn', KESSETSU_RATE_LIMIT: '100000000' }, { dataDir }), { storage });
  await app.indexReady;
  const server = await buildServer(app, { logger: false });
  const hubOrg = await app.orgs.createOrg(null, { name: 'bench hub desk', kind: 'hub', sector: null });
  const hubUser = await app.orgs.addUser(null, hubOrg.id, { name: 'analyst', role: 'hub_analyst' });
  const org = await storage.db.selectFrom('orgs').select('id').where('name', '=', 'bench org 7').executeTakeFirstOrThrow();
  const bankUser = await app.orgs.addUser(null, org.id, { name: 'member', role: 'member' });
  const keys = { hub: (await app.orgs.createKey(null, hubUser.id, 'bench')).key, member: (await app.orgs.createKey(null, bankUser.id, 'bench')).key };
  // Values the member may see (GREEN, another organisation's) or its own AMBER; a value nobody has; words.
  const queries: [string, (i: number) => string][] = [
    ['exact value, found', (i) => `value=${ipOf(1 + ((i * 7919) % (N / 10)) * 10)}`],
    ['exact value, absent', (i) => `value=${encodeURIComponent(`nothing-${i}.example.org`)}`],
    ['words in names and values, many hits', () => 'text=bench-example'],
    ['words in names and values, one hit', (i) => `text=${encodeURIComponent(`b${((i * 104729) % (N / 10)) * 10 + 7}.bench-example.com`)}`],
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
        data: `${N.toLocaleString('en')} objects, one contribution each from 50 organisations (80% GREEN, 20% AMBER)`,
        command: CMD,
      });
    }
  }
  await server.close();
  await app.close();
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-search-bench-'));
try {
  const pg = process.env.KESSETSU_BENCH_PG_URL;
  if (pg) await measure(await openPostgres(await freshPgDatabase(pg, 'kessetsu_bench_search')), 'PostgreSQL', dir);
  else console.error('search bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL run skipped');
  if (process.env.BENCH_SEARCH_PGLITE === '1') await measure(await openPglite(path.join(dir, 'db')), 'PGlite', dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
