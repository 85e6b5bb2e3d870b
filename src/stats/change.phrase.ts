import { parsePeriod } from './period.ts';

// Year-over-year change as the police white papers state it:
//   en  "8,096 cases, 191 (2.4%) more than the year before"
//   ja  "8,096件（前年より191件（2.4%）増加）"
// Half-years, months and days compare with the same period of the year before (前年同期).

/** Languages reports and phrases come in. */
export type Lang = 'en' | 'ja';

/** A value beside the same period one year earlier. */
export interface Change {
  readonly previousPeriod: string;
  readonly previous: number;
  readonly difference: number;
  /** Percentage of the previous value, one decimal; null when the previous value is 0. */
  readonly percent: number | null;
}

interface UnitWords {
  readonly en: string;
  readonly enOne: string;
  readonly ja: string;
  /** Counted things ("fewer") rather than amounts ("less"). */
  readonly count: boolean;
}

const UNITS: Readonly<Record<string, UnitWords>> = {
  cases: { en: 'cases', enOne: 'case', ja: '件', count: true },
  persons: { en: 'persons', enOne: 'person', ja: '人', count: true },
  items: { en: 'items', enOne: 'item', ja: '件', count: true },
  groups: { en: 'groups', enOne: 'group', ja: '団体', count: true },
  organisations: { en: 'organisations', enOne: 'organisation', ja: '団体', count: true },
  countries: { en: 'countries and regions', enOne: 'country or region', ja: 'か国・地域', count: true },
  contributions: { en: 'contributions', enOne: 'contribution', ja: '件', count: true },
  indicators: { en: 'indicators', enOne: 'indicator', ja: '件', count: true },
  alerts: { en: 'alerts', enOne: 'alert', ja: '件', count: true },
  accesses: { en: 'accesses', enOne: 'access', ja: '件', count: true },
  reports: { en: 'reports', enOne: 'report', ja: '件', count: true },
  actions: { en: 'requests', enOne: 'request', ja: '件', count: true },
  hours: { en: 'hours', enOne: 'hour', ja: '時間', count: false },
  seconds: { en: 'seconds', enOne: 'second', ja: '秒', count: false },
  JPY: { en: 'yen', enOne: 'yen', ja: '円', count: false },
  percent: { en: '%', enOne: '%', ja: '%', count: false },
};

/**
 * The change of a value against the same period one year earlier.
 * @example yearOverYear(8096, 7905, '2014') // { difference: 191, percent: 2.4, … }
 */
export function yearOverYear(value: number, previous: number, previousPeriod: string): Change {
  const difference = round(value - previous, 6);
  const percent = previous === 0 ? null : Math.round((Math.abs(difference) / Math.abs(previous)) * 1000) / 10;
  return { previousPeriod, previous, difference, percent };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A number with thousands separators, as both languages print it ("8,096"). */
export function formatNumber(n: number): string {
  return NUMBER.format(n);
}

// toLocaleString with options builds an Intl.NumberFormat on every call (~40 µs); one formatter serves all.
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Yen in the Japanese way: 3073000000 → "30億7,300万". */
export function formatManOku(n: number): string {
  const sign = n < 0 ? '-' : '';
  let a = Math.round(Math.abs(n));
  if (a < 10_000) return sign + formatNumber(a);
  const oku = Math.floor(a / 100_000_000);
  a -= oku * 100_000_000;
  const man = Math.floor(a / 10_000);
  const rest = a - man * 10_000;
  return sign + (oku ? `${formatNumber(oku)}億` : '') + (man ? `${formatNumber(man)}万` : '') + (rest ? formatNumber(rest) : '');
}

/**
 * A value with its unit ("8,096 cases", "8,096件", "30億7,300万円").
 * @example withUnit(8096, 'cases', 'ja') // '8,096件'
 */
export function withUnit(value: number, unit: string, lang: Lang): string {
  const u = UNITS[unit];
  if (lang === 'ja') {
    if (unit === 'JPY') return `${formatManOku(value)}円`;
    return u ? `${formatNumber(value)}${u.ja}` : `${formatNumber(value)} ${unit}`;
  }
  if (!u) return `${formatNumber(value)} ${unit}`;
  if (unit === 'percent') return `${formatNumber(value)}%`;
  return `${formatNumber(value)} ${Math.abs(value) === 1 ? u.enOne : u.en}`;
}

function samePeriodWords(period: string, lang: Lang): string {
  const kind = parsePeriod(period)?.kind;
  const year = kind === 'year' || kind === 'fiscal_year' || kind === undefined;
  if (lang === 'ja') return kind === 'fiscal_year' ? '前年度' : year ? '前年' : '前年同期';
  return kind === 'fiscal_year' ? 'the fiscal year before' : year ? 'the year before' : 'the same period of the year before';
}

/**
 * The white-paper sentence for a value and its change (the change's own period words).
 * @example phraseChange(8096, 'cases', '2015', yearOverYear(8096, 7905, '2014'), 'en')
 * // '8,096 cases, 191 (2.4%) more than the year before'
 */
export function phraseChange(value: number, unit: string, period: string, change: Change | null, lang: Lang): string {
  const head = withUnit(value, unit, lang);
  if (!change) return head;
  const than = samePeriodWords(period, lang);
  const diff = Math.abs(change.difference);
  // Percentages with one decimal, as the white papers print them ("25.0%").
  const pct = change.percent === null ? '' : `${change.percent.toFixed(1)}%`;
  if (lang === 'ja') {
    if (change.difference === 0) return `${head}（${than}と同じ）`;
    if (unit === 'percent') return `${head}（${than}より${diff.toFixed(1)}ポイント${change.difference > 0 ? '上昇' : '低下'}）`;
    const amount = unit === 'JPY' ? `${formatManOku(diff)}円` : UNITS[unit] ? `${formatNumber(diff)}${UNITS[unit].ja}` : formatNumber(diff);
    return `${head}（${than}より${amount}${pct ? `（${pct}）` : ''}${change.difference > 0 ? '増加' : '減少'}）`;
  }
  if (change.difference === 0) return `${head}, unchanged from ${than}`;
  // A share changes by percentage points, not by a percentage of itself.
  if (unit === 'percent') return `${head}, ${diff.toFixed(1)} points ${change.difference > 0 ? 'higher' : 'lower'} than ${than}`;
  const words = change.difference > 0 ? 'more' : UNITS[unit]?.count === false ? 'less' : 'fewer';
  return `${head}, ${formatNumber(diff)}${pct ? ` (${pct})` : ''} ${words} than ${than}`;
}
