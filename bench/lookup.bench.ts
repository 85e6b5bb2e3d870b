// Lookup against the in-memory observable index: values/s in process over an index of N observables
// (default 10,000,000), resident memory, and a 100,000-value POST /api/v1/lookup over loopback HTTP.
// The in-process part runs in a child process per implementation: this checkout's, and the old one's when a
// baseline checkout exists (BENCH_BASELINE, default /tmp/kessetsu-baseline-read, made with
// `git worktree add /tmp/kessetsu-baseline-read <commit>` and a node_modules link), so the ratio is measured
// in the same run. Figures are given per wall-clock second and per CPU second of the measuring process (the
// machine is shared: wall clock alone says more about the neighbours than about the code).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ObservableIndex } from '../src/lookup/observable.index.ts';
import type * as IndexModule from '../src/lookup/observable.index.ts';
import type * as ServiceModule from '../src/lookup/lookup.service.ts';
import type { Viewer } from '../src/access/viewer.ts';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite } from '../src/db/database.ts';
import { buildServer } from '../src/http/server.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import { median, report } from './support.ts';

const N = Number(process.env.BENCH_INDEX_SIZE ?? 10_000_000);
const ORGS = 100;
const orgIds = Array.from({ length: ORGS }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const ip = (i: number) => `${10 + ((i >>> 24) & 63)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
// BENCH_LOOKUP_MIX=ipv4 (default: the figure the issue was measured with) or mixed: 65 % IPv4, 20 % domains,
// 10 % URLs, 5 % SHA-256 hashes, in the observables and in the values looked up alike.
const MIXED = process.env.BENCH_LOOKUP_MIX === 'mixed';
const KIND_OF = ['ipv4-addr', 'domain-name', 'url', 'file:sha-256'] as const;
const kindOf = (i: number): number => (!MIXED ? 0 : i % 20 < 13 ? 0 : i % 20 < 17 ? 1 : i % 20 < 19 ? 2 : 3);
/** The value of observable number i, as a user would type it. */
const valueOf = (i: number): string => {
  switch (kindOf(i)) {
    case 0: return ip(i);
    case 1: return `host-${i.toString(36)}.example-${i % 97}.com`;
    case 2: return `http://site-${i.toString(36)}.example.net/login.php?id=${i}`;
    default: return i.toString(16).padStart(64, 'e');
  }
};
const keyOf = (i: number): string => `${KIND_OF[kindOf(i)]}:${valueOf(i)}`;
const values = Array.from({ length: 1_000_000 }, (_, i) => valueOf((i * 7919) % (N * 2)));

function fill(index: ObservableIndex, n: number): void {
  for (let i = 0; i < ORGS; i++) index.setOrg(orgIds[i]!, i % 2 ? 'finance' : 'telecom');
  for (let i = 0; i < n; i++) {
    const org = orgIds[i % ORGS]!;
    index.add({ dbId: i + 1, objectId: `ipv4-addr--${String(i).padStart(8, '0')}-0000-5000-8000-000000000000`, orgId: org, userId: null, tlp: i % 5 === 0 ? 'amber' : 'green', anonymous: false, allowCount: true, recipientOrgs: [], recipientGroups: [], recipientUsers: [] }, [keyOf(i)]);
  }
}

interface InProcess {
  impl: string;
  wall: number[];
  cpu: number[];
  found: number;
  rssGiB: number;
  buildS: number;
}

// Child: build the index of one implementation and look the values up three times.
async function inProcess(srcDir: string): Promise<InProcess> {
  const { ObservableIndex } = (await import(path.join(srcDir, 'lookup/observable.index.ts'))) as typeof IndexModule;
  const { LookupService } = (await import(path.join(srcDir, 'lookup/lookup.service.ts'))) as typeof ServiceModule;
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const index = new ObservableIndex();
  fill(index, N);
  global.gc?.();
  const rssGiB = (process.memoryUsage().rss - rss0) / 1024 ** 3;
  const buildS = (performance.now() - t0) / 1000;
  const viewer: Viewer = { kind: 'user', userId: crypto.randomUUID(), orgId: orgIds[3]!, orgKind: 'industry', sector: 'finance', role: 'member', ndaAccepted: true, groupIds: [], keyId: null };
  const out: InProcess = { impl: srcDir, wall: [], cpu: [], found: 0, rssGiB, buildS };
  for (let run = 0; run < 3; run++) {
    global.gc?.();
    // The service the route calls: every answer built and kept (what the HTTP layer then serialises).
    const c0 = process.cpuUsage();
    const t = performance.now();
    const found = new LookupService(index).lookup(viewer, values).found;
    const cpu = process.cpuUsage(c0);
    out.wall.push(values.length / ((performance.now() - t) / 1000));
    out.cpu.push(values.length / ((cpu.user + cpu.system) / 1e6));
    out.found = found;
  }
  return out;
}

