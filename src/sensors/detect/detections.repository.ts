import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { DetectionRow } from '../sensors.tables.ts';
import type { Detection } from './detectors.ts';

/** Records detections. */
export async function insertDetections(db: Kysely<Database>, list: readonly Detection[]): Promise<void> {
  for (let i = 0; i < list.length; i += 1000) {
    await db
      .insertInto('sensor_detections')
      .values(list.slice(i, i + 1000).map((d) => ({ sensor_id: d.sensorId, kind: d.kind, subject: d.subject.slice(0, 2000), bucket: new Date(d.minute), score: d.score, details: JSON.stringify(d.details) })))
      .execute();
  }
}

/** Detections of some sensors over [from, to), newest first, optionally of some kinds. */
export function listDetections(db: Kysely<Database>, sensorIds: readonly string[], from: Date, to: Date, opts: { kinds?: readonly string[]; limit: number; beforeId?: number }): Promise<DetectionRow[]> {
  if (!sensorIds.length) return Promise.resolve([]);
  let q = db.selectFrom('sensor_detections').selectAll().where('sensor_id', 'in', sensorIds).where('bucket', '>=', from).where('bucket', '<', to).orderBy('id', 'desc').limit(opts.limit);
  if (opts.kinds?.length) q = q.where('kind', 'in', opts.kinds);
  if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId);
  return q.execute();
}

/**
 * Claims scanners of an organisation for a day: answers those no node claimed before (they become
 * indicators now); the others already did, on this node or another, before or after a restart.
 */
export async function claimScanners(db: Kysely<Database>, orgId: string, day: Date, subjects: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < subjects.length; i += 1000) {
    const rows = await db
      .insertInto('sensor_scanner_claims')
      .values(subjects.slice(i, i + 1000).map((subject) => ({ org_id: orgId, subject, day })))
      .onConflict((oc) => oc.columns(['org_id', 'day', 'subject']).doNothing())
      .returning('subject')
      .execute();
    for (const r of rows) out.add(r.subject);
  }
  return out;
}

/** Forgets claims of days before `before` (their indicators have expired). */
export async function pruneScannerClaims(db: Kysely<Database>, before: Date): Promise<void> {
  await db.deleteFrom('sensor_scanner_claims').where('day', '<', before).execute();
}
