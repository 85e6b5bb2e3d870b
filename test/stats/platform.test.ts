import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Tlp } from '../../src/db/schema.ts';
import type { SeriesView } from '../../src/stats/series.view.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { Partitions } from '../../src/sensors/aggregate/partitions.repository.ts';
import { registerSensor } from '../sensors/support.ts';
import { describeStorage } from '../support/storage.ts';
import { addAction, addHotlineEntry, type TestAction, type TestEntry } from './actions.factory.ts';

// Platform series against counts made here, by hand, from the world the test builds: which
// organisation shared what, at which TLP, in which month (JST), and who may see it under the policy.

const NOW = new Date('2026-11-05T03:00:00Z');

interface Shared {
  readonly org: 'bank' | 'telco' | 'uni' | 'shop';
  readonly tlp: Tlp;
  /** When the contribution was made (an instant; months are counted in JST). */
  readonly at: string;
  /** Indicator ids reuse lets two organisations share the same indicator. */
  readonly indicators: readonly { id: string; type: string; value: string }[];
  readonly recipients?: readonly ('bank' | 'telco')[];
}

const pattern = (t: string, v: string): string => (t === 'file' ? `[file:hashes.'SHA-256' = '${v}']` : `[${t}:value = '${v}']`);
const ind = (type: string, value: string, id = `indicator--${randomUUID()}`) => ({ id, type, value });
const sha = (n: number): string => n.toString(16).padStart(64, 'a');
const shared = ind('url', 'http://shared.example/login');

// Note the JST boundary: 2026-09-30T15:30Z is 1 October 00:30 in Tokyo.
const WORLD: readonly Shared[] = [
  { org: 'bank', tlp: 'clear', at: '2026-10-10T03:00:00Z', indicators: [ind('ipv4-addr', '203.0.113.1'), ind('url', 'http://a.example/x'), ind('domain-name', 'a.example')] },
  { org: 'bank', tlp: 'green', at: '2026-09-30T15:30:00Z', indicators: [ind('ipv4-addr', '203.0.113.2'), ind('file', sha(1))] },
  { org: 'bank', tlp: 'amber', at: '2026-09-10T03:00:00Z', indicators: [shared, ind('domain-name', 'b.example')] },
  { org: 'bank', tlp: 'amber', at: '2026-10-20T03:00:00Z', indicators: [ind('url', 'http://c.example/')], recipients: ['telco'] },
  { org: 'bank', tlp: 'red', at: '2026-10-21T03:00:00Z', indicators: [ind('ipv4-addr', '203.0.113.9')] },
  { org: 'telco', tlp: 'green', at: '2026-10-02T03:00:00Z', indicators: [shared, ind('ipv4-addr', '198.51.100.7')] },
  { org: 'telco', tlp: 'clear', at: '2025-10-15T03:00:00Z', indicators: [ind('domain-name', 'old.example')] },
  { org: 'uni', tlp: 'clear', at: '2026-10-05T03:00:00Z', indicators: [ind('file', sha(2)), ind('file', sha(3))] },
  { org: 'shop', tlp: 'green', at: '2026-09-30T14:59:00Z', indicators: [ind('url', 'http://d.example/')] },
  { org: 'uni', tlp: 'amber', at: '2026-08-01T03:00:00Z', indicators: [ind('ipv4-addr', '192.0.2.77')] },
];

const jstMonth = (iso: string): string => new Date(Date.parse(iso) + 9 * 3_600_000).toISOString().slice(0, 7);
const category: Record<Shared['org'], string> = { bank: 'finance', telco: 'telecom', uni: 'academia', shop: 'ecommerce' };

/** The policy, spelled out by hand for this world. */
function sees(viewer: 'public' | 'hub' | 'bank' | 'telco' | 'shop', s: Shared): boolean {
  if (viewer === 'hub') return true;
  if (viewer === 'public') return s.tlp === 'clear';
  if (s.tlp === 'red') return s.org === viewer; // each organisation has one user: the contributing user sees its RED, nobody else
  if (viewer === 'shop') return s.tlp === 'clear' || s.org === 'shop'; // no NDA
  if (s.tlp === 'clear' || s.tlp === 'green' || s.org === viewer) return true;
  return (s.recipients ?? []).includes(viewer);
}

