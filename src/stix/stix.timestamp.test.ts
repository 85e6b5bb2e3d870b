import { describe, expect, it } from 'vitest';
import { timestampProblem, timestampValue } from './stix.timestamp.ts';

// The definition the fast reader must agree with: the RFC 3339 UTC pattern and calendar checks.
function reference(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (m[7] ? Number(`0.${m[7]}`) * 1000 : 0);
}

describe('timestampValue', () => {
  const cases = [
    '2016-04-06T20:03:48.123Z', '2016-04-06T20:03:48Z', '2016-04-06T20:03:48.1Z', '2016-04-06T20:03:48.123456789Z',
    '2016-04-06T20:03:48.1234567890Z', '2016-04-06T20:03:48.Z', '2016-04-06T20:03:48.12aZ', '2016-04-06T20:03:48.123',
    '2016-04-06 20:03:48Z', '2016-4-06T20:03:48Z', '2016-04-06T20:03:48+00:00', '2016-04-06t20:03:48Z', '2016-04-06T20:03:48z',
    '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '0000-01-01T00:00:00Z',
    '0099-02-29T00:00:00Z', '2016-13-01T00:00:00Z', '2016-00-01T00:00:00Z', '2016-04-00T00:00:00Z', '2016-04-31T00:00:00Z',
    '2016-12-31T23:59:60Z', '2016-12-31T23:59:61Z', '2016-12-31T24:00:00Z', '2016-12-31T23:60:00Z', '+016-04-06T20:03:48Z',
    '2016-04-06T20:03:4-Z', '-2016-04-06T20:03:48Z', '２016-04-06T20:03:48Z', '', 'Z', '2016-04-06T20:03:48.000000000000000000Z',
  ];
  it('reads exactly what the RFC 3339 UTC pattern and the calendar allow', () => {
    for (const c of cases) expect(timestampValue(c), c).toBe(reference(c));
    for (const c of [undefined, null, 12, {}, ['2016-04-06T20:03:48Z']]) expect(timestampValue(c)).toBeUndefined();
  });

  it('agrees with the pattern on many altered timestamps, read twice (the second from its memory)', () => {
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const alphabet = '0123456789-:TZ.+ ';
    for (let i = 0; i < 20000; i++) {
      const chars = [...cases[rand(cases.length)]!];
      for (let k = rand(3); k >= 0; k--) chars[rand(chars.length + 1)] = alphabet[rand(alphabet.length)]!;
      const text = chars.join('');
      expect(timestampValue(text), text).toBe(reference(text));
      expect(timestampValue(text), text).toBe(reference(text));
    }
  });

  it('says why a value is not one', () => {
    expect(timestampProblem('2016-04-31T00:00:00Z')).toMatch(/not an RFC 3339 UTC timestamp/);
    expect(timestampProblem('2016-04-06T20:03:48Z', true)).toMatch(/precise to the millisecond/);
    expect(timestampProblem('2016-04-06T20:03:48.123Z', true)).toBeUndefined();
    expect(timestampProblem(5)).toMatch(/got number/);
  });
});
