// TAXII 2.1 GET objects: a collection of 1,000,000 objects (filled directly with SQL) walked in pages of
// 1,000 over real HTTP on loopback, following `next`, by a client in a second process that parses every
// page. Prints objects/s (wall clock), objects per CPU-second of the serving side (the Node server, with
// PGlite inside it or the PostgreSQL backends beside it: what one dedicated core would sustain), the server's
// RSS along the walk (it must not grow with the collection) and its peak RSS. PGlite always, PostgreSQL when
// KESSETSU_BENCH_PG_URL is set.
//   node bench/taxii.bench.ts            (BENCH_TAXII_OBJECTS=100000 for a quicker run)
import { spawn } from 'node:child_process';
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
import { TLP2_MARKING_IDS } from '../src/trust/tlp.ts';
import { freshPgDatabase, report } from './support.ts';

const N = Number(process.env.BENCH_TAXII_OBJECTS ?? 1_000_000);
const PAGE = 1000;
const BATCH = 50_000;

// The client: walks the collection, parses each page, prints one JSON line with what it saw.
async function walk(url: string, key: string): Promise<void> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let next: string | undefined;
  let objects = 0;
  let pages = 0;
  let bytes = 0;
  let firstPageMs = 0;
  const ids = new Set<string>();
  do {
    const res = await fetch(`${url}?limit=${PAGE}${next ? `&next=${encodeURIComponent(next)}` : ''}`, { headers: { authorization: `Bearer ${key}`, accept: 'application/taxii+json;version=2.1' } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    bytes += text.length;
    const env = JSON.parse(text) as { objects?: { id: string }[]; more: boolean; next?: string };
    for (const o of env.objects ?? []) ids.add(o.id.slice(-12));
    objects += env.objects?.length ?? 0;
    pages++;
    if (pages === 1) firstPageMs = performance.now() - started;
    next = env.more ? env.next : undefined;
    if (pages % 100 === 0) process.stdout.write(JSON.stringify({ progress: pages }) + '\n');
  } while (next);
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ objects, distinct: ids.size, pages, bytes, seconds: (performance.now() - started) / 1000, firstPageMs, clientCpu: (cpu.user + cpu.system) / 1e6 }) + '\n');
}

