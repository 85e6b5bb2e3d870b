import { checkEvent, eventFromObject, ipv4OfBytes, isoTimeCached, kindOfName, newTimeCache, setAddress, timeOfNumber } from './event-fields.ts';
import { KIND, newEvent, protoOfName, resetEvent, type SensorEvent } from './sensor-event.ts';
import { cowrieRecord, cowrieToEvent, isCowrieObject } from '../readers/cowrie.reader.ts';
import { dionaeaRecord, dionaeaToEvent, isDionaeaObject } from '../readers/dionaea.reader.ts';

// NDJSON sensor events at a million lines a second: flat lines of Kessetsu's format are read straight
// from the bytes (no string, no object per line); anything else on a line (escapes, nested values, a
// raw Cowrie or Dionaea record) goes through JSON.parse and the same field rules.

/** Receives what a reader makes of each line. */
export interface EventSink {
  /** A valid event; the slot is reused after the call returns. */
  event(e: SensorEvent, line: number): void;
  /** A line that could not be taken, numbered from 1. */
  error(line: number, reason: string): void;
}

const F = { time: 1, src: 2, srcPort: 3, dst: 4, dstPort: 5, proto: 6, flags: 7, size: 8, icmpType: 9, icmpCode: 10, event: 11, text: 12, success: 13, slow: 14 } as const;

const KEYS: Readonly<Record<string, number>> = {
  time: F.time,
  timestamp: F.time,
  src_ip: F.src,
  src_port: F.srcPort,
  dst_ip: F.dst,
  dst_port: F.dstPort,
  protocol: F.proto,
  tcp_flags: F.flags,
  size: F.size,
  icmp_type: F.icmpType,
  icmp_code: F.icmpCode,
  event: F.event,
  session: F.text,
  username: F.text,
  password: F.text,
  command: F.text,
  url: F.text,
  sha256: F.text,
  shasum: F.text,
  success: F.success,
  // Raw honeypot records are read by their own readers.
  eventid: F.slow,
  honeypot: F.slow,
  connection: F.slow,
};

// Keys found by a hash of their bytes in a small open table, then compared byte for byte.
const TABLE_BITS = 7;
const TABLE_KEYS: (Uint8Array | undefined)[] = new Array(1 << TABLE_BITS);
const TABLE_FIELDS = new Int32Array(1 << TABLE_BITS);
function keyHash(b: Uint8Array, s: number, e: number): number {
  let h = e - s;
  for (let i = s; i < e; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
  return (h ^ (h >>> 7)) & ((1 << TABLE_BITS) - 1);
}
for (const [k, field] of Object.entries(KEYS)) {
  const bytes = Buffer.from(k, 'latin1');
  let slot = keyHash(bytes, 0, bytes.length);
  while (TABLE_KEYS[slot]) slot = (slot + 1) & ((1 << TABLE_BITS) - 1);
  TABLE_KEYS[slot] = bytes;
  TABLE_FIELDS[slot] = field;
}
function fieldOf(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  for (let slot = keyHash(b, s, e); ; slot = (slot + 1) & ((1 << TABLE_BITS) - 1)) {
    const k = TABLE_KEYS[slot];
    if (k === undefined) return 0;
    if (k.length !== n) continue;
    let i = 0;
    while (i < n && k[i] === b[s + i]) i++;
    if (i === n) return TABLE_FIELDS[slot]!;
  }
}

const SLOW = 1;

// "tcp", "udp", "icmp" without a string; other names through protoOfName.
function protoOfBytes(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  const c0 = b[s]! | 32;
  if (n === 3 && (b[s + 2]! | 32) === 0x70) {
    const c1 = b[s + 1]! | 32;
    if (c0 === 0x74 && c1 === 0x63) return 6; // tcp
    if (c0 === 0x75 && c1 === 0x64) return 17; // udp
  }
  if (n === 4 && c0 === 0x69 && (b[s + 1]! | 32) === 0x63 && (b[s + 2]! | 32) === 0x6d && (b[s + 3]! | 32) === 0x70) return 1;
  return n > 12 ? -1 : protoOfName(Buffer.from(b.buffer, b.byteOffset + s, n).toString('latin1'));
}

// TCP flag letters without a string.
function flagsOfBytes(b: Uint8Array, s: number, e: number): number {
  if (e - s > 8) return -1;
  let f = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]! & ~32;
    const bit = c === 70 ? 1 : c === 83 ? 2 : c === 82 ? 4 : c === 80 ? 8 : c === 65 ? 16 : c === 85 ? 32 : c === 69 ? 64 : c === 67 ? 128 : 0;
    if (!bit) return -1;
    f |= bit;
  }
  return f;
}

