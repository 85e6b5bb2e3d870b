import { isoTimeOfString, MAX_TEXT, setAddress } from '../events/event-fields.ts';
import { KIND, PROTO, type SensorEvent } from '../events/sensor-event.ts';

// One reader of Cowrie's JSON log (one object per line, `eventid` "cowrie.…"), shared by the sensor
// pipeline (records become events) and the ingest format `cowrie` (sessions become STIX).
// Fields as Cowrie 1.x-2.x writes them: https://docs.cowrie.org/en/latest/OUTPUT.html

/** What a Cowrie record says, by kind. */
export type CowrieKind = 'connect' | 'version' | 'login' | 'command' | 'download' | 'upload' | 'tcpip' | 'close' | 'other';

/** One Cowrie log record, its fields typed. */
export interface CowrieRecord {
  readonly eventid: string;
  readonly kind: CowrieKind;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly session: string | null;
  readonly srcIp: string | null;
  readonly srcPort: number | null;
  /** The honeypot's own address and port (connect), or the target of a direct-tcpip request. */
  readonly dstIp: string | null;
  readonly dstPort: number | null;
  /** ssh or telnet (connect). */
  readonly protocol: string | null;
  readonly username: string | null;
  readonly password: string | null;
  readonly success: boolean | null;
  readonly input: string | null;
  readonly url: string | null;
  readonly shasum: string | null;
  readonly filename: string | null;
  /** SSH client version (client.version). */
  readonly clientVersion: string | null;
  readonly duration: number | null;
  /** The honeypot's name for itself (`sensor`). */
  readonly sensor: string | null;
}

const KINDS: Readonly<Record<string, CowrieKind>> = {
  'cowrie.session.connect': 'connect',
  'cowrie.client.version': 'version',
  'cowrie.login.success': 'login',
  'cowrie.login.failed': 'login',
  'cowrie.command.input': 'command',
  'cowrie.command.failed': 'command',
  'cowrie.session.file_download': 'download',
  'cowrie.session.file_upload': 'upload',
  'cowrie.direct-tcpip.request': 'tcpip',
  'cowrie.session.closed': 'close',
};

function str(v: unknown, max = MAX_TEXT): string | null {
  if (typeof v !== 'string') return null;
  return v.length > max ? v.slice(0, max) : v;
}

function port(v: unknown): number | null {
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : null;
}

/** Whether a parsed JSON object is a Cowrie record (its `eventid` starts with "cowrie."). */
export function isCowrieObject(o: Record<string, unknown>): boolean {
  return typeof o.eventid === 'string' && o.eventid.startsWith('cowrie.');
}

/**
 * The typed record of a parsed Cowrie JSON object, or a reason it cannot be one.
 * @example cowrieRecord({ eventid: 'cowrie.login.failed', timestamp: '2018-05-15T00:07:36.254608Z', src_ip: '185.222.209.151', username: 'root', password: 'root', session: '8858de5a3e80' })
 */
export function cowrieRecord(o: Record<string, unknown>): CowrieRecord | string {
  if (!isCowrieObject(o)) return 'eventid: not a Cowrie event (cowrie.…)';
  const eventid = o.eventid as string;
  const time = typeof o.timestamp === 'string' ? isoTimeOfString(o.timestamp) : NaN;
  if (Number.isNaN(time)) return 'timestamp: missing or not an ISO 8601 date-time';
  const kind = KINDS[eventid] ?? 'other';
  return {
    eventid,
    kind,
    time,
    session: str(o.session, 64),
    srcIp: str(o.src_ip, 64),
    srcPort: port(o.src_port),
    dstIp: str(o.dst_ip, 64),
    dstPort: port(o.dst_port),
    protocol: str(o.protocol, 16),
    username: str(o.username),
    password: str(o.password),
    success: eventid === 'cowrie.login.success' ? true : eventid === 'cowrie.login.failed' ? false : null,
    input: str(o.input),
    url: str(o.url),
    shasum: typeof o.shasum === 'string' && /^[0-9a-f]{64}$/i.test(o.shasum) ? o.shasum.toLowerCase() : null,
    filename: str(o.filename ?? o.outfile, 512),
    clientVersion: str(o.version, 256),
    duration: typeof o.duration === 'number' && Number.isFinite(o.duration) ? o.duration : null,
    sensor: str(o.sensor, 128),
  };
}

/**
 * Fills a sensor event from a Cowrie record: a connection is an access (TCP to the honeypot's port);
 * logins, commands and downloads are session details. Answers an error reason, or null.
 */
export function cowrieToEvent(r: CowrieRecord, e: SensorEvent): string | null {
  e.time = r.time;
  if (r.srcIp === null) return 'src_ip: missing';
  const err = setAddress(e, 'src', r.srcIp);
  if (err) return err;
  if (r.srcPort !== null) e.srcPort = r.srcPort;
  e.session = r.session;
  switch (r.kind) {
    case 'connect':
      e.kind = KIND.connect;
      e.proto = PROTO.tcp;
      if (r.dstIp !== null) setAddress(e, 'dst', r.dstIp);
      if (r.dstPort !== null) e.dstPort = r.dstPort;
      break;
    case 'login':
      e.kind = KIND.login;
      e.username = r.username;
      e.password = r.password;
      e.success = r.success;
      break;
    case 'command':
      e.kind = KIND.command;
      e.command = r.input;
      break;
    case 'download':
    case 'upload':
      if (r.url === null && r.shasum === null) {
        e.kind = KIND.other;
        break;
      }
      e.kind = KIND.download;
      e.url = r.url;
      e.sha256 = r.shasum;
      break;
    default:
      // The target of a direct-tcpip request is someone the attacker wanted to reach, not the honeypot.
      e.kind = KIND.other;
  }
  return null;
}
