// Feed back (issue 6). Three figures, on PGlite and (with KESSETSU_BENCH_PG_URL) PostgreSQL:
//  1. ingest committed by one organisation → webhook received by a subscribed other one, p95, with 1,000 subscriptions active;
//  2. webhook deliveries per second to one loopback receiver (outbox drained by the dispatcher);
//  3. a 1,000,000-entry blocklist streamed over HTTP: time, and memory of the process while it streams.
// BENCH_FEEDBACK_PART=latency|throughput|blocklist runs one part; BENCH_BLOCKLIST_SIZE changes the 1,000,000;
// PGlite runs on the thread KESSETSU_PGLITE_THREAD names (its own worker unless "main"), as in the product.
// BENCH_SKIP_PGLITE=1 runs PostgreSQL only. The blocklist part also reads the feed in process (the query layer,
// feedPages) with this checkout's code and, when a baseline checkout exists (BENCH_FEED_BASELINE, default
// /tmp/kessetsu-baseline-feed, e.g. `git archive <commit> src | tar -x -C …` and a node_modules link), with the
// old code over the same data in the same run, stopped after BENCH_FEED_BASELINE_CAP seconds (default 120).
// Figures carry CPU seconds beside the wall clock: this process's, and on PostgreSQL its backends' (from /proc).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.ts';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { buildServer } from '../src/http/server.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import type { Viewer } from '../src/access/viewer.ts';
import v8 from 'node:v8';
import vm from 'node:vm';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { freshPgDatabase, median, report } from './support.ts';
import type * as FeedQueryModule from '../src/feedback/feeds/feed.query.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CMD = 'npm run bench -- feedback';
const INGESTS = Number(process.env.BENCH_INGESTS ?? 60);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 20_000);
const BLOCKLIST = Number(process.env.BENCH_BLOCKLIST_SIZE ?? 1_000_000);
const FEED_BASELINE = process.env.BENCH_FEED_BASELINE ?? '/tmp/kessetsu-baseline-feed';
const BASELINE_CAP_S = Number(process.env.BENCH_FEED_BASELINE_CAP ?? 120);
// A PGlite data folder kept between runs of the blocklist part: written by the first run, read by the next ones.
const FEED_DATA = process.env.BENCH_FEED_DATA;
// BENCH_BLOCKLIST_LINES=1: the blocklist written as flat feed lines (what a CSV first import writes, the default since
// the seventeenth session; docs/design/feed-lines.md), read through the knowledge views, instead of stored indicators.
const AS_LINES = process.env.BENCH_BLOCKLIST_LINES === '1';

