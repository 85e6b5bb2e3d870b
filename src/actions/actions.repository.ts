import { sql, type Insertable, type Kysely, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import type { ActionEventsTable, ActionsTable, Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';

/** An action as stored. */
export type ActionRow = Selectable<ActionsTable>;
/** An action's event as stored. */
export type ActionEventRow = Selectable<ActionEventsTable>;

/** Inserts an action. */
export function insertAction(db: Kysely<Database>, row: Insertable<ActionsTable>): Promise<ActionRow> {
  return db.insertInto('actions').values(row).returningAll().executeTakeFirstOrThrow();
}

/** One action. */
export function findAction(db: Kysely<Database>, id: string): Promise<ActionRow | undefined> {
  return db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Changes an action and answers it. */
export function updateAction(db: Kysely<Database>, id: string, patch: Updateable<ActionsTable>): Promise<ActionRow> {
  return db.updateTable('actions').set({ ...patch, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Appends an event to an action's history. */
export async function insertActionEvent(db: Kysely<Database>, e: Insertable<ActionEventsTable>): Promise<void> {
  await db.insertInto('action_events').values(e).execute();
}

/** An action's history, oldest first. */
export function actionEvents(db: Kysely<Database>, actionId: string): Promise<ActionEventRow[]> {
  return db.selectFrom('action_events').selectAll().where('action_id', '=', actionId).orderBy('id').execute();
}

/**
 * SQL condition on an actions row `a`: the viewer may read it. Hub analysts read all; others the
 * actions of cases assigned to their organisation, and actions addressed to their organisation.
 * Hotline actions (no case) are read by hub analysts and hotline operators.
 */
export function visibleAction(viewer: Viewer): RawBuilder<boolean> {
  if (isHub(viewer)) return sql<boolean>`true`;
  const hotline = viewer.role === 'hotline_operator' ? sql`or a.case_id is null` : sql``;
  return sql<boolean>`(a.case_id in (select k.id from cases k where k.le_org_id = ${viewer.orgId})
    or a.recipient->>'org_id' = ${viewer.orgId} ${hotline})`;
}

/** Actions the viewer may read, newest first (of one case when asked). */
export function listActions(db: Kysely<Database>, viewer: Viewer, o: { caseId?: string | undefined; status?: string | undefined; limit: number; beforeAt?: Date | undefined }) {
  let q = db.selectFrom('actions as a').selectAll('a').where(visibleAction(viewer)).orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(o.limit);
  if (o.caseId) q = q.where('a.case_id', '=', o.caseId);
  if (o.status) q = q.where('a.status', '=', o.status as ActionRow['status']);
  if (o.beforeAt) q = q.where('a.created_at', '<', o.beforeAt);
  return q.execute();
}

/** Actions whose target is one of these keys (histories of contributions). */
export function actionsOnKeys(db: Kysely<Database>, keys: readonly string[]): Promise<ActionRow[]> {
  if (!keys.length) return Promise.resolve([]);
  return db.selectFrom('actions').selectAll().where('target_key', 'in', [...keys]).orderBy('created_at', 'desc').limit(100).execute();
}

/** The delivery state of a notice: its outbox rows. */
export function noticeDeliveries(db: Kysely<Database>, alertId: number) {
  return db.selectFrom('outbox').select(['id', 'target', 'status', 'attempts', 'last_error', 'delivered_at']).where('alert_id', '=', alertId).orderBy('id').execute();
}
