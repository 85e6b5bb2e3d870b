import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Viewer } from '../access/viewer.ts';
import { EnrichmentService } from '../enrichment/enrichment.service.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { describeStorage } from '../../test/support/storage.ts';
import { params } from '../../test/scenarios/support.ts';
import { indicatorFacts } from './queries/lifecycle.query.ts';
import { isActiveIndicator } from './lifecycle.ts';
import { WarninglistsService } from './warninglists/warninglists.service.ts';

const DAY = 86_400_000;

describeStorage('analysis storage', (backend) => {
  let hub: TestHub;
  let bank: TestMember;
  let viewer: Viewer;

  beforeAll(async () => {
    hub = await startHub(backend);
    await hub.app.analysis.updateSettings(['autoRun=false']);
    bank = await makeMember(hub, { sector: 'finance' });
    viewer = (await hub.app.auth.authenticate(bank.key)) as Viewer;
  });
  afterAll(async () => hub?.close());

  it('indicator lifecycle: the SQL condition and the in-memory rule agree', async () => {
    const now = new Date();
    const objects: StixObject[] = [];
    const cases: { kind: string; value: string; pattern: string }[] = [
      { kind: 'ipv4-addr', value: '198.51.100.1', pattern: "[ipv4-addr:value = '198.51.100.1']" },
      { kind: 'domain-name', value: 'lifecycle.example.com', pattern: "[domain-name:value = 'lifecycle.example.com']" },
      { kind: 'file', value: 'a'.repeat(64), pattern: `[file:hashes.'SHA-256' = '${'a'.repeat(64)}']` },
    ];
    let n = 0;
    for (const c of cases)
      for (const ageDays of [0, 3, 10, 25, 60, 400])
        for (const confidence of [undefined, 30, 90])
          for (const extra of ['none', 'expired', 'sighted'] as const) {
            const t = new Date(now.getTime() - ageDays * DAY).toISOString();
            const id = `indicator--00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
            const ind: Record<string, unknown> = { type: 'indicator', spec_version: '2.1', id, created: t, modified: t, pattern: c.pattern, pattern_type: 'stix', valid_from: t };
            if (confidence !== undefined) ind.confidence = confidence;
            if (extra === 'expired') ind.valid_until = new Date(now.getTime() - DAY).toISOString();
            objects.push(ind as StixObject);
            if (extra === 'sighted') {
              const st = new Date(now.getTime() - DAY).toISOString();
              for (let k = 0; k < 3; k++)
                objects.push({ type: 'sighting', spec_version: '2.1', id: `sighting--00000000-0000-4000-9000-${String(n * 10 + k).padStart(12, '0')}`, created: st, modified: st, sighting_of_ref: id, count: 1 });
            }
          }
    const r = await hub.app.ingest.ingestParsed(viewer, { format: 'stix', objects, errors: [], warnings: [] }, params({ tlp: 'green' }));
    expect(r.status).toBe('done');
    const ids = objects.filter((o) => o.type === 'indicator').map((o) => o.id);
    const rows = await hub.app.storage.db
      .selectFrom('contributions as c')
      .select(['c.object_id as id', hub.app.analysis.activeIndicatorCondition('c', now).as('active')])
      .where('c.superseded', '=', false)
      .where('c.object_id', 'in', ids)
      .execute();
    const facts = await indicatorFacts(hub.app.storage.db, ids);
    expect(rows).toHaveLength(ids.length);
    let active = 0;
    for (const row of rows) {
      const expected = isActiveIndicator(facts.get(row.id)!, now, hub.app.analysis.settings);
      expect(row.active, row.id).toBe(expected);
      if (expected) active++;
    }
    // Both outcomes occur: the comparison is not vacuous.
    expect(active).toBeGreaterThan(10);
    expect(active).toBeLessThan(ids.length - 10);
  });

  it('warninglists: imported, enabled and disabled per deployment; other services see the change after reload', async () => {
    const svc = hub.app.warninglists;
    const r = await svc.importJson({ name: 'Test sinkholes', type: 'cidr', version: 1, description: 'd', matching_attributes: ['ip-dst'], list: ['45.155.205.0/24'] }, 'test-sinkholes');
    expect(r.entries).toBe(1);
    expect(svc.match('ipv4-addr:45.155.205.7')).toEqual({ list: 'test-sinkholes', name: 'Test sinkholes', scopes: ['never_correlate', 'never_blocklist'], exact: true });
    const off = await hub.server.inject({ method: 'POST', url: '/api/v1/warninglists/test-sinkholes/disable', headers: as(hub.adminKey) });
    expect(off.statusCode).toBe(200);
    expect(svc.match('ipv4-addr:45.155.205.7')).toBeNull();
    // A second node reading the same database.
    const other = new WarninglistsService(hub.app.storage.db);
    await other.reload();
    expect(other.match('ipv4-addr:45.155.205.7')).toBeNull();
    // Re-importing keeps the deployment's choice.
    await svc.importJson({ name: 'Test sinkholes', type: 'cidr', version: 2, description: 'd', list: ['45.155.205.0/24', '45.155.206.0/24'] }, 'test-sinkholes');
    expect(svc.match('ipv4-addr:45.155.206.9')).toBeNull();
    expect((await svc.list()).find((l) => l.slug === 'test-sinkholes')).toMatchObject({ enabled: false, version: 2, entry_count: 2 });
    const forbidden = await hub.server.inject({ method: 'POST', url: '/api/v1/warninglists/test-sinkholes/enable', headers: as(bank.key) });
    expect(forbidden.statusCode).toBe(403);
    const unknown = await hub.server.inject({ method: 'POST', url: '/api/v1/warninglists/nope/enable', headers: as(hub.adminKey) });
    expect(unknown.statusCode).toBe(404);
  });

  it.runIf(hasSharedData())('enrichment: imported into tables, read back by another instance, replaced on re-import', async () => {
    const files = [sharedData('enrichment', 'ip2asn-v4-sample.tsv'), sharedData('enrichment', 'delegated-apnic-2026-05-14.txt')];
    const r = await hub.app.analysis.enrichment.importFiles(files);
    expect(r.map((x) => [x.dataset, x.ranges, x.error])).toEqual([
      ['ip2asn-v4', 1427, null],
      ['delegated-apnic', 13666 + 54374 + 16894, null],
    ]);
    const fresh = new EnrichmentService(hub.app.storage.db);
    await fresh.reload();
    expect(fresh.ipInfo('8.8.8.8')).toEqual({ asn: 15169, holder: 'GOOGLE - Google LLC', country: 'US', sources: ['ip2asn-v4'] });
    expect(fresh.ipInfo('133.1.1.1')).toEqual({ asn: null, holder: null, country: 'JP', sources: ['delegated-apnic'] });
    expect(fresh.ipInfo('2001:200::1')?.country).toBe('JP');
    expect(fresh.asnCountry(173)).toBe('JP');
    expect(fresh.ipInfo('not an ip')).toBeNull();
    await hub.app.analysis.enrichment.importFiles(files.slice(0, 1));
    const count = await sql<{ n: number }>`select count(*) as n from enrichment_ranges where dataset = 'ip2asn-v4'`.execute(hub.app.storage.db);
    expect(Number(count.rows[0]!.n)).toBe(1427);
    const bad = await hub.app.analysis.enrichment.importFiles([sharedData('feeds', 'catalog', 'open-source-ti-feeds-catalog.csv')]);
    expect(bad[0]!.error).toMatch(/neither RIR delegated statistics/);
  });

  it('an ingest schedules one analysis run after the debounce delay', async () => {
    await hub.app.analysis.updateSettings(['autoRun=true', 'debounceMs=1000']);
    try {
      const before = (await hub.app.analysis.runs(1))[0]?.id ?? 0;
      const now = new Date().toISOString();
      for (let i = 0; i < 3; i++) {
        const objects: StixObject[] = [{ type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(900 + i).padStart(12, '0')}`, created: now, modified: now, pattern: `[ipv4-addr:value = '203.0.113.${i + 1}']`, pattern_type: 'stix', valid_from: now }];
        await hub.app.ingest.ingestParsed(viewer, { format: 'stix', objects, errors: [], warnings: [] }, params({ tlp: 'green' }));
      }
      for (let t = 0; t < 100 && ((await hub.app.analysis.runs(1))[0]?.id ?? 0) === before; t++) await new Promise((r) => setTimeout(r, 100));
      await hub.app.analysis.drain();
      const runs = (await hub.app.analysis.runs(10)).filter((r) => Number(r.id) > Number(before));
      // Three ingests in a burst: one run.
      expect(runs.map((r) => [r.trigger, r.status])).toEqual([['after-ingest', 'done']]);
    } finally {
      await hub.app.analysis.updateSettings(['autoRun=false']);
    }
  });

  it('hostile requests get a clear error, never a crash', async () => {
    const get = (url: string, key: string | null = bank.key) => hub.server.inject({ method: 'GET', url, headers: key ? as(key) : {} });
    expect((await get('/api/v1/root-sources', null)).statusCode).toBe(401);
    expect((await get('/api/v1/root-sources?cursor=garbage')).json().error.code).toBe('validation_failed');
    expect((await get('/api/v1/priorities?limit=100000')).statusCode).toBe(400);
    expect((await get('/api/v1/clusters/99999999')).statusCode).toBe(404);
    expect((await get('/api/v1/clusters/abc')).statusCode).toBe(400);
    expect((await get("/api/v1/correlations?value=%27%3B%20drop%20table%20orgs%3B--")).json().error.code).toBe('validation_failed');
    expect((await get('/api/v1/correlations')).statusCode).toBe(400);
    expect((await get('/api/v1/correlations?ingest=00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get('/api/v1/root-sources?kind=DROP%20TABLE')).statusCode).toBe(400);
    const run = await hub.server.inject({ method: 'POST', url: '/api/v1/analysis/runs', headers: as(bank.key) });
    expect(run.statusCode).toBe(403);
    const lists = await get('/api/v1/warninglists');
    expect(lists.json()).toMatchObject({ next: null });
  });
});
