// Periods of statistic series, as written in CSV files, URLs and the API:
//   2015        calendar year
//   FY2015      Japanese fiscal year, April 2015 to March 2016 (年度)
//   2015H1      half-year (H1 January–June, H2 July–December)
//   2015-10     month
//   2015-10-05  day (sensor accesses per day)
// A period knows its first and last day and the same period one year earlier, for year-over-year change.

/** What kind of span a period is. */
export type PeriodKind = 'year' | 'fiscal_year' | 'half_year' | 'month' | 'day';

/** A parsed period. Dates are calendar days (YYYY-MM-DD), no time zone. */
export interface Period {
  readonly text: string;
  readonly kind: PeriodKind;
  readonly year: number;
  /** First day, YYYY-MM-DD. */
  readonly start: string;
  /** Last day, YYYY-MM-DD. */
  readonly end: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const day = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
const lastDay = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const YEARS = { min: 1900, max: 2200 } as const;

function yearOk(y: number): boolean {
  return Number.isInteger(y) && y >= YEARS.min && y <= YEARS.max;
}

/**
 * Parses a period, or returns null when the text is not one.
 * @example parsePeriod('FY2015') // { kind: 'fiscal_year', start: '2015-04-01', end: '2016-03-31', … }
 */
export function parsePeriod(text: string): Period | null {
  const t = text.trim();
  let m = /^(\d{4})$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    return yearOk(y) ? { text: t, kind: 'year', year: y, start: day(y, 1, 1), end: day(y, 12, 31) } : null;
  }
  m = /^FY(\d{4})$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    return yearOk(y) ? { text: t, kind: 'fiscal_year', year: y, start: day(y, 4, 1), end: day(y + 1, 3, 31) } : null;
  }
  m = /^(\d{4})H([12])$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const h = Number(m[2]);
    if (!yearOk(y)) return null;
    return { text: t, kind: 'half_year', year: y, start: day(y, h === 1 ? 1 : 7, 1), end: h === 1 ? day(y, 6, 30) : day(y, 12, 31) };
  }
  m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (!yearOk(y) || mo < 1 || mo > 12) return null;
    return { text: t, kind: 'month', year: y, start: day(y, mo, 1), end: day(y, mo, lastDay(y, mo)) };
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (!yearOk(y) || mo < 1 || mo > 12 || d < 1 || d > lastDay(y, mo)) return null;
    return { text: t, kind: 'day', year: y, start: t, end: t };
  }
  return null;
}

/**
 * The same period one year earlier (2015 → 2014, FY2015 → FY2014, 2015H1 → 2014H1, 2015-10 → 2014-10).
 * @example previousYear('2015H1') // '2014H1'
 */
export function previousYear(text: string): string | null {
  const p = parsePeriod(text);
  if (!p || p.year <= YEARS.min) return null;
  const y = p.year - 1;
  switch (p.kind) {
    case 'year':
      return pad(y, 4);
    case 'fiscal_year':
      return `FY${pad(y, 4)}`;
    case 'half_year':
      return `${pad(y, 4)}${p.text.slice(4)}`;
    case 'month':
      return `${pad(y, 4)}${p.text.slice(4)}`;
    case 'day':
      // 29 February has no twin the year before.
      return parsePeriod(`${pad(y, 4)}${p.text.slice(4)}`)?.text ?? null;
  }
}

/** Orders periods by first day, then longest first (a year before its first month). */
export function comparePeriods(a: Period, b: Period): number {
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.end === b.end ? 0 : a.end > b.end ? -1 : 1;
}

/** The months from `from` to `to` inclusive (YYYY-MM), at most `max`. */
export function monthsBetween(from: string, to: string, max = 240): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  while (out.length < max) {
    const t = `${pad(y, 4)}-${pad(m)}`;
    if (t > to) break;
    out.push(t);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** The month (YYYY-MM) `n` months before `month`. */
export function monthMinus(month: string, n: number): string {
  const total = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  return `${pad(Math.floor(total / 12), 4)}-${pad((total % 12) + 1)}`;
}

/** The time zone platform series are bucketed in: a Japanese fusion center counts its months in JST. */
export const STATS_TIME_ZONE = 'Asia/Tokyo';

/** The calendar day (YYYY-MM-DD) of an instant in the statistics time zone. */
export function dayInStatsZone(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: STATS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The instant a calendar day starts in the statistics time zone (JST has no daylight saving: UTC+9). */
export function startOfDayInStatsZone(d: string): Date {
  return new Date(`${d}T00:00:00+09:00`);
}