async function fill(storage: Storage, orgId: string): Promise<void> {
  const db = storage.db;
  const marking = TLP2_MARKING_IDS.green;
  const started = performance.now();
  for (let from = 1; from <= N; from += BATCH) {
    const to = Math.min(N, from + BATCH - 1);
    await db.transaction().execute(async (trx) => {
      // Ids are UUID-shaped md5s of the row number; each object is a realistic ~500-byte indicator at TLP:GREEN.
      await sql`create temporary table bench_rows on commit drop as
        select g, 'indicator--' || substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12) as id,
               timestamptz '2026-01-01T00:00:00Z' + make_interval(secs => g) as ts
        from (select g, md5(g::text) as h from generate_series(${from}::int, ${to}::int) g) s`.execute(trx);
      await sql`insert into stix_objects_stored (id, type, spec_version, created, owner_org_id, seq)
        select id, 'indicator', '2.1', ts, ${orgId}::uuid, nextval('change_seq') from bench_rows order by g`.execute(trx);
      await sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, updated_at, data, modified, modified_text, name, content_hash, owner_rank)
        select id, ${orgId}::uuid, 'green', 1, 'green|o:|g:|u:|a:0', ts, ts, nextval('change_seq'), ts, d, ts, d->>'modified', 'bench indicator ' || g, md5(d::text), 1
        from (select g, id, ts, jsonb_build_object('type', 'indicator', 'spec_version', '2.1', 'id', id, 'created', to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'modified', to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'name', 'bench indicator ' || g,
            'description', 'Command-and-control server seen by several members; benchmark object number ' || g,
            'indicator_types', jsonb_build_array('malicious-activity'), 'pattern', '[ipv4-addr:value = ''10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256 || ''']',
            'pattern_type', 'stix', 'valid_from', to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'object_marking_refs', jsonb_build_array(${marking}::text)) as d
          from bench_rows) r order by g`.execute(trx);
    });
    console.error(`taxii bench: filled ${to.toLocaleString('en')} / ${N.toLocaleString('en')} objects (${Math.round((performance.now() - started) / 1000)} s)`);
  }
  await sql`analyze`.execute(db);
}

// CPU seconds used so far by the PostgreSQL backends serving a database (same machine; Linux /proc).
async function backendCpu(storage: Storage): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (storage.kind !== 'postgres') return out;
  const rows = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(storage.db);
  for (const { pid } of rows.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // a backend that ended meanwhile
    }
  }
  return out;
}

async function measure(storage: Storage, label: string): Promise<void> {
  const config = loadConfig({ KESSETSU_RATE_LIMIT: '100000000', KESSETSU_LOG_LEVEL: 'warn' }, { dataDir: '/nonexistent' });
  const app = await createApp(config, { storage });
  await bootstrap(storage.db, app.orgs, undefined);
  const sharer = await app.orgs.createOrg(null, { name: 'Bench Sharer', kind: 'industry', sector: 'finance' });
  const partner = await app.orgs.createOrg(null, { name: 'Bench Partner CERT', kind: 'international_partner' });
  await storage.db.updateTable('orgs').set({ nda_accepted_at: new Date(), nda_accepted_by: 'bench' }).where('id', 'in', [sharer.id, partner.id]).execute();
  const user = await app.orgs.addUser(null, partner.id, { name: 'bench-client', role: 'member' });
  const key = (await app.orgs.createKey(null, user.id, 'bench')).key;
  await fill(storage, sharer.id);
  const server = await buildServer(app, { logger: false });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const url = `${address}/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/`;
  const rss: number[] = [];
  const sample = setInterval(() => rss.push(process.memoryUsage().rss), 250);
  const cpu0 = process.cpuUsage();
  const db0 = await backendCpu(storage);
  const result = await new Promise<{ objects: number; distinct: number; pages: number; bytes: number; seconds: number; firstPageMs: number; clientCpu: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, '--walk', url, key], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const msg = JSON.parse(line) as { progress?: number };
        if (msg.progress !== undefined) {
          if (msg.progress % 200 === 0) console.error(`taxii bench ${label}: ${msg.progress} pages, server RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
        } else resolve(msg as never);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? undefined : reject(new Error(`walker exited with ${code}`))));
  });
  clearInterval(sample);
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = (cpu.user + cpu.system) / 1e6;
  let dbCpu = 0;
  for (const [pid, t] of await backendCpu(storage)) dbCpu += t - (db0.get(pid) ?? 0);
  const perCpu = Math.round(result.objects / (serverCpu + dbCpu));
  if (result.objects !== N || result.distinct !== N) throw new Error(`${label}: walked ${result.objects} objects (${result.distinct} distinct), expected ${N}`);
  const mib = (b: number) => Math.round(b / 2 ** 20);
  const at = (f: number) => mib(rss[Math.min(rss.length - 1, Math.floor(rss.length * f))] ?? 0);
  const peak = mib(Math.max(...rss));
  const rate = Math.round(result.objects / result.seconds);
  console.error(
    `taxii bench ${label}: ${result.objects} objects in ${result.pages} pages, ${result.seconds.toFixed(1)} s, ${rate} objects/s, ${(result.bytes / 2 ** 20).toFixed(0)} MiB of JSON, first page ${result.firstPageMs.toFixed(0)} ms; ` +
      `CPU s: server ${serverCpu.toFixed(1)}, database backends ${dbCpu.toFixed(1)}, client ${result.clientCpu.toFixed(1)} → ${perCpu} objects per serving CPU-second; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; ` +
      `server RSS at 10/50/90/100 % of the walk: ${at(0.1)}/${at(0.5)}/${at(0.9)}/${at(1)} MiB, peak ${peak} MiB`,
  );
  report({
    bench: `TAXII GET objects, pages of ${PAGE}, full walk following next (${label})`,
    figure: `${rate.toLocaleString('en')} objects/s wall clock (${result.seconds.toFixed(1)} s, load average ${os.loadavg()[0]!.toFixed(1)}); ${perCpu.toLocaleString('en')} objects per serving CPU-second; server RSS 10/50/90 % of walk ${at(0.1)}/${at(0.5)}/${at(0.9)} MiB, peak ${peak} MiB`,
    target: '≥ 50,000 objects/s; memory flat along the walk',
    data: `${N.toLocaleString('en')} indicators (~${Math.round(result.bytes / N)} B each) in the members collection, read by an international partner; client parses every page in a second process`,
    command: 'node bench/taxii.bench.ts',
  });
  await server.close();
  await app.close();
}

if (process.argv[2] === '--walk') {
  await walk(process.argv[3]!, process.argv[4]!);
  process.exit(0);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-bench-taxii-'));
try {
  const pglite = await openPglite(dir);
  await measure(pglite, 'PGlite');
  await pglite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.KESSETSU_BENCH_PG_URL) {
  const pg = await openPostgres(await freshPgDatabase(process.env.KESSETSU_BENCH_PG_URL, 'kessetsu_bench_taxii'));
  await measure(pg, 'PostgreSQL');
  await pg.close();
} else console.error('taxii bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL run skipped');
process.exit(0);
