import { isAccess, KIND, PROTO, TCP, type SensorEvent } from '../events/sensor-event.ts';
import { DistinctSketch, type Member } from './distinct.sketch.ts';
import { MemberCounts, MemberValues } from './member.table.ts';

/** Limits that keep one minute of one sensor in bounded memory, whatever arrives. */
export interface BucketLimits {
  /** Distinct sources counted per source (for top sources and enrichment); beyond, only a sketch. */
  readonly maxSources: number;
  /** Sources followed as possible scanners or DoS victims. */
  readonly maxTracked: number;
  /** Distinct sources remembered per destination port (for "a port emerging across many sources"). */
  readonly maxPortSources: number;
  /** Honeypot downloads and texts kept. */
  readonly maxDetails: number;
}

/** Default limits: about 60 MB for a minute at the worst. */
export const DEFAULT_LIMITS: BucketLimits = { maxSources: 250_000, maxTracked: 50_000, maxPortSources: 64, maxDetails: 1_000 };

/** What a source did in a minute, for scanner and backscatter detection. */
export interface Tracked {
  packets: number;
  /** Distinct destination addresses (capped at 16; a small array, as most sources send a packet or two). */
  readonly dsts: Member[];
  /** Distinct destination ports of probes, or source ports of backscatter (capped at 16). */
  readonly ports: number[];
  /** First destination port seen (the scanned service). */
  firstPort: number;
}

/** A file a honeypot saw downloaded. */
export interface Download {
  readonly src: Member;
  readonly url: string | null;
  readonly sha256: string | null;
  readonly time: number;
}

const CAP = 16;

/** The key of a destination port in a protocol: protocol × 65536 + port. */
export function portKey(proto: number, port: number): number {
  return proto * 65536 + port;
}

function grown(a: Int32Array, index: number): Int32Array {
  if (index < a.length) return a;
  let n = a.length * 2;
  while (n <= index) n *= 2;
  const next = new Int32Array(n);
  next.set(a);
  return next;
}

// What a source did, found through its id among the minute's sources (`of`: id → tracked index + 1),
// so an event costs one hash lookup in all; sources beyond the counted ones (sid -1) are looked up by address.
function track(map: MemberValues<Tracked>, of: Int32Array, sid: number, limit: number, src4: number, src6: string | null, dst4: number, dst6: string | null, port: number): void {
  const ti = sid >= 0 ? of[sid]! - 1 : -1;
  let t = ti >= 0 ? map.at(ti) : sid >= 0 ? undefined : src4 >= 0 ? map.get4(src4) : map.get(src6!);
  if (!t) {
    if (map.size >= limit) return;
    t = { packets: 1, dsts: dst4 >= 0 ? [dst4] : dst6 !== null ? [dst6] : [], ports: port >= 0 ? [port] : [], firstPort: port };
    const id = map.set(src4 >= 0 ? src4 : src6!, t);
    if (sid >= 0) of[sid] = id + 1;
    return;
  }
  t.packets++;
  if (t.dsts.length < CAP) {
    if (dst4 >= 0) {
      if (!t.dsts.includes(dst4)) t.dsts.push(dst4);
    } else if (dst6 !== null && !t.dsts.includes(dst6)) t.dsts.push(dst6);
  }
  if (port >= 0 && t.ports.length < CAP && !t.ports.includes(port)) t.ports.push(port);
}

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

/** Whether a packet is a probe a scanner sends: TCP without ACK or RST, UDP, an echo request, a honeypot connection. */
function isProbe(e: SensorEvent): boolean {
  if (e.kind === KIND.connect) return true;
  if (e.proto === PROTO.tcp) return e.flags < 0 || (e.flags & (TCP.ACK | TCP.RST)) === 0;
  if (e.proto === PROTO.udp) return true;
  if (e.proto === PROTO.icmp) return e.icmpType === 8;
  if (e.proto === PROTO.icmpv6) return e.icmpType === 128;
  return false;
}

/** Whether a packet is backscatter: a reply to something the sensor never sent (SYN-ACK, RST, echo reply, unreachable). */
function isBackscatter(e: SensorEvent): boolean {
  if (e.kind !== KIND.packet) return false;
  if (e.proto === PROTO.tcp) return e.flags >= 0 && ((e.flags & (TCP.SYN | TCP.ACK)) === (TCP.SYN | TCP.ACK) || (e.flags & TCP.RST) !== 0);
  if (e.proto === PROTO.icmp) return e.icmpType === 0 || e.icmpType === 3 || e.icmpType === 11;
  if (e.proto === PROTO.icmpv6) return e.icmpType === 129 || e.icmpType === 1 || e.icmpType === 3;
  return false;
}

/**
 * One minute of one sensor, in memory: counts by protocol and port, sources with their counts,
 * and what detection needs (sources per port, probes and backscatter per source, honeypot details).
 */
