import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Viewer } from '../access/viewer.ts';
import type { Database } from '../db/schema.ts';
import type { SensorRow, SensorsTable } from './sensors.tables.ts';

/** Inserts a sensor and returns it. */
export function insertSensor(db: Kysely<Database>, s: Insertable<SensorsTable>): Promise<SensorRow> {
  return db.insertInto('sensors').values(s).returningAll().executeTakeFirstOrThrow();
}

/** One sensor by id (revoked ones too). */
export function findSensor(db: Kysely<Database>, id: string): Promise<SensorRow | undefined> {
  return db.selectFrom('sensors').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Sensors, oldest first; of one organisation when given. */
export function listSensors(db: Kysely<Database>, opts: { orgId?: string; includeRevoked?: boolean } = {}): Promise<SensorRow[]> {
  let q = db.selectFrom('sensors').selectAll().orderBy('created_at').orderBy('id');
  if (opts.orgId) q = q.where('org_id', '=', opts.orgId);
  if (!opts.includeRevoked) q = q.where('revoked_at', 'is', null);
  return q.execute();
}

/** Changes a sensor; returns the new row. */
export function updateSensor(db: Kysely<Database>, id: string, patch: Updateable<SensorsTable>): Promise<SensorRow | undefined> {
  return db
    .updateTable('sensors')
    .set({ ...patch, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Records when sensors last sent events. */
export async function touchSensors(db: Kysely<Database>, last: ReadonlyMap<string, number>): Promise<void> {
  for (const [id, at] of last) await db.updateTable('sensors').set({ last_event_at: new Date(at) }).where('id', '=', id).execute();
}

/** The person who registered a sensor, as a viewer (what its detections are contributed as); null when disabled or gone. */
export async function registrantOf(db: Kysely<Database>, s: { created_by: string }): Promise<Viewer | null> {
  const r = await db
    .selectFrom('users as u')
    .innerJoin('orgs as o', 'o.id', 'u.org_id')
    .select(['u.id', 'u.role', 'u.disabled_at', 'o.id as org_id', 'o.kind', 'o.sector', 'o.nda_accepted_at'])
    .where('u.id', '=', s.created_by)
    .executeTakeFirst();
  if (!r || r.disabled_at) return null;
  const groups = await db.selectFrom('sharing_group_members').select('group_id').where('org_id', '=', r.org_id).execute();
  return { kind: 'user', userId: r.id, orgId: r.org_id, orgKind: r.kind, sector: r.sector, role: r.role, ndaAccepted: r.nda_accepted_at !== null, groupIds: groups.map((g) => g.group_id), keyId: null };
}
