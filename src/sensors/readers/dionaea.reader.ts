import { isoTimeOfString, setAddress } from '../events/event-fields.ts';
import { KIND, PROTO, type SensorEvent } from '../events/sensor-event.ts';

// Dionaea connections as JSON lines, in the two shapes found in the wild:
//  - hpfeeds sessions as MHN stores and exports them (MongoDB extended JSON):
//    {"protocol": "smbd", "timestamp": {"$date": "…"}, "source_ip", "source_port", "destination_port", "honeypot": "dionaea"}
//  - Dionaea's own log_json handler: {"timestamp", "src_ip", "src_port", "dst_ip", "dst_port",
//    "connection": {"protocol", "transport"}, "downloads": [{"url", "sha512_hash" | "md5_hash"}]}

/** One Dionaea connection, its fields typed. */
export interface DionaeaRecord {
  readonly time: number;
  readonly srcIp: string;
  readonly srcPort: number | null;
  readonly dstIp: string | null;
  readonly dstPort: number | null;
  /** The Dionaea module that answered (smbd, mssqld, SipSession, pcap = a refused connection, …). */
  readonly module: string | null;
  /** IP protocol number: from the record's transport, else inferred from the module. */
  readonly proto: number;
  readonly downloads: readonly { readonly url: string | null; readonly sha256: string | null }[];
}

// Modules that speak UDP by default; everything else Dionaea answers (and "pcap", refused SYNs) is TCP.
const UDP_MODULES = new Set(['sipsession', 'sipcall', 'rtpudpstream', 'tftpd', 'upnpd', 'memcache-udp']);

function port(v: unknown): number | null {
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : null;
}

function timeOf(v: unknown): number {
  if (typeof v === 'string') return isoTimeOfString(v);
  if (v && typeof v === 'object' && typeof (v as { $date?: unknown }).$date === 'string') return isoTimeOfString((v as { $date: string }).$date);
  if (v && typeof v === 'object' && typeof (v as { $date?: unknown }).$date === 'number') return (v as { $date: number }).$date;
  return NaN;
}

/** Whether a parsed JSON object is a Dionaea connection record of either shape. */
export function isDionaeaObject(o: Record<string, unknown>): boolean {
  if (o.honeypot === 'dionaea') return true;
  return typeof o.connection === 'object' && o.connection !== null && typeof o.src_ip === 'string' && 'dst_port' in o;
}

/**
 * The typed record of a parsed Dionaea object, or a reason it cannot be one.
 * @example dionaeaRecord({ protocol: 'smbd', timestamp: { $date: '2017-11-11T06:32:52.897+0000' }, source_ip: '123.25.61.231', source_port: 57480, destination_port: 445, honeypot: 'dionaea' })
 */
export function dionaeaRecord(o: Record<string, unknown>): DionaeaRecord | string {
  if (!isDionaeaObject(o)) return 'not a Dionaea record (honeypot "dionaea" or a log_json connection)';
  const time = timeOf(o.timestamp);
  if (Number.isNaN(time)) return 'timestamp: missing or not an ISO 8601 date-time';
  const conn = (typeof o.connection === 'object' && o.connection !== null ? o.connection : {}) as Record<string, unknown>;
  const srcIp = typeof o.source_ip === 'string' ? o.source_ip : typeof o.src_ip === 'string' ? o.src_ip : null;
  if (srcIp === null) return 'source_ip: missing';
  const module = typeof o.protocol === 'string' ? o.protocol : typeof conn.protocol === 'string' ? conn.protocol : null;
  const transport = typeof conn.transport === 'string' ? conn.transport.toLowerCase() : null;
  const proto = transport === 'udp' ? PROTO.udp : transport === 'tcp' || transport === 'tls' ? PROTO.tcp : module && UDP_MODULES.has(module.toLowerCase()) ? PROTO.udp : PROTO.tcp;
  const downloads = (Array.isArray(o.downloads) ? o.downloads : [])
    .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
    .slice(0, 100)
    .map((d) => ({
      url: typeof d.url === 'string' ? d.url.slice(0, 2048) : null,
      sha256: typeof d.sha256_hash === 'string' && /^[0-9a-f]{64}$/i.test(d.sha256_hash) ? d.sha256_hash.toLowerCase() : null,
    }));
  return {
    time,
    srcIp,
    srcPort: port(o.source_port ?? o.src_port),
    dstIp: typeof o.destination_ip === 'string' ? o.destination_ip : typeof o.dst_ip === 'string' ? o.dst_ip : null,
    dstPort: port(o.destination_port ?? o.dst_port),
    module,
    proto,
    downloads,
  };
}

/** Fills a sensor event from a Dionaea record (a connection: an access). Answers an error reason, or null. */
export function dionaeaToEvent(r: DionaeaRecord, e: SensorEvent): string | null {
  e.time = r.time;
  const err = setAddress(e, 'src', r.srcIp);
  if (err) return err;
  if (r.dstIp !== null) setAddress(e, 'dst', r.dstIp);
  if (r.srcPort !== null) e.srcPort = r.srcPort;
  if (r.dstPort !== null) e.dstPort = r.dstPort;
  e.proto = r.proto;
  e.kind = KIND.connect;
  return null;
}