/** CPU seconds (user + system) of the PostgreSQL backends serving a database, read from /proc (0 elsewhere). */
function backendCpu(dbName: string | undefined): number {
  if (!dbName) return 0;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${dbName} `)) continue;
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks / 100;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function p95(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!;
}

async function loopbackReceiver(onPost: () => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    req.resume();
    req.on('end', () => {
      onPost();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise((r) => server.close(() => r())) };
}

async function start(storage: Storage): Promise<{ app: App; base: string; hubOrgId: string; close: () => Promise<void> }> {
  const config = loadConfig({ KESSETSU_RATE_LIMIT: '100000000', KESSETSU_LOG_LEVEL: 'warn' }, { dataDir: '/nonexistent' });
  const app = await createApp(config, { storage, feedback: { dispatch: { pollMs: 200, allowPrivateTargets: true } } });
  const first = await bootstrap(storage.db, app.orgs, undefined);
  const server = await buildServer(app, { logger: false });
  const base = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    base,
    // A kept data folder (BENCH_FEED_DATA) was bootstrapped by its first run.
    hubOrgId: first?.orgId ?? '',
    async close() {
      await server.close();
      await app.close();
      await storage.close();
    },
  };
}

async function member(app: App, name: string, sector: 'finance' | 'telecom' = 'finance'): Promise<Viewer> {
  const org = await app.orgs.createOrg(null, { name, kind: 'industry', sector });
  await app.storage.db.updateTable('orgs').set({ nda_accepted_at: new Date(), nda_accepted_by: 'bench' }).where('id', '=', org.id).execute();
  const user = await app.orgs.addUser(null, org.id, { name: `${name} analyst`, role: 'member' });
  return { kind: 'user', userId: user.id, orgId: org.id, orgKind: 'industry', sector, role: 'member', ndaAccepted: true, groupIds: [], keyId: null };
}

/** A hub analyst, who records members' declared assets (issue 10.7: asset subscriptions beyond them wait). */
async function hubAnalyst(app: App, hubOrgId: string): Promise<Viewer> {
  const user = await app.orgs.addUser(null, hubOrgId, { name: 'bench hub analyst', role: 'hub_analyst' });
  return { kind: 'user', userId: user.id, orgId: hubOrgId, orgKind: 'hub', sector: null, role: 'hub_analyst', ndaAccepted: true, groupIds: [], keyId: null };
}

function bundle(urls: readonly string[]): Buffer {
  const now = new Date().toISOString();
  const objects = urls.map((url) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, name: url, pattern: `[url:value = '${url}']`, pattern_type: 'stix', valid_from: now }));
  return Buffer.from(JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects }));
}

async function latency(storage: Storage, label: string): Promise<void> {
  const hub = await start(storage);
  const { app } = hub;
  let resolveNext: (() => void) | undefined;
  const rx = await loopbackReceiver(() => resolveNext?.());
  const a = await member(app, 'Bench Contributor');
  const b = await member(app, 'Bench Sakura Bank');
  // 999 other subscriptions of 100 organisations: brands, ranges, domains, indicator types, sectors.
  const others = await Promise.all(Array.from({ length: 100 }, (_, i) => member(app, `Bench Org ${i}`, i % 3 ? 'finance' : 'telecom')));
  // Each organisation's asset subscriptions name its own declared assets, so all of them are live.
  const analyst = await hubAnalyst(app, hub.hubOrgId);
  let n = 0;
  for (const v of others) {
    const rules: { kind: 'asset' | 'indicator' | 'sector'; rule: { keywords?: string[]; cidrs?: string[]; domains?: string[]; types?: string[] } }[] = [];
    for (let k = 0; k < 10 && n < 999; k++, n++)
      rules.push(
        [
          { kind: 'asset' as const, rule: { keywords: [`brand${n}x`], cidrs: [`10.${n % 256}.${k}.0/24`] } },
          { kind: 'asset' as const, rule: { domains: [`org${n}.example`] } },
          { kind: 'indicator' as const, rule: { types: ['ipv4-addr'] } },
          { kind: 'sector' as const, rule: {} },
        ][k % 4]!,
      );
    const own = rules.filter((r) => r.kind === 'asset').map((r) => r.rule);
    await app.feedback.subscriptions.declareAssets(analyst, v.orgId, { keywords: own.flatMap((r) => r.keywords ?? []), cidrs: own.flatMap((r) => r.cidrs ?? []), domains: own.flatMap((r) => r.domains ?? []) });
    for (const [i, r] of rules.entries()) await app.feedback.subscriptions.create(v, { name: `s${v.orgId}-${i}`, ...r });
  }
  await app.feedback.subscriptions.declareAssets(analyst, b.orgId, { keywords: ['sakura'] });
  await app.feedback.subscriptions.create(b, { name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] }, webhook_url: rx.url });
  const active = Number((await app.storage.db.selectFrom('subscriptions').select(sql<number>`count(*)`.as('n')).where('enabled', '=', true).executeTakeFirstOrThrow()).n);
  const params = { format: 'stix' as const, tlp: 'amber' as const, orgs: [b.orgId], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api' as const };
  const ms: number[] = [];
  for (let i = 0; i < INGESTS; i++) {
    const noise = Array.from({ length: 20 }, (_, j) => `http://noise-${i}-${j}.example/x`);
    const got = new Promise<void>((r) => (resolveNext = r));
    const t = performance.now();
    await app.ingest.ingest(a, bundle([`http://secure-sakura-${i}.example/login`, ...noise]), params);
    await got;
    ms.push(performance.now() - t);
  }
  console.error(`${label} ingest→webhook: median ${median(ms).toFixed(0)} ms, p95 ${p95(ms).toFixed(0)} ms over ${INGESTS} ingests, ${active} subscriptions`);
  report({
    bench: `feedback: ingest committed → webhook received (${label})`,
    figure: `p95 ${p95(ms).toFixed(0)} ms, median ${median(ms).toFixed(0)} ms (${INGESTS} ingests, from the ingest call to the receiver's request)`,
    target: 'p95 < 1 s with 1,000 subscriptions',
    data: `${active} active subscriptions of 102 organisations (brands, ranges, domains, indicator types, sectors); each ingest 21 URL indicators at AMBER naming the subscriber`,
    command: CMD,
  });
  await rx.close();
  await hub.close();
}

