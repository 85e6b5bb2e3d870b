// The one shape every reader (NDJSON, pcap, Cowrie, Dionaea) fills and the aggregator reads. Readers
// reuse one mutable slot per stream, so a million events cost no million objects.

/** IP protocol numbers the aggregates name. */
export const PROTO = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;

/** Names of protocol numbers for display; others show as their number. */
export const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 47: 'gre', 50: 'esp', 132: 'sctp' };

/** TCP flag bits as in the header (FIN 1 … CWR 128). */
export const TCP = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 } as const;

/** What an event is: a packet or connection counts as an access; honeypot records add session details. */
export const KIND = { packet: 0, connect: 1, login: 2, command: 3, download: 4, other: 5 } as const;
/** One of the KIND values. */
export type EventKind = (typeof KIND)[keyof typeof KIND];

/** One observation by a sensor. Addresses: IPv4 as an unsigned 32-bit number, IPv6 as canonical text. */
export interface SensorEvent {
  /** Epoch milliseconds; NaN when the source gave none. */
  time: number;
  /** IPv4 source as a number, or -1 when the source is IPv6 (src6) or missing. */
  src4: number;
  src6: string | null;
  srcPort: number;
  dst4: number;
  dst6: string | null;
  dstPort: number;
  /** IP protocol number; -1 unknown. */
  proto: number;
  /** TCP flag bits; -1 when not TCP or not given. */
  flags: number;
  /** Bytes on the wire (original length); 0 when unknown. */
  size: number;
  icmpType: number;
  icmpCode: number;
  kind: EventKind;
  /** Honeypot details (null when absent). */
  session: string | null;
  username: string | null;
  password: string | null;
  success: boolean | null;
  command: string | null;
  url: string | null;
  sha256: string | null;
}

/** A fresh, empty event slot. */
export function newEvent(): SensorEvent {
  return { time: NaN, src4: -1, src6: null, srcPort: -1, dst4: -1, dst6: null, dstPort: -1, proto: -1, flags: -1, size: 0, icmpType: -1, icmpCode: -1, kind: KIND.packet, session: null, username: null, password: null, success: null, command: null, url: null, sha256: null };
}

/** Empties a slot for the next event. */
export function resetEvent(e: SensorEvent): void {
  e.time = NaN;
  e.src4 = -1;
  e.src6 = null;
  e.srcPort = -1;
  e.dst4 = -1;
  e.dst6 = null;
  e.dstPort = -1;
  e.proto = -1;
  e.flags = -1;
  e.size = 0;
  e.icmpType = -1;
  e.icmpCode = -1;
  e.kind = KIND.packet;
  e.session = null;
  e.username = null;
  e.password = null;
  e.success = null;
  e.command = null;
  e.url = null;
  e.sha256 = null;
}

/** Whether the event is an access to count (a packet or a connection), not a session detail. */
export function isAccess(e: SensorEvent): boolean {
  return e.kind === KIND.packet || e.kind === KIND.connect;
}

/** TCP flags as letters in tshark's order of significance (e.g. "SA" for SYN-ACK); "" for none. */
export function flagLetters(flags: number): string {
  if (flags < 0) return '';
  let s = '';
  if (flags & TCP.CWR) s += 'C';
  if (flags & TCP.ECE) s += 'E';
  if (flags & TCP.URG) s += 'U';
  if (flags & TCP.ACK) s += 'A';
  if (flags & TCP.PSH) s += 'P';
  if (flags & TCP.RST) s += 'R';
  if (flags & TCP.SYN) s += 'S';
  if (flags & TCP.FIN) s += 'F';
  return s;
}

/** TCP flag bits of letters ("SA", "S", "RA"), or -1 when a letter is not a flag. */
export function flagsOfLetters(text: string): number {
  let f = 0;
  for (const ch of text.toUpperCase()) {
    const bit = ch === 'F' ? TCP.FIN : ch === 'S' ? TCP.SYN : ch === 'R' ? TCP.RST : ch === 'P' ? TCP.PSH : ch === 'A' ? TCP.ACK : ch === 'U' ? TCP.URG : ch === 'E' ? TCP.ECE : ch === 'C' ? TCP.CWR : 0;
    if (!bit) return -1;
    f |= bit;
  }
  return f;
}

/** The protocol number of a name ("tcp") or numeric text; -1 when unknown. */
export function protoOfName(name: string): number {
  const n = name.toLowerCase();
  for (const [num, label] of Object.entries(PROTO_NAMES)) if (label === n) return Number(num);
  if (/^\d{1,3}$/.test(n) && Number(n) <= 255) return Number(n);
  return -1;
}

/** The event as the NDJSON line Kessetsu sensors post (what the replay command sends). */
export function eventToJson(e: SensorEvent): Record<string, unknown> {
  const o: Record<string, unknown> = { time: new Date(e.time).toISOString() };
  const src = e.src4 >= 0 ? ipv4String(e.src4) : e.src6;
  const dst = e.dst4 >= 0 ? ipv4String(e.dst4) : e.dst6;
  if (src !== null) o.src_ip = src;
  if (e.srcPort >= 0) o.src_port = e.srcPort;
  if (dst !== null) o.dst_ip = dst;
  if (e.dstPort >= 0) o.dst_port = e.dstPort;
  if (e.proto >= 0) o.protocol = PROTO_NAMES[e.proto] ?? e.proto;
  if (e.flags >= 0) o.tcp_flags = flagLetters(e.flags);
  if (e.size > 0) o.size = e.size;
  if (e.icmpType >= 0) o.icmp_type = e.icmpType;
  if (e.icmpCode >= 0) o.icmp_code = e.icmpCode;
  if (e.kind !== KIND.packet) o.event = KIND_NAMES[e.kind];
  if (e.session !== null) o.session = e.session;
  if (e.username !== null) o.username = e.username;
  if (e.password !== null) o.password = e.password;
  if (e.success !== null) o.success = e.success;
  if (e.command !== null) o.command = e.command;
  if (e.url !== null) o.url = e.url;
  if (e.sha256 !== null) o.sha256 = e.sha256;
  return o;
}

/** Names of event kinds in NDJSON ("event": "login"). */
export const KIND_NAMES: readonly string[] = ['packet', 'connect', 'login', 'command', 'download', 'other'];

/** Dotted-quad text of an IPv4 number. */
export function ipv4String(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
