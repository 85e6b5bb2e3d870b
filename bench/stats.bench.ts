// Statistics (issue 16): the platform series over a year of contributions, as a member (policy in the
// SQL) and as a hub analyst; indicators spread over 24 months; medians of several runs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import type { Viewer } from '../src/access/viewer.ts';
import type { Tlp } from '../src/db/schema.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import { hubViewer } from '../src/stats/stats.module.ts';
import { freshPgDatabase, median, report } from './support.ts';

const ORGS = 10;
const LEVELS: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
const RUNS = 5;

async function measure(storage: Storage, label: string, indicators: number): Promise<void> {
  const app = await createApp(loadConfig({ KESSETSU_REPORT_INTERVAL_MINUTES: '0' }, { dataDir: '/nonexistent' }), { storage, index: false });
  await bootstrap(storage.db, app.orgs, undefined);
  const viewers: Viewer[] = [];
  for (let i = 0; i < ORGS; i++) {
    const org = await app.orgs.createOrg(null, { name: `bench-org-${i}`, kind: 'industry', sector: (['finance', 'telecom', 'ecommerce'] as const)[i % 3] });
    await storage.db.updateTable('orgs').set({ nda_accepted_at: new Date() }).where('id', '=', org.id).execute();
    const user = await app.orgs.addUser(null, org.id, { name: `u${i}`, role: 'member' });
    viewers.push({ kind: 'user', userId: user.id, orgId: org.id, orgKind: 'industry', sector: org.sector, role: 'member', ndaAccepted: true, groupIds: [], keyId: null });
  }
  const perBatch = 2000;
  const t0 = performance.now();
  for (let n = 0, b = 0; n < indicators; n += perBatch, b++) {
    const now = new Date().toISOString();
    const objects = Array.from({ length: Math.min(perBatch, indicators - n) }, (_, j) => {
      const k = n + j;
      const pattern = k % 3 === 0 ? `[ipv4-addr:value = '10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}']` : k % 3 === 1 ? `[domain-name:value = 'd${k}.example']` : `[url:value = 'http://u${k}.example/']`;
      return { type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(k).padStart(12, '0')}`, created: now, modified: now, pattern, pattern_type: 'stix', valid_from: now };
    });
    const v = viewers[b % ORGS]!;
    await app.ingest.ingestParsed(v, { format: 'stix', objects, errors: [], warnings: [] }, { format: 'stix', tlp: LEVELS[b % LEVELS.length]!, orgs: [viewers[(b + 1) % ORGS]!.orgId], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api' });
  }
  const ingestS = (performance.now() - t0) / 1000;
  // Spread over two years: the series read twelve months and their year-before twins.
  await sql`update contributions_stored set created_at = now() - (id % 730) * interval '1 day'`.execute(storage.db);
  await sql`analyze`.execute(storage.db);
  const hub = await hubViewer(storage.db);
  const member = viewers[4]!;
  for (const series of ['platform.contributions_by_sector', 'platform.indicators_by_type']) {
    for (const [who, viewer] of [['hub', hub], ['member', member]] as const) {
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = performance.now();
        await app.stats.series.get(viewer, series);
        times.push(performance.now() - t);
      }
      report({
        bench: `stats ${series} (12 months, ${who})`,
        figure: `${median(times).toFixed(0)} ms median of ${RUNS}`,
        target: '—',
        data: `${indicators.toLocaleString('en')} indicators over 24 months, ${ORGS} orgs, ${label} (ingest ${ingestS.toFixed(0)} s)`,
        command: 'npm run bench -- stats',
      });
    }
  }
  await app.close();
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-bench-stats-'));
try {
  const pglite = await openPglite(dir);
  await measure(pglite, 'PGlite', Number(process.env.BENCH_STATS_INDICATORS_PGLITE ?? 20_000));
  await pglite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const pgUrl = process.env.KESSETSU_BENCH_PG_URL;
if (pgUrl) {
  const pgStorage = await openPostgres(await freshPgDatabase(pgUrl, 'kessetsu_bench_stats'));
  await measure(pgStorage, 'PostgreSQL', Number(process.env.BENCH_STATS_INDICATORS_PG ?? 100_000));
  await pgStorage.close();
}
