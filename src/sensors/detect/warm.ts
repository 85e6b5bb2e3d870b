import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { portKey } from '../aggregate/minute.bucket.ts';
import { protoOfName } from '../events/sensor-event.ts';
import type { Detectors } from './detectors.ts';

const MINUTE = 60_000;

/** The port key of a stored "tcp/23", or null. */
export function portKeyOf(text: string): number | null {
  const m = /^([a-z0-9]+)\/(\d{1,5})$/.exec(text);
  if (!m) return null;
  const proto = protoOfName(m[1]!);
  const port = Number(m[2]);
  return proto < 0 || port > 65535 ? null : portKey(proto, port);
}

/**
 * Teaches the detectors the last hour of stored minutes, so a restarted node judges surges and new
 * ports at once instead of after a fresh warm-up.
 */
export async function warmDetectors(db: Kysely<Database>, detectors: Detectors, now: number, minutes = 60): Promise<number> {
  const rows = await db
    .selectFrom('sensor_counts_minute')
    .select(['sensor_id', 'bucket', 'key', 'count'])
    .where('dim', '=', 'port')
    .where('bucket', '>=', new Date(now - minutes * MINUTE))
    .orderBy('bucket')
    .execute();
  const minutesOf = new Map<string, Map<number, Map<number, number>>>();
  for (const r of rows) {
    const k = portKeyOf(r.key);
    if (k === null) continue;
    let bySensor = minutesOf.get(r.sensor_id);
    if (!bySensor) minutesOf.set(r.sensor_id, (bySensor = new Map()));
    const t = r.bucket.getTime();
    let ports = bySensor.get(t);
    if (!ports) bySensor.set(t, (ports = new Map()));
    ports.set(k, Number(r.count));
  }
  let learned = 0;
  for (const [sensorId, byMinute] of minutesOf) {
    const first = Math.min(...byMinute.keys());
    const last = Math.max(...byMinute.keys());
    // Every minute of the span, quiet ones included: a silent minute is a zero, not a gap.
    for (let t = first; t <= last; t += MINUTE, learned++) detectors.learn(sensorId, t, byMinute.get(t) ?? new Map());
  }
  return learned;
}
