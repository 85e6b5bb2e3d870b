import { makeObservable, ObservableError, type MadeObservable, type ValueKind } from '../../observables/observable.factory.ts';
import { deterministicId } from '../../stix/deterministic-id.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { patternFor } from '../../sightings/pattern-for.ts';
import { readCowrieLog, type CowrieSession } from './cowrie-sessions.reader.ts';
import { ParseError, type ParseIssue, type ParseResult } from './parse-result.ts';
import { derivedId, generatedIndicatorId } from './stable-id.factory.ts';
import { indicatorObject } from './stix-indicator.factory.ts';

// A Cowrie honeypot log becomes what it observed, not text to mine: one observed-data per session (the
// attacker's address, the connection as network-traffic, downloaded URLs and files), the session's real
// fields (logins with their passwords, commands, SSH client version, tunnel requests) in the property
// x_kessetsu_honeypot, indicators only for what was downloaded, and sightings of those indicators.
// Ids derive from the sensor and session, times from the log: importing the same log again changes nothing.

const DAY = 86_400_000;
/** How long a download indicator made from a honeypot log stays valid. */
export const HONEYPOT_DOWNLOAD_TTL_MS = 30 * DAY;
/** Most observed-data a sighting lists (its count says how many sessions there were). */
const MAX_OBSERVED_REFS = 100;

/** The property of observed-data that carries a honeypot session's own fields. */
export const HONEYPOT_PROPERTY = 'x_kessetsu_honeypot';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function observable(kind: ValueKind, value: string): MadeObservable | string {
  try {
    return makeObservable(kind, value);
  } catch (err) {
    if (err instanceof ObservableError) return err.reason;
    throw err;
  }
}

interface Sighted {
  readonly indicatorId: string;
  readonly observed: string[];
  first: number;
  last: number;
}

function networkTraffic(s: CowrieSession, ip: MadeObservable): StixObject {
  const protocols = [ip.object.type === 'ipv6-addr' ? 'ipv6' : 'ipv4', 'tcp', ...(s.protocol && /^[a-z0-9-]{1,15}$/i.test(s.protocol) ? [s.protocol.toLowerCase()] : [])];
  const props: Record<string, unknown> = {
    start: iso(s.first),
    end: iso(s.last),
    src_ref: ip.object.id,
    ...(s.srcPort !== null ? { src_port: s.srcPort } : {}),
    ...(s.dstPort !== null ? { dst_port: s.dstPort } : {}),
    protocols,
  };
  return { type: 'network-traffic', spec_version: '2.1', id: deterministicId('network-traffic', props)!, ...props };
}

function sessionFields(s: CowrieSession): Record<string, unknown> {
  const f: Record<string, unknown> = { honeypot: 'cowrie', session: s.session, events: s.events };
  if (s.sensor !== null) f.sensor = s.sensor;
  if (s.protocol !== null) f.protocol = s.protocol;
  if (s.dstIp !== null) f.honeypot_ip = s.dstIp;
  if (s.dstPort !== null) f.honeypot_port = s.dstPort;
  if (s.clientVersion !== null) f.client_version = s.clientVersion;
  if (s.duration !== null) f.duration_seconds = s.duration;
  if (s.loginsTotal) {
    f.logins = s.logins;
    f.login_attempts = s.loginsTotal;
    f.login_succeeded = s.logins.some((l) => l.success);
  }
  if (s.commandsTotal) {
    f.commands = s.commands;
    f.command_count = s.commandsTotal;
  }
  if (s.downloads.length) f.downloads = s.downloads;
  if (s.tunnels.length) f.tunnel_requests = s.tunnels;
  return f;
}

/**
 * Parses a Cowrie JSON log (NDJSON of `cowrie.*` events) into STIX 2.1: per session an observed-data of the
 * attacker's address and connection with the session's fields, indicators and sightings for downloads.
 * Lines that cannot be taken are errors naming the line; the other sessions are kept.
 * @example parseCowrie(readFileSync('cowrie.json.2018-05-15')).summary // { sessions: 249, sources: …, … }
 */
