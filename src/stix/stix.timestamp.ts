// STIX 2.1 section 3.2: RFC 3339 in UTC with a literal "Z", fractional seconds optional:
// YYYY-MM-DDTHH:MM:SS[.s{1,9}]Z, read character by character below (a regex and a Date per value were a
// tenth of a bundle's validation, issue 17).
const MILLIS = /\.\d{3,}Z$/;
const ZERO = 48;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// The number written by `n` ASCII digits of `s` from `at`, or -1 when one of them is not a digit.
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function parseTimestamp(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || minute < 0 || second < 0) return undefined;
  let fraction = 0;
  if (n !== 20) {
    // A fraction of 1 to 9 digits after a dot.
    const digits = n - 21;
    if (text[19] !== '.' || digits < 1 || digits > 9 || digitsAt(text, 20, digits) < 0) return undefined;
    fraction = Number(`0.${text.slice(20, n - 1)}`) * 1000;
  }
  if (day > 28 && day > daysInMonth(year, month)) return undefined;
  // Second 60 is a leap second: RFC 3339 allows it, and it sorts just after second 59.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) + fraction;
}

// Feeds repeat a few timestamps (created = modified = valid_from): the last values read are kept.
const known = new Map<string, number | undefined>();
const KNOWN_MAX = 1024;

/**
 * Milliseconds since the epoch (fraction kept) of a STIX timestamp, or undefined when it is not one.
 * @example timestampValue('2016-04-06T20:03:48.123Z') // 1459973028123
 */
export function timestampValue(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const hit = known.get(text);
  if (hit !== undefined || known.has(text)) return hit;
  const v = parseTimestamp(text);
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(text, v);
  return v;
}

/** Why a value is not a valid STIX timestamp, or undefined when it is one. */
export function timestampProblem(text: unknown, needMillis = false): string | undefined {
  if (typeof text !== 'string') return `must be a timestamp string, got ${typeof text}`;
  if (timestampValue(text) === undefined) return `"${clip(text)}" is not an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z)`;
  if (needMillis && !MILLIS.test(text)) return `"${text}" must be precise to the millisecond (.sssZ)`;
  return undefined;
}

/**
 * A timestamp written with at least millisecond precision, as `created` and `modified` require.
 * @example withMillis('2021-08-24T10:53:28Z') // '2021-08-24T10:53:28.000Z'
 */
export function withMillis(text: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) return text;
  const fraction = (m[2] ?? '').padEnd(3, '0');
  return `${m[1]}.${fraction}Z`;
}

/** A value shortened for an error message, so hostile input is never echoed at length. */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