function expectedContributions(viewer: Parameters<typeof sees>[0]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of WORLD.filter((x) => sees(viewer, x))) {
    for (const k of [`${category[s.org]}|${jstMonth(s.at)}`, `total|${jstMonth(s.at)}`]) m.set(k, (m.get(k) ?? 0) + s.indicators.length);
  }
  return m;
}

function expectedIndicators(viewer: Parameters<typeof sees>[0]): Map<string, number> {
  const first = new Map<string, { type: string; at: string }>();
  for (const s of WORLD.filter((x) => sees(viewer, x))) {
    for (const i of s.indicators) {
      const f = first.get(i.id);
      if (!f || s.at < f.at) first.set(i.id, { type: i.type, at: s.at });
    }
  }
  const m = new Map<string, number>();
  for (const f of first.values()) for (const k of [`${f.type}|${jstMonth(f.at)}`, `total|${jstMonth(f.at)}`]) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

function nonZero(v: SeriesView): Map<string, number> {
  return new Map(v.values.filter((x) => x.value !== 0).map((x) => [`${x.category}|${x.period}`, x.value]));
}

describeStorage('statistics: platform series within the policy', (backend) => {
  let hub: TestHub;
  const m: Record<'bank' | 'telco' | 'uni' | 'shop', TestMember> = {} as never;

  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_REPORT_INTERVAL_MINUTES: '0' }, { stats: { now: () => NOW } });
    m.bank = await makeMember(hub, { sector: 'finance' });
    m.telco = await makeMember(hub, { sector: 'telecom' });
    m.uni = await makeMember(hub, { kind: 'academia' });
    m.shop = await makeMember(hub, { sector: 'ecommerce', nda: false });
    const db = hub.app.storage.db;
    for (const s of WORLD) {
      const now = new Date(s.at).toISOString();
      const bundle = {
        type: 'bundle',
        id: `bundle--${randomUUID()}`,
        objects: s.indicators.map((i) => ({ type: 'indicator', spec_version: '2.1', id: i.id, created: now, modified: now, pattern: pattern(i.type, i.value), pattern_type: 'stix', valid_from: now })),
      };
      const orgs = (s.recipients ?? []).map((r) => m[r].org.id).join(',');
      const res = await hub.server.inject({
        method: 'POST',
        url: `/api/v1/ingest?format=stix&tlp=${encodeURIComponent(s.tlp)}${orgs ? `&orgs=${orgs}` : ''}`,
        headers: { ...as(m[s.org].key), 'content-type': 'application/json' },
        payload: JSON.stringify(bundle),
      });
      expect(res.statusCode, res.body).toBe(200);
      const ingestId = res.json().id as string;
      // The contributions this ingest made are exactly its indicators (nothing else is counted).
      const made = await db.updateTable('contributions_stored').set({ created_at: new Date(s.at) }).where('ingest_id', '=', ingestId).executeTakeFirst();
      expect(Number(made.numUpdatedRows)).toBe(s.indicators.length);
    }
  });
  afterAll(async () => hub?.close());

  async function get(id: string, key: string | null, q = 'from=2025-10&to=2026-10'): Promise<SeriesView> {
    const res = await hub.server.inject({ method: 'GET', url: `/api/v1/stats/series/${id}?${q}`, headers: key ? as(key) : {} });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it('counts contributions by sector and month (JST) as each viewer may see them', async () => {
    for (const [who, key] of [['public', null], ['hub', hub.adminKey], ['bank', m.bank.key], ['telco', m.telco.key], ['shop', m.shop.key]] as const) {
      const v = await get('platform.contributions_by_sector', key);
      expect(nonZero(v), who).toEqual(expectedContributions(who));
      expect(v.checks.every((c) => c.ok), who).toBe(true);
    }
  });

  it('counts new indicators by type in the month of the first contribution the viewer may see', async () => {
    for (const [who, key] of [['public', null], ['hub', hub.adminKey], ['bank', m.bank.key], ['telco', m.telco.key], ['shop', m.shop.key]] as const) {
      expect(nonZero(await get('platform.indicators_by_type', key)), who).toEqual(expectedIndicators(who));
    }
    // The indicator both shared: September for its first contributor, October for the organisation that only sees the later one.
    // (September also has the shop's GREEN URL, shared at 23:59 on 30 September in Tokyo.)
    const url = async (key: string, period: string) => (await get('platform.indicators_by_type', key)).values.find((x) => x.category === 'url' && x.period === period)!.value;
    expect([await url(m.bank.key, '2026-09'), await url(m.bank.key, '2026-10')]).toEqual([2, 2]);
    expect([await url(m.telco.key, '2026-09'), await url(m.telco.key, '2026-10')]).toEqual([1, 3]);
  });

  it('states the month against the same month a year before, as the white papers do', async () => {
    const v = await get('platform.contributions_by_sector', null, 'from=2026-10&to=2026-10');
    const total = v.values.find((x) => x.category === 'total' && x.period === '2026-10')!;
    const oct = expectedContributions('public').get('total|2026-10')!;
    const before = expectedContributions('public').get('total|2025-10')!;
    expect(total.change).toMatchObject({ previous_period: '2025-10', previous: before, difference: oct - before });
    expect(total.text.en).toBe(`${oct} contributions, ${oct - before} (${(((oct - before) / before) * 100).toFixed(1)}%) more than the same period of the year before`);
    expect(v.periods).toEqual(['2026-10']);
  });

  it('defaults to the last twelve months, up to the current one', async () => {
    const res = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/platform.contributions_by_sector' });
    const v = res.json() as SeriesView;
    expect(v.periods[0]).toBe('2025-12');
    expect(v.periods[v.periods.length - 1]).toBe('2026-11');
  });

  it('counts alerts and deliveries of the viewer\'s own organisation; none for the public', async () => {
    const db = hub.app.storage.db;
    const alert = async (org: TestMember, at: string): Promise<number> =>
      Number((await db.insertInto('alerts').values({ org_id: org.org.id, kind: 'asset', title: 't', body: '{}', source: 'test', created_at: new Date(at) }).returning('id').executeTakeFirstOrThrow()).id);
    const deliver = (alertId: number, channel: 'webhook' | 'email', status: 'delivered' | 'dead' | 'pending', at: string) =>
      db.insertInto('outbox').values({ alert_id: alertId, channel, target: 'x', status, delivered_at: status === 'delivered' ? new Date(at) : null, updated_at: new Date(at) }).execute();
    const a1 = await alert(m.bank, '2026-10-03T00:00:00Z');
    const a2 = await alert(m.bank, '2026-10-04T00:00:00Z');
    const a3 = await alert(m.telco, '2026-10-05T00:00:00Z');
    await deliver(a1, 'webhook', 'delivered', '2026-10-03T00:00:01Z');
    await deliver(a1, 'email', 'delivered', '2026-10-31T15:30:00Z'); // 1 November in Tokyo
    await deliver(a2, 'webhook', 'dead', '2026-10-06T00:00:00Z');
    await deliver(a2, 'email', 'pending', '2026-10-06T00:00:00Z');
    await deliver(a3, 'webhook', 'delivered', '2026-10-05T00:00:01Z');
    const counts = async (key: string) => nonZero(await get('platform.alerts_delivered', key, 'from=2026-10&to=2026-11'));
    expect(await counts(m.bank.key)).toEqual(new Map([['raised|2026-10', 2], ['webhook|2026-10', 1], ['email|2026-11', 1], ['dead|2026-10', 1]]));
    expect(await counts(m.telco.key)).toEqual(new Map([['raised|2026-10', 1], ['webhook|2026-10', 1]]));
    expect(await counts(hub.adminKey)).toEqual(new Map([['raised|2026-10', 3], ['webhook|2026-10', 2], ['email|2026-11', 1], ['dead|2026-10', 1]]));
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/platform.alerts_delivered' })).statusCode).toBe(404);
    const publicList = (await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series' })).json().items.map((i: { id: string }) => i.id);
    expect(publicList).toContain('platform.contributions_by_sector');
    expect(publicList).not.toContain('platform.alerts_delivered');
  });

  it('counts takedowns (rate, median time) and account freezes within the actions scope: hub all, a recipient its own', async () => {
    const db = hub.app.storage.db;
    const action = (to: TestMember, kind: string, at: string, o: TestAction) => addAction(db, to, kind, at, o);
    await action(m.bank, 'takedown', '2026-10-02T00:00:00Z', { status: 'done', doneHours: 10 });
    await action(m.bank, 'takedown', '2026-10-05T00:00:00Z', { status: 'done', doneHours: 30 });
    await action(m.bank, 'takedown', '2026-10-08T00:00:00Z', { status: 'refused' });
    await action(m.bank, 'sinkhole', '2026-10-09T00:00:00Z', { status: 'sent' });
    await action(m.bank, 'account_freeze', '2026-10-10T00:00:00Z', { status: 'done', doneHours: 2, frozen: 500_000, recovered: 200_000 });
    await action(m.telco, 'takedown', '2026-10-03T00:00:00Z', { status: 'reappeared', doneHours: 4, reopen: 1 });
    const q = 'from=2026-10&to=2026-10';
    const series = async (id: string, key: string) => nonZero(await get(`platform.${id}`, key, q));
    const oct = (entries: [string, number][]) => new Map(entries.map(([k, v]) => [`${k}|2026-10`, v]));
    expect(await series('takedowns', hub.adminKey)).toEqual(oct([['requested', 5], ['done', 3], ['refused', 1], ['reappeared', 1]]));
    expect(await series('takedown_rate', hub.adminKey)).toEqual(oct([['rate', 60]]));
    expect(await series('takedown_median_hours', hub.adminKey)).toEqual(oct([['median', 10]]));
    expect(await series('account_freezes', hub.adminKey)).toEqual(oct([['requested', 1], ['done', 1]]));
    expect(await series('frozen_amounts', hub.adminKey)).toEqual(oct([['frozen', 500_000], ['recovered', 200_000]]));
    expect(await series('takedowns', m.bank.key)).toEqual(oct([['requested', 4], ['done', 2], ['refused', 1]]));
    expect(await series('takedown_rate', m.bank.key)).toEqual(oct([['rate', 50]]));
    expect(await series('takedown_median_hours', m.bank.key)).toEqual(oct([['median', 20]]));
    expect(await series('takedowns', m.telco.key)).toEqual(oct([['requested', 1], ['done', 1], ['reappeared', 1]]));
    expect(await series('account_freezes', m.telco.key)).toEqual(new Map());
    expect(await series('takedowns', m.shop.key)).toEqual(new Map());
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/platform.takedowns' })).statusCode).toBe(404);
    const rate = (await get('platform.takedown_rate', m.bank.key, q)).values.find((v) => v.category === 'rate')!;
    expect(rate.text.en).toBe('50%');
  });

  it('counts hotline reports by category and the deletion rate by month of request, for hotline operators and hub analysts only', async () => {
    const db = hub.app.storage.db;
    const operator = await makeMember(hub, { name: 'Internet Hotline Center', kind: 'government', role: 'hotline_operator' });
    const to = m.telco;
    const entries: TestEntry[] = [
      { category: 'fraud_phishing', reports: ['2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z'], asked: { at: '2026-10-04T00:00:00Z', to, removed: true } },
      { category: 'fraud_phishing', reports: ['2026-10-05T00:00:00Z'], asked: { at: '2026-10-06T00:00:00Z', kind: 'forward', to } },
      { category: 'obscenity', reports: ['2026-09-28T00:00:00Z'], asked: { at: '2026-10-01T00:00:00Z', to, removed: true } },
      { category: 'drugs', reports: ['2026-10-10T00:00:00Z'], asked: { at: '2026-10-10T06:00:00Z', kind: 'police_case', to } },
      { category: 'malware', reports: ['2026-10-11T00:00:00Z', '2026-10-31T16:00:00Z'] }, // the second is 1 November in Japan
    ];
    for (const e of entries) await addHotlineEntry(db, e);
    // Counted here from the list: reports by category and JST month; deletion requests and forwards by month asked.
    const jstMonth = (t: string) => new Date(Date.parse(t) + 9 * 3600_000).toISOString().slice(0, 7);
    const reports = new Map<string, number>();
    for (const e of entries) for (const t of e.reports) for (const k of [e.category, 'total']) reports.set(`${k}|${jstMonth(t)}`, (reports.get(`${k}|${jstMonth(t)}`) ?? 0) + 1);
    const asked = entries.filter((e) => e.asked && e.asked.kind !== 'police_case');
    const rate = (es: TestEntry[]) => Math.round((es.filter((e) => e.asked!.removed).length / es.length) * 1000) / 10;
    const q = 'from=2026-09&to=2026-11';
    for (const key of [hub.adminKey, operator.key]) {
      expect(nonZero(await get('platform.hotline_reports', key, q))).toEqual(reports);
      expect(nonZero(await get('platform.hotline_removals', key, q))).toEqual(new Map([['requested|2026-10', asked.length], ['removed|2026-10', asked.filter((e) => e.asked!.removed).length]]));
      const rates = await get('platform.hotline_deletion_rate', key, q);
      expect(nonZero(rates)).toEqual(new Map([['fraud_phishing|2026-10', rate(asked.filter((e) => e.category === 'fraud_phishing'))], ['obscenity|2026-10', 100], ['all|2026-10', rate(asked)]]));
      expect(rates.values.find((v) => v.category === 'all')!.text.en).toBe('66.7%');
    }
    // Over a span as one period: the same entries, one rate.
    const whole = await hub.app.stats.series.whole((await hub.app.auth.authenticate(operator.key))!, 'platform.hotline_deletion_rate', { from: '2026-09', to: '2026-11' });
    expect(whole.get('all')).toBe(rate(asked));
    for (const key of [m.bank.key, null]) {
      const res = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/platform.hotline_reports', headers: key ? as(key) : {} });
      expect(res.statusCode).toBe(404);
    }
  });

  it('counts sensor accesses per sensor per day over the sensors each viewer may see', async () => {
    const db = hub.app.storage.db;
    const bankSensor = await registerSensor(hub, m.bank.key, { label: 'bank-tokyo', share_tlp: 'amber' }); // the bank and the hub
    const telcoSensor = await registerSensor(hub, m.telco.key, { label: 'telco-osaka', share_tlp: 'green' }); // members with an NDA
    const days = [
      { sensor: bankSensor.id, day: '2026-10-01', packets: 100 },
      { sensor: bankSensor.id, day: '2026-10-02', packets: 50 },
      { sensor: telcoSensor.id, day: '2026-10-01', packets: 7 },
    ];
    await new Partitions(db).ensure('day', days.map((d) => Date.parse(`${d.day}T00:00:00Z`)));
    for (const d of days) await db.insertInto('sensor_stats_day').values({ sensor_id: d.sensor, bucket: new Date(`${d.day}T00:00:00Z`), packets: d.packets, bytes: d.packets * 60, unique_sources: 1 }).execute();
    // Counted here: per sensor label and day, and the total, over the sensors a viewer sees.
    const expected = (sees: (id: string) => boolean) => {
      const out = new Map<string, number>();
      for (const d of days.filter((x) => sees(x.sensor))) {
        const label = d.sensor === bankSensor.id ? 'bank-tokyo' : 'telco-osaka';
        out.set(`${label}|${d.day}`, d.packets);
        out.set(`total|${d.day}`, (out.get(`total|${d.day}`) ?? 0) + d.packets);
      }
      return out;
    };
    const q = 'from=2026-10-01&to=2026-10-03';
    expect(nonZero(await get('platform.sensor_accesses', hub.adminKey, q))).toEqual(expected(() => true));
    expect(nonZero(await get('platform.sensor_accesses', m.bank.key, q))).toEqual(expected(() => true));
    expect(nonZero(await get('platform.sensor_accesses', m.telco.key, q))).toEqual(expected((id) => id === telcoSensor.id));
    expect(nonZero(await get('platform.sensor_accesses', m.shop.key, q))).toEqual(new Map());
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/stats/series/platform.sensor_accesses?${q}` })).statusCode).toBe(404);
  });

  it('exports a platform series as CSV in the import format, and charts it as SVG', async () => {
    const csv = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/platform.contributions_by_sector?format=csv&from=2026-10&to=2026-10' });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('series,unit,title_en,title_ja,category,parent,category_en,category_ja,aggregate,period,value,source,note_en,note_ja');
    expect(lines.find((l) => l.includes(',total,') && l.includes('2026-10'))).toContain(`,${expectedContributions('public').get('total|2026-10')},`);
    const svg = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/series/platform.contributions_by_sector/chart.svg?lang=ja' });
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.body).toContain('業種別・月別の情報提供件数');
    expect(svg.body).toContain('<polyline');
  });
});
