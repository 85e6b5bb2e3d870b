import type { Kysely } from 'kysely';
import { contributionPredicate, countablePredicate, quickVerdicts } from '../../access/visibility.policy.ts';
import type { Viewer } from '../../access/viewer.ts';
import type { Database, OrgRow } from '../../db/schema.ts';
import type { AlertsEngine } from '../../feedback/subscriptions/alerts.engine.ts';
import type { SubscriptionRegistry } from '../../feedback/subscriptions/subscription.registry.ts';
import type { IngestService } from '../../ingest/ingest.service.ts';
import type { ObservableIndex } from '../../lookup/observable.index.ts';
import { orgIdentity } from '../../orgs/org-identity.ts';
import { findOrg } from '../../orgs/orgs.repository.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import type { Member } from '../aggregate/distinct.sketch.ts';
import type { MinuteBucket } from '../aggregate/minute.bucket.ts';
import { memberText } from '../aggregate/minute.rows.ts';
import { registrantOf } from '../sensors.repository.ts';
import type { SensorRow } from '../sensors.tables.ts';
import type { Detection } from './detectors.ts';
import { claimScanners, insertDetections, pruneScannerClaims } from './detections.repository.ts';
import { raiseDosAlerts } from './dos.alerts.ts';
import { downloadIndicators, scannerIndicator, sensorSighting } from './stix.builders.ts';

/** What the actions need from the rest of the hub. */
export interface ActionDeps {
  readonly db: Kysely<Database>;
  readonly ingest: IngestService;
  readonly index: ObservableIndex;
  readonly registry: SubscriptionRegistry;
  readonly alerts: AlertsEngine;
  /** Reports a failure that must not stop the pipeline. */
  readonly onError?: (what: string, err: unknown) => void;
}

