import { describe, expect, it } from 'vitest';
import { formatManOku, phraseChange, withUnit, yearOverYear } from './change.phrase.ts';
import { parsePeriod, previousYear } from './period.ts';
import { checkSeries } from './series.checks.ts';
import { parseSeriesCsv, seriesToCsv } from './series.csv.ts';

describe('periods', () => {
  it('parses years, fiscal years (April–March), half-years, months and days, and refuses the rest', () => {
    expect(parsePeriod('FY2015')).toMatchObject({ kind: 'fiscal_year', start: '2015-04-01', end: '2016-03-31' });
    expect(parsePeriod('2015H2')).toMatchObject({ kind: 'half_year', start: '2015-07-01', end: '2015-12-31' });
    expect(parsePeriod('2016-02')).toMatchObject({ kind: 'month', end: '2016-02-29' });
    expect(parsePeriod('2015-02-29')).toBeNull();
    for (const bad of ['15', '2015H3', 'FY15', '2015-13', '2015-1', '', 'x2015']) expect(parsePeriod(bad)).toBeNull();
  });
  it('knows the same period one year earlier', () => {
    expect(['2015', 'FY2015', '2015H1', '2015-10', '2016-02-29', '2016-03-01'].map(previousYear)).toEqual(['2014', 'FY2014', '2014H1', '2014-10', null, '2015-03-01']);
  });
});

describe('year-over-year phrasing', () => {
  it('states a change as the white papers do, in English and Japanese', () => {
    const c = yearOverYear(8096, 7905, '2014');
    expect(c).toEqual({ previousPeriod: '2014', previous: 7905, difference: 191, percent: 2.4 });
    expect(phraseChange(8096, 'cases', '2015', c, 'en')).toBe('8,096 cases, 191 (2.4%) more than the year before');
    expect(phraseChange(8096, 'cases', '2015', c, 'ja')).toBe('8,096件（前年より191件（2.4%）増加）');
    expect(phraseChange(951, 'cases', '2015', yearOverYear(951, 1133, '2014'), 'en')).toBe('951 cases, 182 (16.1%) fewer than the year before');
    expect(phraseChange(1472, 'cases', '2015H1', yearOverYear(1472, 216, '2014H1'), 'ja')).toBe('1,472件（前年同期より1,256件（581.5%）増加）');
    expect(phraseChange(3073000000, 'JPY', '2015', yearOverYear(3073000000, 2910000000, '2014'), 'ja')).toBe('30億7,300万円（前年より1億6,300万円（5.6%）増加）');
    expect(phraseChange(5, 'persons', 'FY2015', yearOverYear(5, 0, 'FY2014'), 'en')).toBe('5 persons, 5 more than the fiscal year before');
    expect(phraseChange(7, 'cases', '2015', yearOverYear(7, 7, '2014'), 'ja')).toBe('7件（前年と同じ）');
    expect(phraseChange(0, 'alerts', '2026-10', yearOverYear(0, 0, '2025-10'), 'en')).toBe('0 alerts, unchanged from the same period of the year before');
    expect(withUnit(1, 'alerts', 'en')).toBe('1 alert');
    expect(phraseChange(72.5, 'percent', '2026-10', yearOverYear(72.5, 62.5, '2025-10'), 'en')).toBe('72.5%, 10.0 points higher than the same period of the year before');
    expect(phraseChange(72.5, 'percent', '2026', yearOverYear(72.5, 80, '2025'), 'ja')).toBe('72.5%（前年より7.5ポイント低下）');
    expect(formatManOku(1406000000)).toBe('14億600万');
  });
});

describe('series CSV', () => {
  const head = 'series,unit,category,parent,aggregate,period,value,source\n';
  it('reads a hierarchy and writes it back the same', () => {
    const r = parseSeriesCsv(head + 'a,cases,total,,sum,2015,3,WP\na,,x,total,,2015,1,WP\n# comment\na,,y,total,,2015,2,WP\n');
    expect(r.errors).toEqual([]);
    const s = r.series[0]!;
    expect([...s.categories.values()].map((c) => [c.key, c.parent, c.aggregate])).toEqual([['total', null, 'sum'], ['x', 'total', 'none'], ['y', 'total', 'none']]);
    const again = parseSeriesCsv(seriesToCsv({ ...s, categories: [...s.categories.values()] }));
    expect(again.errors).toEqual([]);
    expect(again.series[0]!.values.map((v) => [v.category, v.value])).toEqual(s.values.map((v) => [v.category, v.value]));
  });
  it('reports every bad line with its number and field, and writes nothing', () => {
    const r = parseSeriesCsv(head + 'a,cases,total,,,2015,1,WP\nB,cases,total,,,2015,1,WP\na,,total,,,2015,2,WP\na,,x,nope,,2015,1,WP\na,,y,total,,20155,1,WP\na,,z,total,,2015,"1,000",WP\na,,w,total,,2015,1,\na,JPY,v,total,,2015,1,WP\n');
    expect(r.series).toEqual([]);
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([[3, 'series'], [4, 'period'], [6, 'period'], [7, 'value'], [8, 'source'], [9, 'unit'], [5, 'parent']]);
    expect(parseSeriesCsv(head + 'a,cases,total,,,2015,1,W\u0000P\n').errors).toEqual([{ line: 2, field: 'source', reason: expect.any(String) }]);
    expect(parseSeriesCsv(head + 'a,cases,total,,,2015,1,WP\n"a,unterminated\n').errors).toEqual([{ line: 3, field: null, reason: expect.stringContaining('not CSV') }]);
  });
  it('refuses unknown columns, a missing required one, and a cycle', () => {
    expect(parseSeriesCsv('series,unit,colour,period,value,source\n').errors[0]).toMatchObject({ line: 1, reason: expect.stringContaining('unknown column') });
    expect(parseSeriesCsv('series,unit,period,value\n').errors[0]).toMatchObject({ line: 1, field: 'source' });
    const cyc = parseSeriesCsv(head + 'a,cases,x,y,,2015,1,WP\na,,y,x,,2015,1,WP\n');
    expect(cyc.errors.map((e) => e.reason)).toContain('category x of series a is its own ancestor');
  });
});

describe('series checks', () => {
  it('finds a total that is not the sum of its parts, and a part larger than its whole', () => {
    const cats = [
      { key: 't', parent: null, aggregate: 'sum' as const },
      { key: 'a', parent: 't', aggregate: 'of_which' as const },
      { key: 'b', parent: 't', aggregate: 'none' as const },
      { key: 'a1', parent: 'a', aggregate: 'none' as const },
    ];
    const vals = [
      { category: 't', period: '2015', value: 5 }, { category: 'a', period: '2015', value: 2 }, { category: 'b', period: '2015', value: 3 }, { category: 'a1', period: '2015', value: 3 },
      { category: 't', period: '2014', value: 9 }, { category: 'a', period: '2014', value: 2 }, { category: 'b', period: '2014', value: 3 },
    ];
    expect(checkSeries(cats, vals).map((c) => [c.category, c.period, c.ok])).toEqual([['t', '2015', true], ['t', '2014', false], ['a', '2015', false]]);
  });
});
