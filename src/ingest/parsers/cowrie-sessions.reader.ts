import { cowrieRecord, type CowrieRecord } from '../../sensors/readers/cowrie.reader.ts';
import { normalizeIpv4, normalizeIpv6, ObservableError } from '../../observables/normalize.ts';
import type { ParseIssue } from './parse-result.ts';

// Reads a Cowrie JSON log (one record per line) into its sessions: every line checked for its types
// and named by its number when refused, exact duplicate lines (logs concatenated twice) skipped.

/** Longest line taken; Cowrie's own records stay far below (direct-tcpip data is the longest). */
export const MAX_COWRIE_LINE = 256 * 1024;
/** Most logins, commands, downloads and tunnel requests kept per session; the rest are only counted. */
export const MAX_PER_SESSION = 200;
/** Longest text kept of a username, password, command or URL. */
export const MAX_FIELD_TEXT = 1024;

/** One login attempt of a session. */
export interface CowrieLogin {
  readonly time: string;
  readonly username: string | null;
  readonly password: string | null;
  readonly success: boolean;
}

/** What one Cowrie session (one TCP connection to the honeypot) did, from all its lines. */
export interface CowrieSession {
  readonly session: string;
  sensor: string | null;
  srcIp: string | null;
  srcPort: number | null;
  dstIp: string | null;
  dstPort: number | null;
  protocol: string | null;
  clientVersion: string | null;
  duration: number | null;
  first: number;
  last: number;
  /** Line of the session's first record, to name it in messages. */
  readonly line: number;
  events: number;
  readonly logins: CowrieLogin[];
  loginsTotal: number;
  readonly commands: { time: string; input: string; failed: boolean }[];
  commandsTotal: number;
  readonly downloads: { time: string; url: string | null; sha256: string | null; filename: string | null }[];
  readonly tunnels: { dst_ip: string | null; dst_port: number | null }[];
}

/** A Cowrie log read into sessions, with what was refused and skipped. */
export interface CowrieLog {
  readonly sessions: CowrieSession[];
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
  readonly lines: number;
  readonly records: number;
  readonly duplicates: number;
}

// Fields Cowrie writes with a fixed JSON type: a record giving another type is refused, naming the field.
const STRING_FIELDS = ['eventid', 'timestamp', 'session', 'src_ip', 'dst_ip', 'sensor', 'protocol', 'username', 'password', 'input', 'url', 'shasum', 'outfile', 'filename', 'version'] as const;
const PORT_FIELDS = ['src_port', 'dst_port'] as const;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

function typeIssue(o: Record<string, unknown>): string | null {
  for (const f of STRING_FIELDS) if (o[f] !== undefined && typeof o[f] !== 'string') return `${f}: expected a string, got ${describe(o[f])}`;
  for (const f of PORT_FIELDS) {
    const v = o[f];
    const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
    if (v !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535)) return `${f}: expected a port number (0–65535), got ${describe(v)}`;
  }
  const d = typeof o.duration === 'string' ? Number(o.duration) : o.duration;
  if (o.duration !== undefined && !(typeof d === 'number' && Number.isFinite(d) && d >= 0)) return `duration: expected a number of seconds, got ${describe(o.duration)}`;
  if (typeof o.session === 'string' && !/^[\w.:-]{1,64}$/.test(o.session)) return `session: "${o.session.slice(0, 40)}" is not a Cowrie session id`;
  if (typeof o.shasum === 'string' && !/^[0-9a-f]{64}$/i.test(o.shasum)) return `shasum: expected a SHA-256 in hex, got ${describe(o.shasum)}`;
  for (const f of ['src_ip', 'dst_ip'] as const) {
    const ip = o[f];
    if (typeof ip === 'string' && ipIssue(ip)) return `${f}: "${ip.slice(0, 60)}" is not an IP address (${ipIssue(ip)})`;
  }
  return null;
}

function ipIssue(ip: string): string | null {
  if (ip.includes('/')) return 'a network, not one address';
  try {
    if (ip.includes(':')) normalizeIpv6(ip);
    else normalizeIpv4(ip);
    return null;
  } catch (err) {
    if (err instanceof ObservableError) return err.reason.slice(0, 120);
    throw err;
  }
}

function cut(v: string | null): string | null {
  return v !== null && v.length > MAX_FIELD_TEXT ? v.slice(0, MAX_FIELD_TEXT) : v;
}