interface Sighted {
  readonly sensor: SensorRow;
  readonly indicatorId: string;
  readonly value: string;
  readonly hour: number;
  readonly whereId: string;
  first: number;
  last: number;
  count: number;
  emitted: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Sources of a minute checked against what the hub knows. */
const MAX_CHECKED = 50_000;
/** Scanner detections recorded per sensor and minute (all of them become indicators). */
const MAX_SCANNERS_RECORDED = 100;

/** Addresses that never become indicators: private, loopback, link-local, shared (CGNAT), multicast, unspecified. */
export function isInternal(m: Member): boolean {
  if (typeof m === 'number') {
    const a = m >>> 24;
    const b = (m >>> 16) & 255;
    return a === 0 || a === 10 || a === 127 || a >= 224 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return m === '::' || m === '::1' || /^f[cd]/.test(m) || /^fe[89ab]/.test(m) || m.startsWith('ff');
}

/**
 * What detections do: recorded for the reports; scanners become low-confidence, fast-decaying
 * indicators; honeypot downloads become indicators; sources matching indicators the sensor's owner
 * may see become sightings (one per source, sensor and hour, brought up to date when the hour
 * ends); all of a minute in one ingest as the sensor's registrant, at the sensor's share TLP, so the
 * feed-back area alerts on them like on any contribution (an ISP hears of infected hosts in its
 * ranges). DoS backscatter alerts members whose asset ranges hold the victim.
 */
export class DetectionActions {
  readonly #d: ActionDeps;
  readonly #sighted = new Map<string, Sighted>();
  readonly #scanners = new Set<string>();
  #scannerDay = 0;
  readonly #owners = new Map<string, { viewer: Viewer | null; org: OrgRow | undefined; at: number }>();

  constructor(deps: ActionDeps) {
    this.#d = deps;
  }

  async #owner(s: SensorRow): Promise<{ viewer: Viewer | null; org: OrgRow | undefined }> {
    const hit = this.#owners.get(s.id);
    if (hit && Date.now() - hit.at < 300_000) return hit;
    const entry = { viewer: await registrantOf(this.#d.db, s), org: await findOrg(this.#d.db, s.org_id), at: Date.now() };
    this.#owners.set(s.id, entry);
    return entry;
  }

  /** Acts on a closed minute of a sensor and what was detected in it. */
  async handle(sensor: SensorRow, bucket: MinuteBucket, detections: readonly Detection[]): Promise<void> {
    const recorded = [...detections.filter((d) => d.kind !== 'scanner'), ...detections.filter((d) => d.kind === 'scanner').slice(0, MAX_SCANNERS_RECORDED)];
    if (recorded.length) await insertDetections(this.#d.db, recorded);
    const { viewer, org } = await this.#owner(sensor);
    const objects: StixObject[] = [];
    if (viewer && org) {
      const where = orgIdentity(org);
      const known = this.#known(sensor, bucket, viewer, where.id);
      const day = bucket.minute - (bucket.minute % DAY);
      if (day !== this.#scannerDay) {
        this.#scanners.clear();
        if (day > this.#scannerDay) await pruneScannerClaims(this.#d.db, new Date(day - DAY));
        this.#scannerDay = day;
      }
      // A scanner becomes an indicator of the organisation once a day across nodes and restarts: this
      // node's memory answers first, the claims table for the rest.
      const candidates = detections.filter((d) => d.kind === 'scanner' && !known.has(d.subject) && !this.#scanners.has(`${sensor.org_id}|${d.subject}`) && !isInternal(bucketMember(d.subject)));
      const claimed = candidates.length ? await claimScanners(this.#d.db, sensor.org_id, new Date(day), candidates.map((d) => d.subject)) : new Set<string>();
      for (const d of candidates) this.#scanners.add(`${sensor.org_id}|${d.subject}`);
      for (const d of detections) {
        if (d.kind === 'scanner') {
          if (claimed.has(d.subject)) objects.push(...scannerIndicator(d, sensor.label));
        } else if (d.kind === 'download') objects.push(...downloadIndicators(d, sensor.label));
      }
      objects.push(...this.#dueSightings(bucket.minute, sensor.id, false));
      if (objects.some((o) => o.type === 'sighting')) objects.push(where);
      await this.#ingest(viewer, sensor, objects);
    }
    await raiseDosAlerts(this.#d.db, this.#d.registry, this.#d.alerts, sensor, detections);
  }

  // Sources of the minute that match indicators the owner may see: counted into this hour's sighting.
  #known(sensor: SensorRow, b: MinuteBucket, viewer: Viewer, whereId: string): Set<string> {
    const visible = contributionPredicate(viewer);
    const countable = countablePredicate(viewer);
    const quick = quickVerdicts(viewer);
    const hour = b.minute - (b.minute % HOUR);
    const out = new Set<string>();
    let checked = 0;
    for (const [m, n] of b.sources) {
      if (++checked > MAX_CHECKED) break;
      const text = memberText(m);
      const key = `${typeof m === 'number' ? 'ipv4-addr' : 'ipv6-addr'}:${text}`;
      if (!this.#d.index.hasKey(key)) continue;
      const match = this.#d.index.match(viewer, key, visible, countable, quick);
      const indicator = match?.objects.find((o) => o.type === 'indicator');
      if (!indicator) continue;
      out.add(text);
      const k = `${sensor.id}|${indicator.id}|${hour}`;
      const s = this.#sighted.get(k);
      if (s) {
        s.count += n;
        s.last = b.minute + 59_999;
      } else this.#sighted.set(k, { sensor, indicatorId: indicator.id, value: text, hour, whereId, first: b.minute, last: b.minute + 59_999, count: n, emitted: 0 });
    }
    return out;
  }

  // Sightings to send now: new ones at once, and finished hours brought up to date once.
  #dueSightings(now: number, sensorId: string | null, all: boolean): StixObject[] {
    const out: StixObject[] = [];
    for (const [k, s] of this.#sighted) {
      if (sensorId !== null && s.sensor.id !== sensorId) continue;
      const done = all || s.hour + HOUR <= now;
      if (s.emitted === 0 || (done && s.emitted !== s.count)) {
        out.push(...sensorSighting({ sensorId: s.sensor.id, indicatorId: s.indicatorId, value: s.value, hour: s.hour, first: s.first, last: s.last, count: s.count, whereId: s.whereId, modified: s.last }));
        s.emitted = s.count;
      }
      if (done) this.#sighted.delete(k);
    }
    return out;
  }

  async #ingest(viewer: Viewer, sensor: SensorRow, objects: StixObject[]): Promise<void> {
    if (!objects.length) return;
    try {
      await this.#d.ingest.ingestParsed(viewer, { format: 'stix', objects, errors: [], warnings: [] }, { format: 'stix', tlp: sensor.share_tlp, orgs: sensor.share_orgs, groups: sensor.share_groups, users: [], anonymous: false, dryRun: false, lenient: true, source: 'sensor' });
    } catch (err) {
      this.#d.onError?.(`ingest of detections of sensor ${sensor.id}`, err);
    }
  }

  /** Sends every pending sighting up to date (shutdown, tests). */
  async flush(sensors: readonly SensorRow[]): Promise<void> {
    for (const sensor of sensors) {
      const { viewer, org } = await this.#owner(sensor);
      if (!viewer || !org) continue;
      const objects = this.#dueSightings(Infinity, sensor.id, true);
      if (objects.length) objects.push(orgIdentity(org));
      await this.#ingest(viewer, sensor, objects);
    }
  }
}

function bucketMember(text: string): Member {
  if (text.includes(':')) return text;
  const p = text.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
