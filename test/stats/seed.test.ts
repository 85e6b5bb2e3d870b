import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSeed, loadSeedFiles, seedDir } from '../../src/stats/seed.loader.ts';
import type { SeriesView } from '../../src/stats/series.view.ts';
import { startHub, type TestHub } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';

// The seeded series against the published tables as ../shared/data/stats transcribes them: every
// figure, the sums the tables promise (and the one quirk they print), and the changes the text states.

type Row = Record<string, string>;
const read = (file: string): Row[] => parse(readFileSync(sharedData('stats', file), 'utf8'), { columns: true }) as Row[];

async function series(hub: TestHub, id: string): Promise<SeriesView> {
  const res = await hub.server.inject({ method: 'GET', url: `/api/v1/stats/series/${id}` }); // public: no key
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const value = (v: SeriesView, category: string, period: string): number | undefined => v.values.find((x) => x.category === category && x.period === period)?.value;

describeStorage('statistics: seeded published tables', (backend) => {
  let hub: TestHub;
  const shared = hasSharedData();
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_REPORT_INTERVAL_MINUTES: '0' });
  });
  afterAll(async () => hub?.close());

  it.runIf(shared)('holds every figure of the two tables, with the hierarchy and labels as printed', async () => {
    for (const [file, id] of [['cybercrime-arrests-2011-2015.csv', 'cybercrime_arrests'], ['unauthorized-access-methods-2014-2015.csv', 'unauthorized_access_methods']] as const) {
      const rows = read(file);
      const v = await series(hub, id);
      expect(v.kind).toBe('published');
      expect(v.source).toMatch(/White Paper on Police 2016/);
      const years = Object.keys(rows[0]!).filter((k) => /^\d{4}$/.test(k));
      for (const r of rows) {
        const cat = v.categories.find((c) => c.key === r.category_id);
        expect(cat, `${id} ${r.category_id}`).toMatchObject({ parent: r.parent_id || null, label: { en: r.category_en, ja: r.category_ja } });
        for (const y of years) expect(value(v, r.category_id!, y), `${id} ${r.category_id} ${y}`).toBe(Number(r[y]));
      }
      expect(v.values).toHaveLength(rows.length * years.length);
    }
  });

  it.runIf(shared)('holds every key figure with its unit', async () => {
    for (const r of read('key-figures.csv')) {
      const v = await series(hub, r.series!);
      expect(v.unit).toBe(r.unit);
      expect(value(v, 'total', r.period!), `${r.series} ${r.period}`).toBe(Number(r.value));
      expect(v.values.find((x) => x.period === r.period)!.note).toEqual({ en: r.note_en, ja: r.note_ja });
    }
  });

  it.runIf(shared)('totals equal the sum of their categories where the tables say so; the printed quirk is kept', async () => {
    const arrests = read('cybercrime-arrests-2011-2015.csv');
    const at = (id: string, y: string): number => Number(arrests.find((r) => r.category_id === id)![y]);
    const childrenOf = (id: string): string[] => arrests.filter((r) => r.parent_id === id).map((r) => r.category_id!);
    const v = await series(hub, 'cybercrime_arrests');
    for (const y of ['2011', '2012', '2013', '2014', '2015']) {
      // Counted here from the shared table, and compared with the hub's values and its own checks.
      const sum = childrenOf('total').reduce((a, k) => a + at(k, y), 0);
      expect(sum).toBe(at('total', y));
      expect(childrenOf('total').reduce((a, k) => a + value(v, k, y)!, 0)).toBe(value(v, 'total', y));
      const networkParts = childrenOf('network_use').reduce((a, k) => a + at(k, y), 0);
      expect(networkParts - at('network_use', y)).toBe(y === '2015' ? 0 : at('intimidation', y));
      expect(at('auction_fraud', y)).toBeLessThanOrEqual(at('fraud', y));
    }
    expect(v.checks.filter((c) => c.rule === 'sum')).toHaveLength(5);
    expect(v.checks.every((c) => c.ok)).toBe(true);
    expect(v.values.find((x) => x.category === 'network_use' && x.period === '2013')!.note.en).toMatch(/intimidation/);

    const methods = read('unauthorized-access-methods-2014-2015.csv');
    const m = await series(hub, 'unauthorized_access_methods');
    for (const y of ['2014', '2015']) {
      for (const parent of ['total', 'credential_misuse']) {
        const parts = methods.filter((r) => r.parent_id === parent).reduce((a, r) => a + Number(r[y]), 0);
        expect(parts).toBe(Number(methods.find((r) => r.category_id === parent)![y]));
      }
    }
    expect(m.checks.map((c) => [c.category, c.period, c.ok])).toEqual([['total', '2014', true], ['total', '2015', true], ['credential_misuse', '2014', true], ['credential_misuse', '2015', true]]);
  });

  it('reproduces the year-over-year changes the sources state', async () => {
    const stated = parse(readFileSync(path.join(seedDir(), 'stated-changes.csv'), 'utf8'), { columns: true, comment: '#' }) as Row[];
    expect(stated.length).toBeGreaterThanOrEqual(3);
    for (const s of stated) {
      const v = await series(hub, s.series!);
      const x = v.values.find((y) => y.category === s.category && y.period === s.period)!;
      expect(x.value).toBe(Number(s.value));
      expect(x.change!.difference, `${s.series} ${s.period}`).toBe(Number(s.difference));
      if (s.percent) {
        const d = Number(s.percent_decimals);
        expect(Math.round(((x.change!.difference / x.change!.previous) * 100) * 10 ** d) / 10 ** d).toBe(Number(s.percent));
      }
    }
    const total2015 = (await series(hub, 'cybercrime_arrests')).values.find((y) => y.category === 'total' && y.period === '2015')!;
    expect(total2015.text).toEqual({ en: '8,096 cases, 191 (2.4%) more than the year before', ja: '8,096件（前年より191件（2.4%）増加）' });
    expect(total2015.change).toEqual({ previous_period: '2014', previous: 7905, difference: 191, percent: 2.4 });
  });

  it.runIf(shared)('reproduces the share the text states (internet-banking remittance: 74.6% of unauthorised access recognised)', async () => {
    const banking = value(await series(hub, 'unauthorized_access_recognised_banking'), 'total', '2015')!;
    const all = value(await series(hub, 'unauthorized_access_recognised'), 'total', '2015')!;
    expect(Math.round((banking / all) * 1000) / 10).toBe(74.6);
  });

  it('seeds once; a changed seed file replaces its series; an imported series of the same key is left alone', async () => {
    const db = hub.app.storage.db;
    expect(await ensureSeed(db)).toEqual([]);
    const files = loadSeedFiles();
    const changed = files.map((f) => (f.file === 'key-figures.csv' ? { ...f, revision: 'changed' } : f));
    const keys = files.find((f) => f.file === 'key-figures.csv')!.series.map((s) => s.key);
    await db.updateTable('stat_series').set({ origin: 'import', revision: '' }).where('key', '=', 'cyber_volunteer_groups').execute();
    await db.deleteFrom('stat_values').where('series_key', '=', 'cyber_volunteer_groups').where('period', '=', '2022').execute();
    const written = await ensureSeed(db, changed);
    expect(written.sort()).toEqual(keys.filter((k) => k !== 'cyber_volunteer_groups').sort());
    expect((await series(hub, 'cyber_volunteer_groups')).values.map((x) => x.period)).toEqual(['2015']);
    await db.deleteFrom('stat_series').where('key', '=', 'cyber_volunteer_groups').execute();
    // Back to the shipped files: every key-figure series is rewritten (revision 'changed' is not theirs), the deleted one too.
    expect((await ensureSeed(db)).sort()).toEqual([...keys].sort());
    expect((await series(hub, 'cyber_volunteer_groups')).values.map((x) => x.period)).toEqual(['2015', '2022']);
  });
});
