// Lookup against the in-memory observable index: values/s in process over an index of N observables
// (default 10,000,000), resident memory, and a 100,000-value POST /api/v1/lookup over loopback HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ObservableIndex } from '../src/lookup/observable.index.ts';
import { contributionPredicate, countablePredicate } from '../src/access/visibility.policy.ts';
import type { Viewer } from '../src/access/viewer.ts';
import { guessKind } from '../src/lookup/guess-kind.ts';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite } from '../src/db/database.ts';
import { buildServer } from '../src/http/server.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import { median, report } from './support.ts';

const N = Number(process.env.BENCH_INDEX_SIZE ?? 10_000_000);
const ORGS = 100;
const orgIds = Array.from({ length: ORGS }, () => crypto.randomUUID());
const ip = (i: number) => `${10 + ((i >>> 24) & 63)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

function fill(index: ObservableIndex, n: number): void {
  for (let i = 0; i < ORGS; i++) index.setOrg(orgIds[i]!, i % 2 ? 'finance' : 'telecom');
  for (let i = 0; i < n; i++) {
    const org = orgIds[i % ORGS]!;
    index.add({ dbId: i + 1, objectId: `ipv4-addr--${String(i).padStart(12, '0')}-0000-5000-8000-000000000000`, orgId: org, userId: null, tlp: i % 5 === 0 ? 'amber' : 'green', anonymous: false, allowCount: true, recipientOrgs: [], recipientGroups: [], recipientUsers: [] }, [`ipv4-addr:${ip(i)}`]);
  }
}

const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const index = new ObservableIndex();
fill(index, N);
global.gc?.();
const rss = process.memoryUsage().rss - rss0;
console.error(`index of ${N} built in ${((performance.now() - t0) / 1000).toFixed(1)} s, +${(rss / 1024 ** 3).toFixed(2)} GiB RSS`);

const viewer: Viewer = { kind: 'user', userId: crypto.randomUUID(), orgId: orgIds[3]!, orgKind: 'industry', sector: 'finance', role: 'member', ndaAccepted: true, groupIds: [], keyId: null };
const values = Array.from({ length: 1_000_000 }, (_, i) => ip((i * 7919) % (N * 2)));
const rates: number[] = [];
for (let run = 0; run < 3; run++) {
  const visible = contributionPredicate(viewer);
  const countable = countablePredicate(viewer);
  const t = performance.now();
  let found = 0;
  for (const v of values) {
    const key = guessKind(v);
    if (key && index.match(viewer, key, visible, countable)) found++;
  }
  const s = (performance.now() - t) / 1000;
  rates.push(values.length / s);
  console.error(`lookup run ${run + 1}: ${Math.round(values.length / s)} values/s, ${found} found`);
}
report({ bench: 'lookup in process (guess kind, normalise, policy-filtered match)', figure: `${Math.round(median(rates))} values/s median of 3`, target: '≥ 1,000,000 values/s', data: `1,000,000 values (half present) against ${N.toLocaleString('en')} observables, 100 organisations`, command: 'npm run bench -- lookup' });
report({ bench: 'observable index memory', figure: `${(rss / 1024 ** 3).toFixed(2)} GiB RSS for ${N.toLocaleString('en')} observables`, target: 'under 2 GiB', data: `${N.toLocaleString('en')} observables, one contribution each`, command: 'npm run bench -- lookup' });

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
