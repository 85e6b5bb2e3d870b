// PGlite on the main thread or in its own worker (issue 17): the same CSV feed imported in process into a fresh copy
// of one bootstrapped PGlite folder, alternately with KESSETSU_PGLITE_THREAD=main and =worker, while the hub's event
// loop is probed: the event-loop delay (perf_hooks, 10 ms resolution) and /healthz answered by the hub's own server
// to a client in this process, every 50 ms. CPU seconds are the process's (both threads).
//   BENCH_THREAD_ROWS (default 30,000)  BENCH_RUNS (default 3)  BENCH_THREADS (default main,worker: one of them for a profile)
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { buildServer } from '../src/http/server.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import type { Viewer } from '../src/access/viewer.ts';
import { feedCsv, median, report } from './support.ts';

const ROWS = Number(process.env.BENCH_THREAD_ROWS ?? 30_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pglite-thread-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const config = (thread: string, dataDir: string) => loadConfig({ KESSETSU_RATE_LIMIT: '100000000', KESSETSU_LOG_LEVEL: 'warn', KESSETSU_PGLITE_THREAD: thread }, { dataDir });

// One bootstrapped folder (its first admin), copied for every run.
const template = path.join(tmp, 'template');
{
  const app = await createApp(config('main', template), { index: false });
  await bootstrap(app.storage.db, app.orgs, undefined);
  await app.close();
}
const feed = Buffer.from(feedCsv(ROWS));
writeFileSync(path.join(tmp, 'feed.csv'), feed);

interface Run {
  readonly seconds: number;
  readonly cpu: number;
  readonly loopP99: number;
  readonly loopMax: number;
  readonly healthP99: number;
  readonly healthMax: number;
  readonly probes: number;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)]! : NaN;
};

async function once(thread: string, i: number): Promise<Run> {
  const dir = path.join(tmp, `${thread}-${i}`);
  cpSync(template, dir, { recursive: true });
  const app = await createApp(config(thread, dir), { index: false });
  const server = await buildServer(app, { logger: false });
  const base = await server.listen({ host: '127.0.0.1', port: 0 });
  const u = await app.storage.db.selectFrom('users as u').innerJoin('orgs as o', 'o.id', 'u.org_id').select(['u.id', 'o.id as org_id', 'o.kind', 'o.sector']).where('u.role', '=', 'admin').executeTakeFirstOrThrow();
  const viewer: Viewer = { kind: 'user', userId: u.id, orgId: u.org_id, orgKind: u.kind, sector: u.sector, role: 'admin', ndaAccepted: true, groupIds: [], keyId: null };
  const body = Buffer.from(readFileSync(path.join(tmp, 'feed.csv')));
  const health: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const t = performance.now();
      await (await fetch(`${base}/healthz`)).arrayBuffer();
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await app.ingest.ingest(viewer, body, { format: 'csv', tlp: undefined, orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, filename: 'feed.csv', source: 'cli' });
  await app.ingest.drain();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  loop.disable();
  probing = false;
  await prober;
  const final = r.status === 'pending' ? await app.ingest.report(viewer, r.id) : r;
  if (final.counts.created < ROWS) throw new Error(`${thread}: ${final.status}, ${final.counts.created} created of ${ROWS}`);
  await server.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  const run = { seconds, cpu: (c.user + c.system) / 1e6, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6, healthP99: pct(health, 0.99), healthMax: Math.max(...health), probes: health.length };
  console.error(`${thread} run ${i + 1}: ${seconds.toFixed(1)} s wall (${Math.round(ROWS / seconds)} rows/s), ${run.cpu.toFixed(1)} CPU s, loop delay p99 ${run.loopP99.toFixed(0)} ms max ${run.loopMax.toFixed(0)} ms, /healthz p99 ${run.healthP99.toFixed(0)} ms max ${run.healthMax.toFixed(0)} ms (${run.probes} probes), load ${os.loadavg()[0]!.toFixed(1)}`);
  return run;
}

const runs: Record<string, Run[]> = { main: [], worker: [] };
const THREADS = (process.env.BENCH_THREADS ?? 'main,worker').split(',');
for (let i = 0; i < RUNS; i++) for (const thread of i % 2 ? ['worker', 'main'] : ['main', 'worker']) if (THREADS.includes(thread)) runs[thread]!.push(await once(thread, i));
if (THREADS.length < 2) process.exit(0);

const m = (t: string, k: keyof Run) => median(runs[t]!.map((r) => r[k]));
const load = os.loadavg()[0]!.toFixed(1);
report({
  bench: 'CSV import into PGlite in process, PGlite in a worker thread vs on the main thread (pglite-thread)',
  figure: `worker ${Math.round(ROWS / m('worker', 'seconds'))} rows/s (${m('worker', 'seconds').toFixed(1)} s, ${m('worker', 'cpu').toFixed(1)} CPU s), main ${Math.round(ROWS / m('main', 'seconds'))} rows/s (${m('main', 'seconds').toFixed(1)} s, ${m('main', 'cpu').toFixed(1)} CPU s): wall ratio ${(m('main', 'seconds') / m('worker', 'seconds')).toFixed(2)}×; during the import the event-loop delay p99/max is worker ${m('worker', 'loopP99').toFixed(0)}/${m('worker', 'loopMax').toFixed(0)} ms, main ${m('main', 'loopP99').toFixed(0)}/${m('main', 'loopMax').toFixed(0)} ms and /healthz p99/max worker ${m('worker', 'healthP99').toFixed(0)}/${m('worker', 'healthMax').toFixed(0)} ms, main ${m('main', 'healthP99').toFixed(0)}/${m('main', 'healthMax').toFixed(0)} ms; medians of ${RUNS}, load average ${load}`,
  target: 'PGlite ≥ 10,000/s (issue 17)',
  data: `${ROWS} CSV rows (ipv4, domain, url)`,
  command: `BENCH_THREAD_ROWS=${ROWS} BENCH_RUNS=${RUNS} npm run bench -- pglite-thread`,
});
