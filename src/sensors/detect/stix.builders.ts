import { derivedId } from '../../ingest/parsers/stable-id.factory.ts';
import { indicatorObject } from '../../ingest/parsers/stix-indicator.factory.ts';
import { makeObservable, ObservableError, type ValueKind } from '../../observables/observable.factory.ts';
import { patternFor } from '../../sightings/pattern-for.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import type { Detection } from './detectors.ts';

// What detections become in the knowledge store, with ids derived from what they are about, so a
// second detection of the same thing the same day changes nothing.

const DAY = 86_400_000;
/** Ports an IoT botnet of the Mirai family spreads on (telnet, TR-069, ADB, Huawei/Realtek exploits). */
export const BOTNET_PORTS: ReadonlySet<number> = new Set([23, 2323, 5555, 7547, 37215, 52869]);
/** How long a scanner indicator stays valid: scanners move on, and an address is soon someone else's. */
export const SCANNER_TTL_MS = DAY;
/** Confidence of a scanner indicator (low: one sensor saw probes). */
export const SCANNER_CONFIDENCE = 20;
/** How long a honeypot download indicator stays valid. */
export const DOWNLOAD_TTL_MS = 30 * DAY;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function observableOf(value: string): ReturnType<typeof makeObservable> | null {
  const kind: ValueKind = value.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
  try {
    return makeObservable(kind, value);
  } catch (err) {
    if (err instanceof ObservableError) return null;
    throw err;
  }
}

/**
 * A low-confidence, fast-decaying indicator of a scanning source (one per source, sensor owner and
 * day); sources probing botnet ports are named likely infected hosts.
 */
export function scannerIndicator(d: Detection, sensorLabel: string): StixObject[] {
  const o = observableOf(d.subject);
  if (!o) return [];
  const ports = ((d.details.ports as number[] | undefined) ?? []).slice(0, 16);
  const bot = ports.some((p) => BOTNET_PORTS.has(p));
  const day = d.minute - (d.minute % DAY);
  const seen = iso(d.minute);
  const ind = indicatorObject({
    id: derivedId('indicator', ['kessetsu-sensor-scanner', o.key, day]),
    pattern: patternFor(o.object),
    patternType: 'stix',
    created: seen,
    validFrom: seen,
    validUntil: iso(d.minute + SCANNER_TTL_MS),
    name: bot ? `Likely infected host scanning botnet ports (${ports.join(', ')}): ${o.display}` : `Scanner: ${o.display}`,
    description: `Seen by sensor "${sensorLabel}" probing ${String(d.details.sensor_addresses)} sensor address(es) on port(s) ${ports.join(', ') || '(none)'}, ${String(d.details.packets)} packet(s) in the minute from ${seen}.`,
    indicatorTypes: bot ? ['compromised', 'anomalous-activity'] : ['anomalous-activity'],
    labels: bot ? ['scanner', 'infected-host'] : ['scanner'],
  });
  return [o.object, { ...ind, confidence: SCANNER_CONFIDENCE }];
}

/** Indicators of a file a honeypot saw downloaded: its URL and its SHA-256. */
export function downloadIndicators(d: Detection, sensorLabel: string): StixObject[] {
  const out: StixObject[] = [];
  const seen = iso(d.minute);
  const add = (kind: ValueKind, raw: unknown, what: string) => {
    if (typeof raw !== 'string') return;
    let o;
    try {
      o = makeObservable(kind, raw);
    } catch (err) {
      if (err instanceof ObservableError) return;
      throw err;
    }
    out.push(
      o.object,
      {
        ...indicatorObject({
          id: derivedId('indicator', ['kessetsu-honeypot-download', o.key]),
          pattern: patternFor(o.object),
          patternType: 'stix',
          created: seen,
          validFrom: seen,
          validUntil: iso(d.minute + DOWNLOAD_TTL_MS),
          name: `Malware ${what} seen by honeypot: ${o.display}`,
          description: `Downloaded into honeypot "${sensorLabel}" by ${String(d.details.source)} at ${String(d.details.time)}.`,
          indicatorTypes: ['malicious-activity'],
          labels: ['honeypot-download'],
        }),
        confidence: 60,
      },
    );
  };
  add('url', d.details.url, 'download URL');
  add('sha256', d.details.sha256, 'file');
  return out;
}

/** A sighting by a sensor of an indicator it matched, over [first, last], with its observed data. */
export function sensorSighting(opts: { sensorId: string; indicatorId: string; value: string; hour: number; first: number; last: number; count: number; whereId: string; modified: number }): StixObject[] {
  const o = observableOf(opts.value);
  if (!o) return [];
  const created = iso(opts.first);
  const od: StixObject = {
    type: 'observed-data',
    spec_version: '2.1',
    id: derivedId('observed-data', ['kessetsu-sensor', opts.sensorId, o.key, opts.hour]),
    created,
    modified: iso(opts.modified),
    first_observed: created,
    last_observed: iso(opts.last),
    number_observed: opts.count,
    object_refs: [o.object.id],
  };
  const sighting: StixObject = {
    type: 'sighting',
    spec_version: '2.1',
    id: derivedId('sighting', ['kessetsu-sensor', opts.sensorId, opts.indicatorId, opts.hour]),
    created,
    modified: iso(opts.modified),
    sighting_of_ref: opts.indicatorId,
    observed_data_refs: [od.id],
    where_sighted_refs: [opts.whereId],
    count: opts.count,
    first_seen: created,
    last_seen: iso(opts.last),
    x_kessetsu_where: 'sensor',
    x_kessetsu_sensor_id: opts.sensorId,
  };
  return [o.object, od, sighting];
}
