import { normalizeIpv6 } from '../../observables/ipv6.normalize.ts';
import { KIND, KIND_NAMES, flagsOfLetters, protoOfName, type EventKind, type SensorEvent } from './sensor-event.ts';

// Field rules shared by the fast byte scanner and the JSON.parse path, so both say the same things.

/** Longest honeypot text kept (a command, a URL, a password); longer ones are cut. */
export const MAX_TEXT = 2048;

/**
 * Epoch milliseconds of an event time given as a number: seconds (with a fraction) or, above 1e11,
 * milliseconds; NaN when not finite.
 */
export function timeOfNumber(n: number): number {
  if (!Number.isFinite(n) || n < 0) return NaN;
  return n > 1e11 ? n : n * 1000;
}

/** Days since 1970-01-01 of a civil date (proleptic Gregorian). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : -1;
}

function two(b: Uint8Array, at: number): number {
  const a = digit(b[at]!);
  const c = digit(b[at + 1]!);
  return a < 0 || c < 0 ? -1 : a * 10 + c;
}

// The date, hour and minute of a time in ms (the first 16 bytes, "YYYY-MM-DDTHH:MM"), NaN when invalid.
function isoMinuteOfBytes(b: Uint8Array, s: number): number {
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const d = digit(b[s + i]!);
    if (d < 0) return NaN;
    y = y * 10 + d;
  }
  if (b[s + 4] !== 45 || b[s + 7] !== 45 || (b[s + 10] !== 84 && b[s + 10] !== 32 && b[s + 10] !== 116) || b[s + 13] !== 58) return NaN;
  const mo = two(b, s + 5);
  const d = two(b, s + 8);
  const h = two(b, s + 11);
  const mi = two(b, s + 14);
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]! || h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return NaN;
  return (daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

/** Where a scan of bytes stopped. */
export interface ScanEnd {
  end: number;
}

