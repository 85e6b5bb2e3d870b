const DATE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2}| ?UTC| ?JST)?$/i;
const JAPANESE = /^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:時](\d{2})分?(?:(\d{2})秒?)?)?$/;

function offsetMinutes(zone: string): number {
  const z = zone.trim().toUpperCase();
  if (z === 'Z' || z === 'UTC') return 0;
  if (z === 'JST') return 540;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * An ISO 8601 UTC timestamp from a date as written in feeds and spreadsheets ("2019/01/04 10:12:00",
 * "2024-12-02", "2024-12-02T01:36:00Z", "2024年12月2日", Unix seconds or milliseconds); a time
 * without a zone is read at `utcOffset` (e.g. "+09:00"). Undefined when not a date.
 * @example parseDate('2019/01/04 10:12:00', '+09:00') // '2019-01-04T01:12:00.000Z'
 */
export function parseDate(text: string, utcOffset: string): string | undefined {
  const t = text.trim();
  if (/^\d{10}(?:\d{3})?$/.test(t)) return new Date(t.length === 10 ? Number(t) * 1000 : Number(t)).toISOString();
  const m = DATE.exec(t) ?? JAPANESE.exec(t);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7).map((x) => x ?? '0');
  const frac = m.length > 8 && m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const zone = m.length > 8 ? (m[8] ?? utcOffset) : utcOffset;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), frac) - offsetMinutes(zone) * 60_000;
  const date = new Date(ms);
  return Number.isNaN(ms) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999 ? undefined : date.toISOString();
}
