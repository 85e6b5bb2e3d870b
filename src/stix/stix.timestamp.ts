// STIX 2.1 section 3.2: RFC 3339 in UTC with a literal "Z", fractional seconds optional.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;
const MILLIS = /\.\d{3,}Z$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Milliseconds since the epoch (fraction kept) of a STIX timestamp, or undefined when it is not one.
 * @example timestampValue('2016-04-06T20:03:48.123Z') // 1459973028123
 */
export function timestampValue(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // Second 60 is a leap second: RFC 3339 allows it, and it sorts just after second 59.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second) + fraction;
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
