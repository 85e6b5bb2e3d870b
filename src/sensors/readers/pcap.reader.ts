import { newEvent, resetEvent, type SensorEvent } from '../events/sensor-event.ts';
import type { EventSink } from '../events/ndjson.reader.ts';
import { decodeFrame, knownLinkType } from './packet.decoder.ts';

// Classic libpcap files (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html): a 24-byte
// file header, then records of a 16-byte header and the captured bytes. Either byte order,
// microsecond or nanosecond stamps. Read in chunks, so a capture of any size streams in bounded memory.

/** What reading a capture found, besides the events. */
export interface PcapSummary {
  /** Records read. */
  readonly frames: number;
  /** Frames carrying IPv4 or IPv6 (the events). */
  readonly ipPackets: number;
  /** Frames without IP (ARP, LLDP, …), skipped. */
  readonly otherFrames: number;
  readonly linkType: number;
  /** The capture ends inside a record (a file cut short): what came before was read. */
  readonly truncated: boolean;
  /** Records whose captured part was shorter than the packet (snap length). */
  readonly snapped: number;
}

/** Thrown when the data is not a classic pcap file at all. */
export class PcapFormatError extends Error {}

const MAX_RECORD = 256 * 1024 * 1024;

/**
 * A streaming pcap reader: push chunks as they come, end when the input ends.
 * @example const r = new PcapReader(sink); for await (const c of stream) r.push(c); const summary = r.end()
 */
export class PcapReader {
  readonly #sink: EventSink;
  readonly #ev: SensorEvent = newEvent();
  #pending: Buffer | null = null;
  #header = false;
  #le = true;
  #nano = false;
  #linkType = -1;
  #frames = 0;
  #ip = 0;
  #other = 0;
  #snapped = 0;

  constructor(sink: EventSink) {
    this.#sink = sink;
  }

  /** Reads whatever whole records the chunk completes; keeps the rest for the next chunk. */
  push(chunk: Buffer): void {
    const buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = null;
    let at = 0;
    if (!this.#header) {
      if (buf.length < 24) {
        this.#pending = Buffer.from(buf);
        return;
      }
      this.#readHeader(buf);
      at = 24;
    }
    const le = this.#le;
    while (buf.length - at >= 16) {
      const incl = le ? buf.readUInt32LE(at + 8) : buf.readUInt32BE(at + 8);
      if (incl > MAX_RECORD) throw new PcapFormatError(`record ${this.#frames + 1}: captured length ${incl} is not plausible (corrupt file)`);
      if (buf.length - at - 16 < incl) break;
      this.#record(buf, at, incl);
      at += 16 + incl;
    }
    if (at < buf.length) this.#pending = Buffer.from(buf.subarray(at));
  }

  /** Ends the input: answers what was read and whether the file was cut inside a record. */
  end(): PcapSummary {
    if (!this.#header) throw new PcapFormatError(this.#pending?.length ? 'file shorter than the 24-byte pcap header' : 'empty file');
    const truncated = (this.#pending?.length ?? 0) > 0;
    this.#pending = null;
    return { frames: this.#frames, ipPackets: this.#ip, otherFrames: this.#other, linkType: this.#linkType, truncated, snapped: this.#snapped };
  }

  #readHeader(b: Buffer): void {
    const magic = b.readUInt32LE(0);
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.#le = true;
    else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.#le = false;
    else if (magic === 0x0a0d0d0a) throw new PcapFormatError('a pcapng file: save it as classic pcap first (editcap -F pcap in.pcapng out.pcap)');
    else throw new PcapFormatError('not a pcap file (unknown magic number)');
    this.#nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    const lt = (this.#le ? b.readUInt32LE(20) : b.readUInt32BE(20)) & 0x0fffffff;
    if (!knownLinkType(lt)) throw new PcapFormatError(`link type ${lt} is not read (Ethernet, Linux cooked, raw IP, loopback are)`);
    this.#linkType = lt;
    this.#header = true;
  }

  #record(b: Buffer, at: number, incl: number): void {
    const le = this.#le;
    const sec = le ? b.readUInt32LE(at) : b.readUInt32BE(at);
    const frac = le ? b.readUInt32LE(at + 4) : b.readUInt32BE(at + 4);
    const orig = le ? b.readUInt32LE(at + 12) : b.readUInt32BE(at + 12);
    const n = ++this.#frames;
    if (incl < orig) this.#snapped++;
    const ev = this.#ev;
    resetEvent(ev);
    ev.time = sec * 1000 + (this.#nano ? frac / 1e6 : frac / 1000);
    ev.size = orig;
    const r = decodeFrame(this.#linkType, b, at + 16, at + 16 + incl, ev);
    if (r === 0) {
      this.#other++;
      return;
    }
    if (typeof r === 'string') return this.#sink.error(n, r);
    this.#ip++;
    this.#sink.event(ev, n);
  }
}

/** Reads a whole capture held in memory. */
export function readPcap(data: Buffer, sink: EventSink): PcapSummary {
  const r = new PcapReader(sink);
  r.push(data);
  return r.end();
}