function ws(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/**
 * Reads NDJSON sensor events from a buffer, line by line, in slices so a caller can yield between them.
 * @example const r = new NdjsonEventReader(); let at = { pos: 0, line: 0 }; while (at.pos < buf.length) at = r.read(buf, at.pos, at.line, 10_000, sink)
 */
export class NdjsonEventReader {
  readonly #e = newEvent();
  readonly #time = newTimeCache();
  #err = '';

  /**
   * Reads up to `maxLines` lines from `pos`; `line` is the number of lines before `pos`.
   * Answers where it stopped. A last line without a newline is read too.
   */
  read(buf: Buffer, pos: number, line: number, maxLines: number, sink: EventSink): { pos: number; line: number } {
    const end = buf.length;
    let n = 0;
    while (pos < end && n < maxLines) {
      let eol = buf.indexOf(10, pos);
      if (eol < 0) eol = end;
      line++;
      n++;
      this.#line(buf, pos, eol, line, sink);
      pos = eol + 1;
    }
    return { pos: Math.min(pos, end), line };
  }

  #line(b: Buffer, s: number, e: number, line: number, sink: EventSink): void {
    let i = s;
    while (i < e && ws(b[i]!)) i++;
    if (i === e) return; // blank lines are allowed (and counted for numbering)
    const ev = this.#e;
    resetEvent(ev);
    const r = this.#fast(b, i, e, ev);
    if (r === SLOW) return this.#slow(b, s, e, line, sink);
    if (r !== 0) return sink.error(line, this.#err);
    const bad = checkEvent(ev);
    if (bad) return sink.error(line, bad);
    sink.event(ev, line);
  }

  #fail(reason: string): number {
    this.#err = reason;
    return 2;
  }

  // 0: read; SLOW: needs JSON.parse; 2: error in this.#err.
  #fast(b: Buffer, i: number, e: number, ev: SensorEvent): number {
    if (b[i] !== 123) return SLOW; // not an object: the slow path says what it is
    i++;
    for (;;) {
      while (i < e && ws(b[i]!)) i++;
      if (b[i] === 125) {
        i++;
        break;
      }
      if (b[i] !== 34) return SLOW;
      const ks = ++i;
      while (i < e && b[i] !== 34) {
        if (b[i] === 92) return SLOW;
        i++;
      }
      if (i >= e) return SLOW;
      const field = fieldOf(b, ks, i);
      i++;
      while (i < e && ws(b[i]!)) i++;
      if (b[i] !== 58) return SLOW;
      i++;
      while (i < e && ws(b[i]!)) i++;
      if (field === F.slow) return SLOW;
      const c = b[i];
      if (c === 34) {
        const vs = ++i;
        while (i < e && b[i] !== 34) {
          if (b[i] === 92) return SLOW;
          i++;
        }
        if (i >= e) return SLOW;
        const r = this.#stringValue(field, b, vs, i, ev);
        if (r !== 0) return r;
        i++;
      } else if (c === 45 || (c !== undefined && c >= 48 && c <= 57)) {
        const vs = i;
        let int = true;
        let v = 0;
        if (c === 45) i++;
        while (i < e) {
          const d = b[i]!;
          if (d >= 48 && d <= 57) v = v * 10 + (d - 48);
          else if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) int = false;
          else break;
          i++;
        }
        const num = int ? (c === 45 ? -v : v) : Number(b.toString('latin1', vs, i));
        const r = this.#numberValue(field, num, ev);
        if (r !== 0) return r;
      } else if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
        if (field === F.success) ev.success = true;
        else if (field !== 0) return SLOW;
        i += 4;
      } else if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
        if (field === F.success) ev.success = false;
        else if (field !== 0) return SLOW;
        i += 5;
      } else if (c === 110 && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) {
        i += 4;
      } else return SLOW; // nested values, or not JSON
      while (i < e && ws(b[i]!)) i++;
      if (b[i] === 44) {
        i++;
        continue;
      }
      if (b[i] === 125) {
        i++;
        break;
      }
      return SLOW;
    }
    while (i < e && ws(b[i]!)) i++;
    return i === e ? 0 : SLOW;
  }

  #stringValue(field: number, b: Buffer, s: number, e: number, ev: SensorEvent): number {
    switch (field) {
      case 0:
        return 0;
      case F.time:
        ev.time = isoTimeCached(b, s, e, this.#time);
        return Number.isNaN(ev.time) ? this.#fail('time: not an ISO 8601 date-time or epoch seconds') : 0;
      case F.src:
      case F.dst: {
        const v4 = ipv4OfBytes(b, s, e);
        if (v4 >= 0) {
          if (field === F.src) ev.src4 = v4;
          else ev.dst4 = v4;
          return 0;
        }
        const err = setAddress(ev, field === F.src ? 'src' : 'dst', b.toString('latin1', s, e));
        return err ? this.#fail(err) : 0;
      }
      case F.proto:
        ev.proto = protoOfBytes(b, s, e);
        return ev.proto < 0 ? this.#fail(`protocol: unknown protocol "${b.toString('latin1', s, Math.min(e, s + 20))}"`) : 0;
      case F.flags:
        ev.flags = flagsOfBytes(b, s, e);
        return ev.flags < 0 ? this.#fail('tcp_flags: letters of F S R P A U E C, or a number 0-255') : 0;
      case F.event: {
        const k = kindOfName(b.toString('latin1', s, Math.min(e, s + 16)));
        if (k === -1) return this.#fail('event: one of packet, connect, login, command, download, other');
        ev.kind = k;
        return 0;
      }
      case F.text:
        // Honeypot text may be any Unicode: the JSON path decodes it exactly.
        return SLOW;
      case F.srcPort:
      case F.dstPort:
        return this.#numberValue(field, e - s <= 5 && e > s && /^\d+$/.test(b.toString('latin1', s, e)) ? Number(b.toString('latin1', s, e)) : NaN, ev);
      default:
        return SLOW;
    }
  }

  #numberValue(field: number, v: number, ev: SensorEvent): number {
    switch (field) {
      case 0:
        return 0;
      case F.time:
        ev.time = timeOfNumber(v);
        return Number.isNaN(ev.time) ? this.#fail('time: not an ISO 8601 date-time or epoch seconds') : 0;
      case F.srcPort:
      case F.dstPort:
        if (!Number.isInteger(v) || v < 0 || v > 65535) return this.#fail(`${field === F.srcPort ? 'src_port' : 'dst_port'}: must be a port number 0-65535`);
        if (field === F.srcPort) ev.srcPort = v;
        else ev.dstPort = v;
        return 0;
      case F.proto:
        if (!Number.isInteger(v) || v < 0 || v > 255) return this.#fail(`protocol: unknown protocol ${v}`);
        ev.proto = v;
        return 0;
      case F.flags:
        if (!Number.isInteger(v) || v < 0 || v > 255) return this.#fail('tcp_flags: letters of F S R P A U E C, or a number 0-255');
        ev.flags = v;
        return 0;
      case F.size:
        if (!Number.isInteger(v) || v < 0 || v > 1 << 30) return this.#fail(`size: must be an integer 0-${1 << 30}`);
        ev.size = v;
        return 0;
      case F.icmpType:
      case F.icmpCode:
        if (!Number.isInteger(v) || v < 0 || v > 255) return this.#fail(`${field === F.icmpType ? 'icmp_type' : 'icmp_code'}: must be an integer 0-255`);
        if (field === F.icmpType) ev.icmpType = v;
        else ev.icmpCode = v;
        return 0;
      default:
        return SLOW;
    }
  }

  #slow(b: Buffer, s: number, e: number, line: number, sink: EventSink): void {
    const ev = this.#e;
    resetEvent(ev);
    let o: unknown;
    try {
      o = JSON.parse(b.toString('utf8', s, e));
    } catch (err) {
      return sink.error(line, `not JSON: ${(err as Error).message.slice(0, 120)}`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return sink.error(line, 'not a JSON object');
    const obj = o as Record<string, unknown>;
    if (isCowrieObject(obj)) {
      const r = cowrieRecord(obj);
      if (typeof r === 'string') return sink.error(line, r);
      const err = cowrieToEvent(r, ev);
      return err ? sink.error(line, err) : sink.event(ev, line);
    }
    if (isDionaeaObject(obj)) {
      const r = dionaeaRecord(obj);
      if (typeof r === 'string') return sink.error(line, r);
      const err = dionaeaToEvent(r, ev);
      if (err) return sink.error(line, err);
      sink.event(ev, line);
      for (const d of r.downloads) {
        ev.kind = KIND.download;
        ev.url = d.url;
        ev.sha256 = d.sha256;
        if (d.url !== null || d.sha256 !== null) sink.event(ev, line);
      }
      return;
    }
    const err = eventFromObject(obj, ev) ?? checkEvent(ev);
    return err ? sink.error(line, err) : sink.event(ev, line);
  }
}
