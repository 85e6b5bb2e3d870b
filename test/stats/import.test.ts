import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';

// CSV import over HTTP: hub analysts only, all or nothing with every bad line named, drafts hidden
// until published, exports that import back unchanged.

const CSV = `series,unit,title_en,title_ja,category,parent,category_en,category_ja,aggregate,period,value,source,note_en,note_ja
# Council figures, fiscal years
mule_accounts,cases,Mule accounts frozen,凍結口座数,total,,Total,合計,sum,FY2024,120,Council report 2025,,
mule_accounts,,,,banks,total,Banks,銀行,,FY2024,100,Council report 2025,,
mule_accounts,,,,other,total,Other,その他,,FY2024,20,Council report 2025,"quoted, with a comma",
mule_accounts,,,,total,,,,,FY2025,150,Council report 2026,,
mule_accounts,,,,banks,,,,,FY2025,111,Council report 2026,,
mule_accounts,,,,other,,,,,FY2025,40,Council report 2026,,
`;

describeStorage('statistics: CSV import over HTTP', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_REPORT_INTERVAL_MINUTES: '0' });
    member = await makeMember(hub);
  });
  afterAll(async () => hub?.close());

  const post = (key: string | null, body: string, q = '') =>
    hub.server.inject({ method: 'POST', url: `/api/v1/stats/series/import${q}`, headers: { ...(key ? as(key) : {}), 'content-type': 'text/csv' }, payload: body });

  it('refuses members and callers without a key', async () => {
    expect((await post(member.key, CSV)).statusCode).toBe(403);
    expect((await post(null, CSV)).statusCode).toBe(401);
  });

  it('answers every bad line with its number and field, and writes nothing', async () => {
    const bad = CSV.replace('FY2025,111', 'FY2025,1 11').replace('FY2025,40', 'FY2026,40').replace(',FY2025,150,', ',2025Q1,150,');
    const res = await post(hub.adminKey, bad);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.errors).toEqual([
      { line: 6, field: 'period', reason: expect.stringContaining('"2025Q1" is not a period') },
      { line: 7, field: 'value', reason: expect.stringContaining('"1 11" is not a plain number') },
    ]);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/mule_accounts', headers: as(hub.adminKey) })).statusCode).toBe(404);
  });

  it('imports a draft only hub analysts see, checks its sums, publishes it, and exports it back', async () => {
    const res = await post(hub.adminKey, CSV);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ rows: 6, series: [{ id: 'mule_accounts', values: 6 }] });
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/mule_accounts', headers: as(member.key) })).statusCode).toBe(404);
    const view = (await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/mule_accounts', headers: as(hub.adminKey) })).json();
    expect(view.kind).toBe('unpublished');
    // FY2025: 111 + 40 = 151, not the 150 printed: the check says so.
    expect(view.checks.map((c: { period: string; ok: boolean }) => [c.period, c.ok])).toEqual([['FY2024', true], ['FY2025', false]]);
    expect(view.values.find((v: { category: string; period: string }) => v.category === 'total' && v.period === 'FY2025').text).toEqual({
      en: '150 cases, 30 (25.0%) more than the fiscal year before',
      ja: '150件（前年度より30件（25.0%）増加）',
    });
    const pub = await hub.server.inject({ method: 'POST', url: '/api/v1/stats/series/mule_accounts/publish', headers: as(hub.adminKey), payload: { published: true } });
    expect(pub.statusCode).toBe(200);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/mule_accounts' })).json().kind).toBe('published');
    const csv = (await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/mule_accounts?format=csv' })).body;
    expect(csv).toContain('"quoted, with a comma"');
    await hub.server.inject({ method: 'DELETE', url: '/api/v1/stats/series/mule_accounts', headers: as(hub.adminKey) });
    expect((await post(hub.adminKey, csv)).json()).toEqual({ rows: 6, series: [{ id: 'mule_accounts', values: 6 }] });
    const again = (await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/mule_accounts', headers: as(hub.adminKey) })).json();
    expect(again.values).toEqual(view.values);
    expect(again.categories).toEqual(view.categories);
  });
});
