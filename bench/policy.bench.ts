// The access policy's cost: object list and lookup with 100 organisations and 20 sharing groups, as a
// member and as a hub analyst (no policy), in the same process; the ratio is the figure (target ≤ 1.2).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import type { Viewer } from '../src/access/viewer.ts';
import type { Tlp } from '../src/db/schema.ts';
import { deterministicId } from '../src/stix/deterministic-id.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import { freshPgDatabase, median, report } from './support.ts';

const ORGS = 100;
const GROUPS = 20;
const OBJECTS = Number(process.env.BENCH_POLICY_OBJECTS ?? 20_000);
const LEVELS: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

async function measure(storage: Storage, label: string): Promise<void> {
  const app = await createApp(loadConfig({}, { dataDir: '/nonexistent' }), { storage });
  await bootstrap(storage.db, app.orgs, undefined);
  const viewers: Viewer[] = [];
  for (let i = 0; i < ORGS; i++) {
    const org = await app.orgs.createOrg(null, { name: `bench-org-${i}`, kind: 'industry', sector: i % 2 ? 'finance' : 'telecom' });
    await storage.db.updateTable('orgs').set({ nda_accepted_at: new Date() }).where('id', '=', org.id).execute();
    const user = await app.orgs.addUser(null, org.id, { name: `u${i}`, role: 'member' });
    viewers.push({ kind: 'user', userId: user.id, orgId: org.id, orgKind: 'industry', sector: org.sector, role: 'member', ndaAccepted: true, groupIds: [], keyId: null });
  }
  const hubOrg = await storage.db.selectFrom('orgs').select('id').where('kind', '=', 'hub').executeTakeFirstOrThrow();
  const analystUser = await app.orgs.addUser(null, hubOrg.id, { name: 'analyst', role: 'hub_analyst' });
  const analyst: Viewer = { kind: 'user', userId: analystUser.id, orgId: hubOrg.id, orgKind: 'hub', sector: null, role: 'hub_analyst', ndaAccepted: true, groupIds: [], keyId: null };
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const members = viewers.filter((_, i) => i % GROUPS === g).map((v) => v.orgId);
    const grp = await app.groups.create(analyst, { name: `group-${g}`, members });
    groups.push(grp.id);
    for (const v of viewers) if (members.includes(v.orgId)) (v.groupIds as string[]).push(grp.id);
  }
  // Contributions from every organisation at every level, naming organisations and groups.
  const perOrg = Math.ceil(OBJECTS / ORGS);
  const values: string[] = [];
  for (let i = 0; i < ORGS; i++) {
    const objects = [];
    for (let j = 0; j < perOrg; j++) {
      const v = `10.${i}.${Math.floor(j / 250)}.${j % 250}`;
      values.push(v);
      objects.push({ type: 'ipv4-addr', spec_version: '2.1', id: deterministicId('ipv4-addr', { value: v })!, value: v });
    }
    for (const [k, tlp] of LEVELS.entries()) {
      const slice = objects.filter((_, j) => j % LEVELS.length === k);
      await app.ingest.ingestParsed(viewers[i]!, { format: 'stix', objects: slice, errors: [], warnings: [] }, { format: 'stix', tlp, orgs: [viewers[(i + 1) % ORGS]!.orgId], groups: [groups[i % GROUPS]!], users: [viewers[(i + 2) % ORGS]!.userId], anonymous: false, dryRun: false, lenient: false, source: 'api' });
    }
  }
  await app.indexReady;
  const member = viewers[7]!;
  const time = async (fn: () => Promise<unknown> | unknown, n: number) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return (performance.now() - t) / n;
  };
  const listRatio: number[] = [];
  const lookRatio: number[] = [];
  const sample = values.filter((_, i) => i % 2 === 0).slice(0, 10_000);
  for (let run = 0; run < 5; run++) {
    const hubList = await time(() => app.objects.list(analyst, { limit: 100, types: ['ipv4-addr'] }), 20);
    const memberList = await time(() => app.objects.list(member, { limit: 100, types: ['ipv4-addr'] }), 20);
    const hubLook = await time(() => app.lookup.lookup(analyst, sample), 3);
    const memberLook = await time(() => app.lookup.lookup(member, sample), 3);
    listRatio.push(memberList / hubList);
    lookRatio.push(memberLook / hubLook);
    console.error(`${label} run ${run + 1}: list ${hubList.toFixed(1)} → ${memberList.toFixed(1)} ms, lookup of 10,000 ${hubLook.toFixed(1)} → ${memberLook.toFixed(1)} ms`);
  }
  report({ bench: `policy cost, object list page of 100 (${label})`, figure: `member/hub time ratio ${median(listRatio).toFixed(2)} (median of 5)`, target: '≤ 1.20', data: `${ORGS} organisations, ${GROUPS} groups, ${values.length.toLocaleString('en')} observables × 5 TLPs with recipients`, command: 'npm run bench -- policy' });
  report({ bench: `policy cost, lookup of 10,000 values (${label})`, figure: `member/hub time ratio ${median(lookRatio).toFixed(2)} (median of 5)`, target: '≤ 1.20', data: `${ORGS} organisations, ${GROUPS} groups, ${values.length.toLocaleString('en')} observables`, command: 'npm run bench -- policy' });
  await app.close();
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-policy-bench-'));
await measure(await openPglite(dir), 'PGlite');
rmSync(dir, { recursive: true, force: true });
if (process.env.KESSETSU_BENCH_PG_URL) await measure(await openPostgres(await freshPgDatabase(process.env.KESSETSU_BENCH_PG_URL, 'kessetsu_bench_policy')), 'PostgreSQL');
process.exit(0);