if (process.env.BENCH_LOOKUP_SRC) {
  console.log(`CHILD ${JSON.stringify(await inProcess(process.env.BENCH_LOOKUP_SRC))}`);
  process.exit(0);
}

function runChild(srcDir: string): InProcess {
  const r = spawnSync(process.execPath, ['--expose-gc', import.meta.filename], { env: { ...process.env, BENCH_LOOKUP_SRC: srcDir }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('CHILD '));
  if (!line) throw new Error(`lookup bench child for ${srcDir} failed (${r.status})`);
  const res = JSON.parse(line.slice('CHILD '.length)) as InProcess;
  console.error(`${srcDir}: built in ${res.buildS.toFixed(1)} s, +${res.rssGiB.toFixed(2)} GiB RSS; ${res.wall.map(Math.round).join(', ')} values/s wall, ${res.cpu.map(Math.round).join(', ')} per CPU s; ${res.found} found`);
  return res;
}

const load = os.loadavg()[0]!.toFixed(1);
const now = runChild(path.join(import.meta.dirname, '../src'));
const baselineDir = process.env.BENCH_BASELINE ?? '/tmp/kessetsu-baseline-read';
const old = existsSync(path.join(baselineDir, 'src/lookup/observable.index.ts')) ? runChild(path.join(baselineDir, 'src')) : null;
if (old && old.found !== now.found) throw new Error(`baseline found ${old.found}, this code ${now.found}`);
const ratio = (a: number[], b: number[] | undefined) => (b ? ` (${(median(a) / median(b)).toFixed(2)}× the old index's ${Math.round(median(b)).toLocaleString('en')}/s)` : '');
report({
  bench: 'lookup in process (LookupService.lookup: guess kind, normalise, policy-filtered match, answers built)',
  figure: `${Math.round(median(now.wall)).toLocaleString('en')} values/s wall${ratio(now.wall, old?.wall)}; ${Math.round(median(now.cpu)).toLocaleString('en')} per CPU second${ratio(now.cpu, old?.cpu)}; medians of 3; load average ${load}`,
  target: '≥ 1,000,000 values/s',
  data: `1,000,000 values (half present) against ${N.toLocaleString('en')} observables, 100 organisations${MIXED ? '; mixed kinds: 65 % IPv4, 20 % domains, 10 % URLs, 5 % SHA-256' : '; IPv4 addresses'}`,
  command: 'npm run bench -- lookup',
});
report({
  bench: 'observable index memory',
  figure: `${now.rssGiB.toFixed(2)} GiB RSS for ${N.toLocaleString('en')} observables${old ? ` (old index ${old.rssGiB.toFixed(2)} GiB)` : ''}; built in ${now.buildS.toFixed(1)} s${old ? ` (old ${old.buildS.toFixed(1)} s)` : ''}`,
  target: 'under 2 GiB',
  data: `${N.toLocaleString('en')} observables, one contribution each${MIXED ? ', mixed kinds' : ', IPv4 addresses'}`,
  command: 'npm run bench -- lookup',
});

// HTTP: the same index behind a real server; 100,000 values per request.
const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-lookup-bench-'));
const app = await createApp(loadConfig({ KESSETSU_RATE_LIMIT: '100000000' }, { dataDir: dir }), { storage: await openPglite(dir) });
const first = await bootstrap(app.storage.db, app.orgs, undefined);
await app.indexReady;
fill(app.index, Math.min(N, 2_000_000));
const server = await buildServer(app, { logger: false });
const address = await server.listen({ host: '127.0.0.1', port: 0 });
const body = JSON.stringify({ values: values.slice(0, 100_000) });
const times: number[] = [];
for (let run = 0; run < 5; run++) {
  const t = performance.now();
  const res = await fetch(`${address}/api/v1/lookup`, { method: 'POST', headers: { authorization: `Bearer ${first!.key}`, 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  times.push(performance.now() - t);
  if (!res.ok) throw new Error(`lookup HTTP ${res.status}`);
}
console.error(`HTTP lookup of 100,000 values: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
report({ bench: 'HTTP POST /api/v1/lookup, 100,000 values', figure: `${median(times).toFixed(0)} ms median of 5 (hub analyst key)`, target: 'under 300 ms', data: `index of ${Math.min(N, 2_000_000).toLocaleString('en')} observables`, command: 'npm run bench -- lookup' });
await server.close();
await app.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
