import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { StatusDetail, TaxiiStatusRow } from './taxii.tables.ts';

/** Records a POST before it is processed: every object pending. */
export async function insertPendingStatus(
  db: Kysely<Database>,
  s: { id: string; orgId: string; userId: string; collectionId: string; requestTimestamp: Date; pendings: readonly StatusDetail[]; failures: readonly StatusDetail[] },
): Promise<void> {
  await db
    .insertInto('taxii_statuses')
    .values({
      id: s.id,
      org_id: s.orgId,
      user_id: s.userId,
      collection_id: s.collectionId,
      status: 'pending',
      request_timestamp: s.requestTimestamp,
      total_count: s.pendings.length + s.failures.length,
      pending_count: s.pendings.length,
      failure_count: s.failures.length,
      pendings: JSON.stringify(s.pendings),
      failures: JSON.stringify(s.failures),
      successes: '[]',
    })
    .execute();
}

/** Writes the outcome of a POST: nothing pending any more. */
export async function completeStatus(db: Kysely<Database>, id: string, outcome: { successes: readonly StatusDetail[]; failures: readonly StatusDetail[]; ingestId: string | null }): Promise<void> {
  await db
    .updateTable('taxii_statuses')
    .set({
      status: 'complete',
      success_count: outcome.successes.length,
      failure_count: outcome.failures.length,
      pending_count: 0,
      successes: JSON.stringify(outcome.successes),
      failures: JSON.stringify(outcome.failures),
      pendings: '[]',
      ingest_id: outcome.ingestId,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** A status, only for the user who posted it. */
export function findStatus(db: Kysely<Database>, id: string, userId: string): Promise<TaxiiStatusRow | undefined> {
  return db.selectFrom('taxii_statuses').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

/**
 * POSTs left pending by a process that stopped (crash, restart) are closed as failures, so their poster
 * learns the objects were not stored (an ingest is one transaction: nothing was half written).
 */
export async function failStalePending(db: Kysely<Database>, olderThan: Date): Promise<number> {
  const stale = await db.selectFrom('taxii_statuses').select(['id', 'pendings', 'failures']).where('status', '=', 'pending').where('updated_at', '<', olderThan).execute();
  for (const s of stale) {
    const failed = [...s.failures, ...s.pendings.map((p) => ({ id: p.id, version: p.version, message: 'not stored: the server stopped while processing this request; post it again' }))];
    await db
      .updateTable('taxii_statuses')
      .set({ status: 'complete', pending_count: 0, pendings: '[]', failure_count: failed.length, failures: JSON.stringify(failed), updated_at: new Date() })
      .where('id', '=', s.id)
      .where('status', '=', 'pending')
      .execute();
  }
  return stale.length;
}
