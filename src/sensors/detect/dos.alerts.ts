import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AlertsEngine } from '../../feedback/subscriptions/alerts.engine.ts';
import { MatchCollector, draftOf, type AlertDraft } from '../../feedback/subscriptions/alert.draft.ts';
import type { MatchPlan } from '../../feedback/subscriptions/match.plan.ts';
import type { SubscriptionRegistry } from '../../feedback/subscriptions/subscription.registry.ts';
import { writeAlerts } from '../../feedback/outbox/alerts.writer.ts';
import { sensorScope } from '../sensor.policy.ts';
import type { SensorRow } from '../sensors.tables.ts';
import type { Detection } from './detectors.ts';

/**
 * Alert drafts for members whose asset subscriptions cover the victim of DoS backscatter: a member
 * hears of a DoS against its addresses when it may see the sensor's aggregates (the one policy).
 */
export function dosDrafts(plan: MatchPlan, sensor: SensorRow, detections: readonly Detection[]): AlertDraft[] {
  const drafts = new Map<number, { c: MatchCollector; d: Detection[] }>();
  const scope = sensorScope(sensor);
  for (const d of detections) {
    if (d.kind !== 'backscatter') continue;
    const key = `${d.subject.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:${d.subject}`;
    for (const hit of plan.asset.match(key)) {
      const i = plan.assetOwners[hit.owner]!;
      const sub = plan.subs[i]!;
      if (!sub.visible(scope)) continue;
      let entry = drafts.get(i);
      if (!entry) drafts.set(i, (entry = { c: new MatchCollector(), d: [] }));
      entry.c.add({ value: d.subject, type: key.slice(0, key.indexOf(':')), reason: `DoS backscatter (${hit.reason})`, object_ids: [], tlp: sensor.share_tlp });
      entry.d.push(d);
    }
  }
  return [...drafts].map(([i, { c, d }]) => {
    const first = d[0]!;
    const ports = [...new Set(d.flatMap((x) => (x.details.attacked_ports as number[] | undefined) ?? []))];
    const details = {
      detection: 'dos_backscatter',
      sensor: { id: sensor.id, label: sensor.label },
      minute: new Date(first.minute).toISOString(),
      victims: d.map((x) => ({ address: x.subject, packets: x.details.packets, sensor_addresses: x.details.sensor_addresses, attacked_ports: x.details.attacked_ports })),
    };
    const draft = draftOf(plan.subs[i]!, c, { sensor: sensor.id, minute: first.minute }, null, details);
    const more = c.total > 1 ? ` (+${c.total - 1} more)` : '';
    return { ...draft, title: `DoS attack on your address ${first.subject}${ports.length ? ` (port ${ports.slice(0, 5).join(', ')})` : ''}: backscatter seen by a sensor${more}` };
  });
}

/** Writes DoS alerts in one transaction and announces them; answers how many were written. */
export async function raiseDosAlerts(db: Kysely<Database>, registry: SubscriptionRegistry, alerts: AlertsEngine, sensor: SensorRow, detections: readonly Detection[]): Promise<number> {
  if (!detections.some((d) => d.kind === 'backscatter')) return 0;
  const ids = await db.transaction().execute(async (trx) => writeAlerts(trx, dosDrafts(await registry.plan(trx), sensor, detections)));
  if (ids.length) alerts.announce();
  return ids.length;
}
