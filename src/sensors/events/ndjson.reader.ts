import { checkEvent, eventFromObject, ipv4OfBytes, ipv4Quoted, isoTimeCached, isoTimeQuoted, kindOfName, newTimeCache, setAddress, timeOfNumber, type ScanEnd } from './event-fields.ts';
import { F, KeyOrder, flagsOfBytes, protoOfBytes } from './ndjson.keys.ts';
import { KIND, newEvent, resetEvent, type SensorEvent } from './sensor-event.ts';
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

const SLOW = 1;
const ERROR = 2;

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
  readonly #order = new KeyOrder();
  readonly #at: ScanEnd = { end: 0 };
  #err = '';
  /** Where the line the fast path read ends (its newline, or the end of the buffer). */
  #stop = 0;

  /**
   * Reads up to `maxLines` lines from `pos`; `line` is the number of lines before `pos`.
   * Answers where it stopped. A last line without a newline is read too.
   */
  read(buf: Buffer, pos: number, line: number, maxLines: number, sink: EventSink): { pos: number; line: number } {
    const end = buf.length;
    let n = 0;
    while (pos < end && n < maxLines) {
      line++;
      n++;
      pos = this.#line(buf, pos, end, line, sink);
    }
    return { pos: Math.min(pos, end), line };
  }

  // Reads the line starting at s and answers where the next one starts. The fast path finds the end of
  // the line as it goes; only a line it cannot read is looked at again, up to its newline.
  #line(b: Buffer, s: number, end: number, line: number, sink: EventSink): number {
    let i = s;
    while (i < end && ws(b[i]!)) i++;
    if (i === end || b[i] === 10) return i + 1; // blank lines are allowed (and counted for numbering)
    const ev = this.#e;
    resetEvent(ev);
    const r = this.#fast(b, i, end, ev);
    if (r === 0) {
      const bad = checkEvent(ev);
      if (bad) sink.error(line, bad);
      else sink.event(ev, line);
      return this.#stop + 1;
    }
    let eol = b.indexOf(10, i);
    if (eol < 0) eol = end;
    if (r === SLOW) this.#slow(b, s, eol, line, sink);
    else sink.error(line, this.#err);
    return eol + 1;
  }

  #fail(reason: string): number {
    this.#err = reason;
    return ERROR;
  }

  // 0: read (the line ends at this.#stop); SLOW: needs JSON.parse; ERROR: reason in this.#err.
  // `e` is the end of the buffer: every scan stops at a newline, the end of the line.
  #fast(b: Buffer, i: number, e: number, ev: SensorEvent): number {
    if (b[i] !== 123) return SLOW; // not an object: the slow path says what it is
    i++;
    const order = this.#order;
    for (let k = 0; ; k++) {
      while (i < e && ws(b[i]!)) i++;
      if (b[i] === 125) {
        i++;
        break;
      }
      if (b[i] !== 34) return SLOW;
      const ks = ++i;
      // Mostly the k-th key of the line before, compared in place; else scanned and looked up.
      let field = order.match(b, ks, k);
      if (field >= 0) i = order.end;
      else {
        for (;;) {
          if (i >= e) return SLOW;
          const c = b[i];
          if (c === 34) break;
          // Escapes, and raw control characters (which JSON refuses in strings), go the JSON path.
          if (c === 92 || c! < 32) return SLOW;
          i++;
        }
        field = order.learn(b, ks, i, k);
      }
      i++;
      while (i < e && ws(b[i]!)) i++;
      if (b[i] !== 58) return SLOW;
      i++;
      while (i < e && ws(b[i]!)) i++;
      if (field === F.slow) return SLOW;
      const c = b[i];
      if (c === 34) {
        const q = this.#string(field, b, i + 1, e, ev);
        if (q < 0) return -q;
        i = q + 1;
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
    if (i < e && b[i] !== 10) return SLOW;
    this.#stop = i;
    return 0;
  }

  // A string value from b[s] (after its opening quote): answers the index of its closing quote, or
  // -SLOW / -ERROR. Times, IPv4 addresses and "tcp" are read in one pass; the rest (and anything
  // unusual in those) once the closing quote is found.
  #string(field: number, b: Buffer, s: number, e: number, ev: SensorEvent): number {
    if (field === F.time) {
      const t = isoTimeQuoted(b, s, this.#time);
      if (!Number.isNaN(t)) {
        ev.time = t;
        return this.#time.end;
      }
    } else if (field === F.src || field === F.dst) {
      const v4 = ipv4Quoted(b, s, this.#at);
      if (v4 >= 0) {
        if (field === F.src) ev.src4 = v4;
        else ev.dst4 = v4;
        return this.#at.end;
      }
    } else if (field === F.proto && b[s] === 116 && b[s + 1] === 99 && b[s + 2] === 112 && b[s + 3] === 34) {
      ev.proto = 6;
      return s + 3;
    }
    let i = s;
    for (;;) {
      if (i >= e) return -SLOW;
      const c = b[i];
      if (c === 34) break;
      if (c === 92 || c! < 32) return -SLOW;
      i++;
    }
    const r = this.#stringValue(field, b, s, i, ev);
    return r === 0 ? i : -r;
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