// The rest of a time after its minute (":SS", a fraction, a zone) from b[s + 16], read no further than
// `limit`; `at.end` is where the time stopped (the caller checks what follows).
function isoRest(b: Uint8Array, s: number, limit: number, minute: number, at: ScanEnd): number {
  if (b[s + 16] !== 58) return NaN;
  const se = two(b, s + 17);
  if (se < 0 || se > 60) return NaN;
  let i = s + 19;
  let ms = 0;
  if (i < limit && b[i] === 46) {
    i++;
    let scale = 100;
    const start = i;
    while (i < limit && digit(b[i]!) >= 0) {
      ms += digit(b[i]!) * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return NaN;
  }
  let offset = 0;
  if (i < limit) {
    const c = b[i]!;
    if (c === 90 || c === 122) i++;
    else if (c === 43 || c === 45) {
      const oh = two(b, i + 1);
      const colon = b[i + 3] === 58 ? 1 : 0;
      const om = two(b, i + 3 + colon);
      if (oh < 0 || om < 0 || oh > 23 || om > 59) return NaN;
      offset = (c === 43 ? 1 : -1) * (oh * 60 + om) * 60_000;
      i += 5 + colon;
    }
  }
  at.end = i;
  return minute + se * 1000 + Math.round(ms) - offset;
}

const SCRATCH: ScanEnd = { end: 0 };

function isoRestOfBytes(b: Uint8Array, s: number, e: number, minute: number): number {
  const t = isoRest(b, s, e, minute, SCRATCH);
  return SCRATCH.end === e ? t : NaN;
}

/**
 * Epoch milliseconds of an ISO 8601 date-time in bytes `b[s..e)`: `YYYY-MM-DDTHH:MM:SS[.fff…]`
 * followed by `Z`, `±HH:MM`, `±HHMM` or nothing (UTC); a space may stand for the `T`. NaN otherwise.
 * Read without building a string: sensors send a million of these a second.
 */
export function isoTimeOfBytes(b: Uint8Array, s: number, e: number): number {
  if (e - s < 19) return NaN;
  const minute = isoMinuteOfBytes(b, s);
  return Number.isNaN(minute) ? NaN : isoRestOfBytes(b, s, e, minute);
}

/** The last minute a reader parsed ("YYYY-MM-DDTHH:MM" and its ms): lines of a batch mostly share it. */
export interface TimeCache extends ScanEnd {
  readonly prefix: Uint8Array;
  minute: number;
}

/** An empty time cache. */
export function newTimeCache(): TimeCache {
  return { prefix: new Uint8Array(16), minute: NaN, end: 0 };
}

// The minute of the time at b[s], from the cache when its first 16 bytes repeat the last ones.
function cachedMinute(b: Uint8Array, s: number, c: TimeCache): number {
  const p = c.prefix;
  let i = 15;
  if (!Number.isNaN(c.minute)) while (i >= 0 && b[s + i] === p[i]) i--;
  if (i >= 0) {
    const minute = isoMinuteOfBytes(b, s);
    if (Number.isNaN(minute)) return NaN;
    for (let k = 0; k < 16; k++) p[k] = b[s + k]!;
    c.minute = minute;
  }
  return c.minute;
}

/** isoTimeOfBytes, the date and minute taken from the cache when the bytes repeat the last ones. */
export function isoTimeCached(b: Uint8Array, s: number, e: number, c: TimeCache): number {
  if (e - s < 19) return NaN;
  const minute = cachedMinute(b, s, c);
  return Number.isNaN(minute) ? NaN : isoRestOfBytes(b, s, e, minute);
}

/**
 * The time of a JSON string's text starting at b[s], in one pass: NaN unless it is a time (as
 * isoTimeCached reads them) closed by a quote, whose index is then `c.end`. A NaN is no verdict: the
 * caller reads the string the general way (escapes, errors).
 */
export function isoTimeQuoted(b: Uint8Array, s: number, c: TimeCache): number {
  const minute = cachedMinute(b, s, c);
  if (Number.isNaN(minute)) return NaN;
  const t = isoRest(b, s, b.length, minute, c);
  return b[c.end] === 34 ? t : NaN;
}

/** Epoch milliseconds of an ISO 8601 date-time string (same rules as isoTimeOfBytes). */
export function isoTimeOfString(text: string): number {
  return text.length > 64 ? NaN : isoTimeOfBytes(Buffer.from(text, 'latin1'), 0, text.length);
}

/**
 * The IPv4 number of a strict dotted quad in bytes `b[s..e)`: -2 when the text is not IPv4 syntax at all
 * (maybe IPv6), -1 when it looks like IPv4 but is not valid (octet over 255, leading zero, …).
 */
export function ipv4OfBytes(b: Uint8Array, s: number, e: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  let lead = false;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      if (digits === 0 && c === 48) lead = true;
      else if (lead) return -1;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
      lead = false;
    } else return parts === 0 && digits <= 4 ? -2 : -1;
  }
  if (parts !== 3 || digits === 0) return parts === 0 ? -2 : -1;
  return value * 256 + octet;
}

/**
 * The IPv4 number of a JSON string's text starting at b[s], in one pass: a strict dotted quad closed by
 * a quote (whose index is then `at.end`), else -1 and the caller reads the string the general way.
 */
export function ipv4Quoted(b: Uint8Array, s: number, at: ScanEnd): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = s; ; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // a leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46 && digits !== 0 && parts < 3) {
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else {
      if (c !== 34 || parts !== 3 || digits === 0) return -1;
      at.end = i;
      return value * 256 + octet;
    }
  }
}

/**
 * Sets an address from text on the event (`src` or `dst`): IPv4 as a number, IPv6 canonical, an
 * IPv4-mapped IPv6 address as IPv4. Answers an error reason, or null.
 */
export function setAddress(e: SensorEvent, which: 'src' | 'dst', text: string): string | null {
  let v4 = -1;
  let v6: string | null = null;
  if (!text.includes(':')) v4 = text.length > 15 ? -1 : ipv4OfBytes(Buffer.from(text, 'latin1'), 0, text.length);
  else if (text.length <= 60) {
    try {
      v6 = normalizeIpv6(text);
      if (v6.includes('/')) return `${which}_ip: a range, not an address`;
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
      if (mapped) {
        v4 = ipv4OfBytes(Buffer.from(mapped[1]!, 'latin1'), 0, mapped[1]!.length);
        v6 = null;
      }
    } catch {
      v6 = null;
    }
  }
  if (v4 < 0 && v6 === null) return `${which}_ip: "${text.slice(0, 60)}" is not an IP address`;
  if (which === 'src') {
    e.src4 = v4 < 0 ? -1 : v4;
    e.src6 = v6;
  } else {
    e.dst4 = v4 < 0 ? -1 : v4;
    e.dst6 = v6;
  }
  return null;
}