async function throughput(storage: Storage, label: string): Promise<void> {
  const hub = await start(storage);
  const { app } = hub;
  let received = 0;
  let done: (() => void) | undefined;
  const rx = await loopbackReceiver(() => {
    if (++received === DELIVERIES) done?.();
  });
  const b = await member(app, 'Bench Receiver');
  const sub = await app.feedback.subscriptions.create(b, { name: 'hook', kind: 'advisory', webhook_url: rx.url });
  await app.feedback.dispatcher.stop();
  // The outbox is filled first, then drained: the figure is delivery alone.
  const alert = await app.storage.db
    .insertInto('alerts')
    .values({ subscription_id: sub.id, org_id: b.orgId, user_id: null, kind: 'advisory', title: 'bench', body: JSON.stringify({ kind: 'advisory', matches: [], total: 0 }), source: 'bench' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`insert into outbox (alert_id, subscription_id, channel, target) select ${alert.id}, ${sub.id}, 'webhook', ${rx.url} from generate_series(1, ${DELIVERIES})`.execute(app.storage.db);
  const all = new Promise<void>((r) => (done = r));
  const t = performance.now();
  app.feedback.dispatcher.start();
  await all;
  const secs = (performance.now() - t) / 1000;
  const rate = Math.round(DELIVERIES / secs);
  console.error(`${label} webhook throughput: ${rate}/s (${DELIVERIES} in ${secs.toFixed(1)} s)`);
  report({
    bench: `feedback: webhook deliveries to one loopback receiver (${label})`,
    figure: `${rate} deliveries/s (${DELIVERIES.toLocaleString('en')} in ${secs.toFixed(1)} s, signed, each recorded delivered)`,
    target: '≥ 1,000 deliveries/s',
    data: `${DELIVERIES.toLocaleString('en')} outbox rows, default dispatcher (64 in flight, 16 per target, claims of 64 per target)`,
    command: CMD,
  });
  await rx.close();
  await hub.close();
}

/** Reads the whole feed through one implementation's feedPages; stops after capS seconds. */
async function readFeed(mod: typeof FeedQueryModule, storage: Storage, viewer: Viewer, capS: number, dbName: string | undefined) {
  const cpu0 = process.cpuUsage();
  const be0 = backendCpu(dbName);
  const t = performance.now();
  let entries = 0;
  let finished = true;
  const f = { prefixes: ['url:', 'domain-name:', 'ipv4-addr:', 'ipv6-addr:'], now: new Date(), withSid: false };
  let first = 0;
  let firstWall = 0;
  for await (const page of mod.feedPages(storage.db, viewer, f, storage.kind)) {
    // The first page comes once the statement has run (PGlite: in WebAssembly, on this thread).
    if (!entries) [first, firstWall] = [cpuSeconds(cpu0) + backendCpu(dbName) - be0, (performance.now() - t) / 1000];
    entries += page.length;
    if (performance.now() - t > capS * 1000) {
      finished = false;
      break;
    }
  }
  return { entries, finished, wall: (performance.now() - t) / 1000, cpu: cpuSeconds(cpu0), backend: backendCpu(dbName) - be0, first, firstWall };
}

/** A million current indicators, each naming one URL, contributed at GREEN by `a` (as flat feed lines with BENCH_BLOCKLIST_LINES=1). */
async function writeBlocklist(app: App, a: Viewer, label: string): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // Written straight into the store, set-wise, with the product's triggers filling feed_entries. The tables' secondary indexes are dropped for the
  // load and built again after it (a sorted build instead of a million insertions into each btree, hash and
  // trigram index: on PGlite, over an hour at load 25 otherwise); indexes behind constraints stay.
  const db = app.storage.db;
  const tables = AS_LINES ? ['feed_lines'] : ['stix_objects_stored', 'contributions_stored', 'object_keys_stored'];
  const indexes = (
    await sql<{ name: string; def: string }>`select indexname as name, indexdef as def from pg_indexes i
      where schemaname = current_schema() and tablename in (${sql.join(tables)})
        and not exists (select 1 from pg_constraint c where c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`.execute(db)
  ).rows;
  for (const i of indexes) await sql`drop index ${sql.id(i.name)}`.execute(db);
  if (AS_LINES) await writeLines(db, a);
  else await writeStored(db, a);
  const tLoad = performance.now();
  await db.transaction().execute(async (trx) => {
    await sql`set local maintenance_work_mem = '256MB'`.execute(trx);
    for (const i of indexes) await sql.raw(i.def).execute(trx);
  });
  await sql`analyze`.execute(db);
  const feedRows = Number((await sql<{ n: number }>`select count(*) as n from feed_entries`.execute(db)).rows[0]!.n);
  if (feedRows < BLOCKLIST) throw new Error(`the triggers filled ${feedRows} feed entries, not ${BLOCKLIST}`);
  console.error(`${label} blocklist: rows written in ${((tLoad - t0) / 1000).toFixed(1)} s, ${indexes.length} indexes built again in ${((performance.now() - tLoad) / 1000).toFixed(1)} s`);
  console.error(`${label} blocklist: ${BLOCKLIST} indicators written${AS_LINES ? ' as feed lines' : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${cpuSeconds(cpu0).toFixed(1)} CPU s in this process`);
}

// The lines a CSV first import of `http://bench-<n>.example/login,url` rows writes: an observable registered by the
// line, the organisation's indicator and their based-on relationship, ids and hashes made up but unique.
async function writeLines(db: Kysely<Database>, a: Viewer): Promise<void> {
  await sql`insert into feed_lines (seq, sco_seq, updated_at, created_text, modified_text, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, sco_type, value,
      display, sco_id, ind_id, rel_id, sco_reg_id, sco_owner, valid_from_text, name, labels, ind_hash, sco_hash, rel_hash)
    select s.seq, s.seq + 1, now(), s.t, s.t, ${a.orgId}, 'green', 1, 'green|o:|g:|u:|a:0', now(), now(), 'url', s.value, s.value,
      'url--' || md5('url:' || s.value)::uuid, 'indicator--' || md5('bench' || s.g)::uuid, 'relationship--' || md5('rel' || s.g)::uuid,
      'url--' || md5('url:' || s.value)::uuid, true, s.t, s.value, '{phishing}', md5('i' || s.g), md5('s' || s.g), md5('r' || s.g)
    from (select g, 'http://bench-' || g || '.example/login' as value,
        greatest(nextval('change_seq'), nextval('change_seq'), nextval('change_seq')) - 2 as seq,
        to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t
      from generate_series(1, ${BLOCKLIST}) g) s`.execute(db);
}

async function writeStored(db: Kysely<Database>, a: Viewer): Promise<void> {
  await sql`insert into stix_objects_stored (id, type, owner_org_id, seq)
    select 'indicator--' || md5('bench' || g)::uuid, 'indicator', ${a.orgId}, nextval('change_seq') from generate_series(1, ${BLOCKLIST}) g`.execute(db);
  await sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, name, confidence, pattern_usable, content_hash, owner_rank)
    select 'indicator--' || md5('bench' || g)::uuid, ${a.orgId}, 'green', 1, 'green|o:|g:|u:|a:0', now(), now(), nextval('change_seq'),
      jsonb_build_object('type', 'indicator', 'spec_version', '2.1', 'id', 'indicator--' || md5('bench' || g)::uuid, 'pattern_type', 'stix',
        'pattern', '[url:value = ''http://bench-' || g || '.example/login'']'), 'u' || g, 80, true, md5('bench' || g), 1
    from generate_series(1, ${BLOCKLIST}) g`.execute(db);
  await sql`insert into object_keys_stored (contribution_id, object_id, key)
    select c.id, c.object_id, 'url:http://bench-' || substr(c.name, 2) || '.example/login' from contributions c where c.org_id = ${a.orgId} and c.object_id like 'indicator--%'`.execute(db);
}

/** The bench's member of that name: made on a fresh database, found again in a kept one. */
async function memberNamed(app: App, name: string): Promise<Viewer> {
  const org = await app.storage.db.selectFrom('orgs').select('id').where('name', '=', name).executeTakeFirst();
  if (!org) return member(app, name);
  const user = await app.storage.db.selectFrom('users').select('id').where('org_id', '=', org.id).executeTakeFirstOrThrow();
  return { kind: 'user', userId: user.id, orgId: org.id, orgKind: 'industry', sector: 'finance', role: 'member', ndaAccepted: true, groupIds: [], keyId: null };
}

async function blocklist(storage: Storage, label: string): Promise<void> {
  const hub = await start(storage);
  const { app, base } = hub;
  const a = await memberNamed(app, 'Bench Feed Contributor');
  const b = await memberNamed(app, 'Bench Feed Reader');
  const have = Number((await sql<{ n: number }>`select count(*) as n from feed_entries where org_id = ${a.orgId}`.execute(app.storage.db)).rows[0]!.n);
  if (have === BLOCKLIST) console.error(`${label} blocklist: ${BLOCKLIST} indicators kept in ${storage.location}`);
  else if (have) throw new Error(`${storage.location} holds ${have} bench entries, not ${BLOCKLIST}: remove it or set BENCH_BLOCKLIST_SIZE=${have}`);
  else await writeBlocklist(app, a, label);

  // A hub started on a kept database first loads its observable index from every key (1,000,000 here): that is
  // start-up work on the same database, not the feed's.
  await app.indexReady;
  const apiKey = await app.orgs.createKey(null, b.userId, 'bench');
  app.auth.invalidate();
  // Collected first, so the figures are what streaming adds, not garbage from writing the data.
  gc();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  let peakRss = rss0;
  let peakHeap = heap0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const dbName = storage.kind === 'postgres' ? new URL(storage.location).pathname.slice(1) : undefined;
  const load = os.loadavg()[0]!.toFixed(1);
  const cpu0 = process.cpuUsage();
  const be0 = backendCpu(dbName);
  const t = performance.now();
  let bytes = 0;
  let lines = 0;
  await new Promise<void>((resolve, reject) => {
    http
      .get(`${base}/api/v1/export?format=plain`, { headers: { authorization: `Bearer ${apiKey.key}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      })
      .on('error', reject);
  });
  const secs = (performance.now() - t) / 1000;
  const cpu = cpuSeconds(cpu0);
  const backend = backendCpu(dbName) - be0;
  clearInterval(sampler);
  if (lines !== BLOCKLIST) throw new Error(`expected ${BLOCKLIST} lines, got ${lines}`);
  const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
  const cpuText = `${cpu.toFixed(2)} CPU s in this process${dbName ? ` + ${backend.toFixed(2)} CPU s in PostgreSQL` : ' (database included)'}, load average ${load}`;
  console.error(`${label} blocklist: ${lines} entries, ${mb(bytes)} MiB in ${secs.toFixed(2)} s (${cpuText}); RSS +${mb(peakRss - rss0)} MiB, JS heap +${mb(peakHeap - heap0)} MiB at most (from ${mb(heap0)} MiB)`);
  report({
    bench: `feedback: ${BLOCKLIST.toLocaleString('en')}-entry plain blocklist streamed over HTTP (${label})`,
    figure: `${secs.toFixed(2)} s wall, ${cpuText} (${mb(bytes)} MiB); while streaming the JS heap grew at most ${mb(peakHeap - heap0)} MiB, process RSS ${mb(peakRss - rss0)} MiB (${label.startsWith('PGlite') ? 'the database runs in this process' : 'client and server in one process'})`,
    target: '< 5 s, not held in memory',
    data: `${BLOCKLIST.toLocaleString('en')} GREEN URL indicators${AS_LINES ? ' (flat feed lines)' : ''}, access policy in the query; one scan of feed_entries (the policy as column comparisons, no join), chunks of 5,000 entries as JSON arrays; ${label.startsWith('PGlite') ? 'a held cursor' : 'a server-side cursor'}`,
    command: CMD,
  });
  // The query layer alone, this code and the old one over the same data (A/B in one run).
  const now = await readFeed(await import('../src/feedback/feeds/feed.query.ts'), storage, b, Infinity, dbName);
  const baseline = path.join(FEED_BASELINE, 'src/feedback/feeds/feed.query.ts');
  const old = existsSync(baseline) ? await readFeed((await import(baseline)) as typeof FeedQueryModule, storage, b, BASELINE_CAP_S, dbName) : undefined;
  const describe = (r: Awaited<ReturnType<typeof readFeed>>) =>
    `${r.finished ? '' : `stopped after ${r.entries.toLocaleString('en')} entries: `}${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} CPU s${dbName ? ` + ${r.backend.toFixed(2)} in PostgreSQL` : ''}, ${Math.round(r.entries / r.wall).toLocaleString('en')} entries/s, first page after ${r.first.toFixed(2)} CPU s (${r.firstWall.toFixed(2)} s wall)`;
  console.error(`${label} feedPages: new ${describe(now)}${old ? `; old ${describe(old)}` : ''}`);
  report({
    bench: `feedback: ${BLOCKLIST.toLocaleString('en')}-entry feed read in process through feedPages (${label})`,
    figure: `new: ${describe(now)}${old ? `; old (${FEED_BASELINE}): ${describe(old)}` : ''}; load average ${load}`,
    target: 'A/B of the query layer',
    data: `the blocklist above, member viewer, plain feed prefixes`,
    command: CMD,
  });
  await hub.close();
}

const only = process.env.BENCH_FEEDBACK_PART;
const parts: [string, (s: Storage, l: string) => Promise<void>][] = [
  ['latency', latency],
  ['throughput', throughput],
  ['blocklist', blocklist],
];
const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-feedback-bench-'));
try {
  for (const [name, fn] of parts) {
    if (only && only !== name) continue;
    // PGlite on the thread the product's KESSETSU_PGLITE_THREAD names (its own worker unless "main").
    const thread = loadConfig(process.env).pgliteThread;
    if (!process.env.BENCH_SKIP_PGLITE) await fn(await openPglite(name === 'blocklist' && FEED_DATA ? FEED_DATA : path.join(dir, name), undefined, { thread }), `PGlite (${thread} thread)`);
    const pg = process.env.KESSETSU_BENCH_PG_URL;
    if (pg) await fn(await openPostgres(await freshPgDatabase(pg, `kessetsu_bench_feedback_${name}`)), 'PostgreSQL');
    else console.error(`feedback bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL run of ${name} skipped`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