export function parseCowrie(body: Buffer): ParseResult {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new ParseError('file', 'the file is empty');
  const log = readCowrieLog(text);
  const errors: ParseIssue[] = [...log.errors];
  const warnings: ParseIssue[] = [...log.warnings];
  const scos = new Map<string, StixObject>();
  const indicators = new Map<string, StixObject>();
  const observed: StixObject[] = [];
  const sighted = new Map<string, Sighted>();
  const sources = new Set<string>();
  let logins = 0;
  let commands = 0;
  let downloads = 0;
  for (const s of log.sessions) {
    const where = `line ${s.line}`;
    if (s.srcIp === null) {
      errors.push({ where, reason: `session ${s.session}: no record names its source address (src_ip)` });
      continue;
    }
    const ip = observable(s.srcIp.includes(':') ? 'ipv6-addr' : 'ipv4-addr', s.srcIp);
    if (typeof ip === 'string') {
      errors.push({ where, reason: `session ${s.session}: src_ip "${s.srcIp.slice(0, 60)}": ${ip}` });
      continue;
    }
    sources.add(ip.key);
    const nt = networkTraffic(s, ip);
    const refs = [ip.object.id, nt.id];
    scos.set(ip.object.id, ip.object);
    scos.set(nt.id, nt);
    const odId = derivedId('observed-data', ['cowrie', s.sensor ?? '', s.session]);
    const made: { o: MadeObservable; what: string }[] = [];
    for (const d of s.downloads) {
      downloads++;
      if (d.url !== null) {
        const u = observable('url', d.url);
        if (typeof u === 'string') warnings.push({ where, reason: `session ${s.session}: download URL kept in the session only: ${u}` });
        else made.push({ o: u, what: 'download URL' });
      }
      if (d.sha256 !== null) {
        const f = observable('sha256', d.sha256);
        if (typeof f !== 'string') made.push({ o: f, what: 'file (SHA-256)' });
      }
    }
    for (const { o, what } of made) {
      if (!refs.includes(o.object.id)) refs.push(o.object.id);
      scos.set(o.object.id, o.object);
      const pattern = patternFor(o.object);
      const id = generatedIndicatorId(pattern);
      if (!indicators.has(id))
        indicators.set(id, {
          ...indicatorObject({
            id,
            pattern,
            patternType: 'stix',
            created: iso(s.first),
            validFrom: iso(s.first),
            validUntil: iso(s.first + HONEYPOT_DOWNLOAD_TTL_MS),
            name: `Malware ${what} downloaded into a honeypot: ${o.display}`,
            description: `Downloaded into Cowrie honeypot${s.sensor ? ` ${s.sensor}` : ''} by ${ip.display} (session ${s.session}).`,
            indicatorTypes: ['malicious-activity'],
            labels: ['honeypot-download'],
          }),
          confidence: 60,
        });
      const sg = sighted.get(id) ?? { indicatorId: id, observed: [], first: s.first, last: s.last };
      if (!sg.observed.includes(odId)) sg.observed.push(odId);
      sg.first = Math.min(sg.first, s.first);
      sg.last = Math.max(sg.last, s.last);
      sighted.set(id, sg);
    }
    logins += s.loginsTotal;
    commands += s.commandsTotal;
    observed.push({
      type: 'observed-data',
      spec_version: '2.1',
      id: odId,
      created: iso(s.first),
      modified: iso(s.last),
      first_observed: iso(s.first),
      last_observed: iso(s.last),
      number_observed: 1,
      object_refs: refs,
      [HONEYPOT_PROPERTY]: sessionFields(s),
    });
  }
  const sightings = [...sighted.values()].map((sg): StixObject => ({
    type: 'sighting',
    spec_version: '2.1',
    id: derivedId('sighting', ['cowrie', sg.indicatorId, sg.observed[0]]),
    created: iso(sg.first),
    modified: iso(sg.last),
    sighting_of_ref: sg.indicatorId,
    observed_data_refs: sg.observed.slice(0, MAX_OBSERVED_REFS),
    count: sg.observed.length,
    first_seen: iso(sg.first),
    last_seen: iso(sg.last),
    x_kessetsu_where: 'sensor',
  }));
  return {
    format: 'cowrie',
    objects: [...scos.values(), ...indicators.values(), ...observed, ...sightings],
    errors,
    warnings,
    summary: { lines: log.lines, records: log.records, duplicate_lines: log.duplicates, sessions: observed.length, sources: sources.size, login_attempts: logins, commands, downloads },
  };
}