function newSession(r: CowrieRecord, line: number): CowrieSession {
  return {
    session: r.session!,
    sensor: r.sensor,
    srcIp: null,
    srcPort: null,
    dstIp: null,
    dstPort: null,
    protocol: null,
    clientVersion: null,
    duration: null,
    first: r.time,
    last: r.time,
    line,
    events: 0,
    logins: [],
    loginsTotal: 0,
    commands: [],
    commandsTotal: 0,
    downloads: [],
    tunnels: [],
  };
}

function merge(s: CowrieSession, r: CowrieRecord): void {
  s.events++;
  if (r.time < s.first) s.first = r.time;
  if (r.time > s.last) s.last = r.time;
  s.sensor ??= r.sensor;
  s.srcIp ??= r.srcIp;
  const at = new Date(r.time).toISOString();
  switch (r.kind) {
    case 'connect':
      s.srcIp = r.srcIp ?? s.srcIp;
      s.srcPort = r.srcPort ?? s.srcPort;
      s.dstIp = r.dstIp ?? s.dstIp;
      s.dstPort = r.dstPort ?? s.dstPort;
      s.protocol = r.protocol ?? s.protocol;
      break;
    case 'version':
      s.clientVersion = r.clientVersion;
      break;
    case 'login':
      s.loginsTotal++;
      if (s.logins.length < MAX_PER_SESSION) s.logins.push({ time: at, username: cut(r.username), password: cut(r.password), success: r.success === true });
      break;
    case 'command':
      s.commandsTotal++;
      if (s.commands.length < MAX_PER_SESSION && r.input !== null) s.commands.push({ time: at, input: cut(r.input)!, failed: r.eventid === 'cowrie.command.failed' });
      break;
    case 'download':
    case 'upload':
      if ((r.url !== null || r.shasum !== null) && s.downloads.length < MAX_PER_SESSION) s.downloads.push({ time: at, url: cut(r.url), sha256: r.shasum, filename: cut(r.filename) });
      break;
    case 'tcpip':
      if (s.tunnels.length < MAX_PER_SESSION) s.tunnels.push({ dst_ip: r.dstIp, dst_port: r.dstPort });
      break;
    case 'close':
      s.duration = r.duration ?? s.duration;
      break;
    default:
  }
}

/**
 * Reads a Cowrie JSON log into sessions; a line that cannot be taken is an error naming its number and
 * why (malformed JSON, too long, a field of the wrong type, not a Cowrie record), the others are kept.
 * @example readCowrieLog('{"eventid": "cowrie.session.connect", "session": "a1", …}\n').sessions.length // 1
 */
export function readCowrieLog(text: string): CowrieLog {
  const sessions = new Map<string, CowrieSession>();
  const errors: ParseIssue[] = [];
  const warnings: ParseIssue[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let firstDuplicate = 0;
  let records = 0;
  let lineNo = 0;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const raw = text.slice(start, end);
    start = end + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const where = `line ${lineNo}`;
    if (line.length > MAX_COWRIE_LINE) {
      errors.push({ where, reason: `${line.length.toLocaleString('en')} characters long, over the ${MAX_COWRIE_LINE.toLocaleString('en')} a Cowrie record may have` });
      continue;
    }
    if (seen.has(line)) {
      duplicates++;
      firstDuplicate ||= lineNo;
      continue;
    }
    seen.add(line);
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (err) {
      errors.push({ where, reason: `malformed JSON: ${(err as Error).message.replace(/ in JSON at position \d+.*$/s, '').slice(0, 160)}` });
      continue;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      errors.push({ where, reason: `expected a Cowrie record (a JSON object), got ${describe(o)}` });
      continue;
    }
    const rec = o as Record<string, unknown>;
    const bad = typeIssue(rec);
    if (bad) {
      errors.push({ where, reason: bad });
      continue;
    }
    const r = cowrieRecord(rec);
    if (typeof r === 'string') {
      errors.push({ where, reason: r });
      continue;
    }
    if (r.session === null) {
      errors.push({ where, reason: `session: missing (every ${r.eventid} record names its session)` });
      continue;
    }
    records++;
    const key = `${r.sensor ?? ''}\u0000${r.session}`;
    let s = sessions.get(key);
    if (!s) sessions.set(key, (s = newSession(r, lineNo)));
    // Some Cowrie versions write the duration as text ("0.6").
    merge(s, typeof rec.duration === 'string' ? { ...r, duration: Number(rec.duration) } : r);
  }
  if (duplicates) warnings.push({ where: `line ${firstDuplicate}`, reason: `${duplicates} exact duplicate line(s) skipped (the first at line ${firstDuplicate})` });
  return { sessions: [...sessions.values()], errors, warnings, lines: lineNo, records, duplicates };
}