export class MinuteBucket {
  readonly sensorId: string;
  /** Start of the minute, epoch ms. */
  readonly minute: number;
  /** Opened after this minute had already been flushed: added to what was written, not detected on. */
  readonly late: boolean;
  packets = 0;
  bytes = 0;
  /** Honeypot details (logins, commands, downloads) that are not accesses. */
  details = 0;
  readonly ports = new Map<number, number>();
  readonly sources = new MemberCounts();
  /** Sources beyond maxSources, counted only in a sketch. */
  overflow: DistinctSketch | null = null;
  readonly portSources = new Map<number, Set<Member>>();
  readonly probes = new MemberValues<Tracked>();
  readonly backscatter = new MemberValues<Tracked>();
  readonly usernames = new Map<string, number>();
  readonly passwords = new Map<string, number>();
  readonly commands = new Map<string, number>();
  readonly downloads: Download[] = [];
  readonly #limits: BucketLimits;

  constructor(sensorId: string, minute: number, late: boolean, limits: BucketLimits = DEFAULT_LIMITS) {
    this.sensorId = sensorId;
    this.minute = minute;
    this.late = late;
    this.#limits = limits;
  }

  /** Counts one event. */
  add(e: SensorEvent): void {
    // IPv4 sources stay unboxed numbers on the hot path; a Member is made only where one is kept.
    const src4 = e.src4;
    if (!isAccess(e)) return this.#detail(e, src4 >= 0 ? src4 : e.src6!);
    this.packets++;
    this.bytes += e.size;
    const proto = e.proto;
    if (proto === this.#lastProto) this.#lastProtoCount++;
    else this.#countProto(proto);
    const sid = src4 >= 0 ? this.sources.add4(src4, 1, this.#limits.maxSources) : this.sources.add(e.src6!, 1, this.#limits.maxSources);
    if (sid < 0) (this.overflow ??= new DistinctSketch()).add(src4 >= 0 ? src4 : e.src6!);
    if (e.dstPort >= 0 && (proto === PROTO.tcp || proto === PROTO.udp || proto === 132)) {
      const k = portKey(proto, e.dstPort);
      const n = this.ports.get(k);
      this.ports.set(k, n === undefined ? 1 : n + 1);
      let set = this.portSources.get(k);
      if (!set) this.portSources.set(k, (set = new Set()));
      if (set.size < this.#limits.maxPortSources) set.add(src4 >= 0 ? src4 : e.src6!);
    }
    if (isBackscatter(e)) {
      if (sid >= 0) this.#backOf = grown(this.#backOf, sid);
      track(this.backscatter, this.#backOf, sid, this.#limits.maxTracked, src4, e.src6, e.dst4, e.dst6, e.srcPort);
    } else if (isProbe(e)) {
      if (sid >= 0) this.#probeOf = grown(this.#probeOf, sid);
      track(this.probes, this.#probeOf, sid, this.#limits.maxTracked, src4, e.src6, e.dst4, e.dst6, e.dstPort);
    }
  }

  #probeOf: Int32Array = new Int32Array(512);
  #backOf: Int32Array = new Int32Array(512);

  // Most events of a minute share a protocol: its count is kept aside and added to the map on change.
  #lastProto = -2;
  #lastProtoCount = 0;
  readonly #protos = new Map<number, number>();

  #countProto(proto: number): void {
    if (this.#lastProtoCount) bump(this.#protos, this.#lastProto, this.#lastProtoCount);
    this.#lastProto = proto;
    this.#lastProtoCount = 1;
  }

  /** Packets by protocol number. */
  get protos(): ReadonlyMap<number, number> {
    this.#countProto(-2);
    this.#lastProtoCount = 0;
    return this.#protos;
  }

  #detail(e: SensorEvent, src: Member): void {
    this.details++;
    const max = this.#limits.maxDetails;
    if (e.kind === KIND.login) {
      if (e.username !== null && (this.usernames.has(e.username) || this.usernames.size < max)) bump(this.usernames, e.username);
      if (e.password !== null && (this.passwords.has(e.password) || this.passwords.size < max)) bump(this.passwords, e.password);
    } else if (e.kind === KIND.command && e.command !== null) {
      if (this.commands.has(e.command) || this.commands.size < max) bump(this.commands, e.command);
    } else if (e.kind === KIND.download && this.downloads.length < max) {
      this.downloads.push({ src, url: e.url, sha256: e.sha256, time: e.time });
    }
  }

  /** Distinct sources, exact unless more than maxSources came. */
  uniqueSources(): { count: number; approximate: boolean } {
    if (!this.overflow) return { count: this.sources.size, approximate: false };
    const s = this.sketch();
    return { count: s.count(), approximate: true };
  }

  /** The distinct sources as a mergeable sketch. */
  sketch(): DistinctSketch {
    const s = new DistinctSketch();
    for (const k of this.sources.keys()) s.add(k);
    if (this.overflow) s.merge(this.overflow);
    return s;
  }
}