/** A port from a JSON value, or an error reason. */
export function portOf(field: string, v: unknown): number | string {
  if (typeof v === 'string' && /^\d{1,5}$/.test(v)) v = Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) return `${field}: must be a port number 0-65535`;
  return v;
}

/** The event kind of an `event` value, or -1. */
export function kindOfName(name: string): EventKind | -1 {
  const i = KIND_NAMES.indexOf(name);
  return i < 0 ? -1 : (i as EventKind);
}

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  return v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
}

/**
 * Fills an event from a parsed JSON object in Kessetsu's sensor format; answers an error reason or null.
 * Unknown fields are ignored (sensors add their own).
 */
export function eventFromObject(o: Record<string, unknown>, e: SensorEvent): string | null {
  const t = o.time ?? o.timestamp;
  if (typeof t === 'number') e.time = timeOfNumber(t);
  else if (typeof t === 'string') e.time = isoTimeOfString(t);
  else if (t !== undefined) return 'time: must be an ISO 8601 date-time or epoch seconds';
  if (t !== undefined && Number.isNaN(e.time)) return 'time: not an ISO 8601 date-time or epoch seconds';
  for (const which of ['src', 'dst'] as const) {
    const ip = o[`${which}_ip`];
    if (ip === undefined || ip === null) continue;
    if (typeof ip !== 'string') return `${which}_ip: must be a string`;
    const err = setAddress(e, which, ip);
    if (err) return err;
  }
  for (const [field, key] of [['src_port', 'srcPort'], ['dst_port', 'dstPort']] as const) {
    const v = o[field];
    if (v === undefined || v === null) continue;
    const p = portOf(field, v);
    if (typeof p === 'string') return p;
    e[key] = p;
  }
  const proto = o.protocol;
  if (proto !== undefined && proto !== null) {
    e.proto = typeof proto === 'number' && Number.isInteger(proto) && proto >= 0 && proto <= 255 ? proto : typeof proto === 'string' ? protoOfName(proto) : -1;
    if (e.proto < 0) return `protocol: unknown protocol ${JSON.stringify(proto).slice(0, 30)}`;
  }
  const flags = o.tcp_flags;
  if (flags !== undefined && flags !== null) {
    e.flags = typeof flags === 'number' && Number.isInteger(flags) && flags >= 0 && flags <= 255 ? flags : typeof flags === 'string' ? flagsOfLetters(flags) : -1;
    if (e.flags < 0) return 'tcp_flags: letters of F S R P A U E C, or a number 0-255';
  }
  for (const [field, key, max] of [['size', 'size', 1 << 30], ['icmp_type', 'icmpType', 255], ['icmp_code', 'icmpCode', 255]] as const) {
    const v = o[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) return `${field}: must be an integer 0-${max}`;
    e[key] = v;
  }
  if (o.event !== undefined) {
    const k = typeof o.event === 'string' ? kindOfName(o.event) : -1;
    if (k === -1) return `event: one of ${KIND_NAMES.join(', ')}`;
    e.kind = k;
  }
  e.session = text(o.session);
  e.username = text(o.username);
  e.password = text(o.password);
  e.command = text(o.command);
  e.url = text(o.url);
  e.sha256 = text(o.sha256 ?? o.shasum);
  if (typeof o.success === 'boolean') e.success = o.success;
  return null;
}

/** The last checks of a filled event: answers an error reason, or null when it can be counted. */
export function checkEvent(e: SensorEvent): string | null {
  if (Number.isNaN(e.time)) return 'time: missing';
  if (e.src4 < 0 && e.src6 === null) return 'src_ip: missing';
  if (e.kind === KIND.download && e.url === null && e.sha256 === null) return 'a download needs url or sha256';
  return null;
}
