import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Starts the record of an ingest. */
export async function insertIngest(db: Kysely<Database>, row: { org_id: string; user_id: string; format: string; source: string; filename: string | null; dry_run: boolean; params: Record<string, unknown>; bytes: number; status: 'pending' | 'running' }): Promise<string> {
  const r = await db.insertInto('ingests').values({ ...row, params: JSON.stringify(row.params), counts: '{}', errors: '[]', finished_at: null }).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Finishes the record of an ingest with its outcome. */
export async function finishIngest(db: Kysely<Database>, id: string, outcome: { status: 'done' | 'failed'; format: string; counts: Record<string, number>; errors: unknown[] }): Promise<void> {
  await db
    .updateTable('ingests')
    .set({ status: outcome.status, format: outcome.format, counts: JSON.stringify(outcome.counts), errors: JSON.stringify(outcome.errors), finished_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** Marks an ingest as running. */
export async function markIngestRunning(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('ingests').set({ status: 'running' }).where('id', '=', id).execute();
}

/** One ingest of an organisation (the hub sees all). */
export function findIngest(db: Kysely<Database>, id: string, orgId: string | null) {
  let q = db.selectFrom('ingests').selectAll().where('id', '=', id);
  if (orgId) q = q.where('org_id', '=', orgId);
  return q.executeTakeFirst();
}

/** Ingests left pending or running by a stopped process: they are failed, their transaction never committed. */
export async function failInterruptedIngests(db: Kysely<Database>): Promise<number> {
  const r = await db
    .updateTable('ingests')
    .set({ status: 'failed', errors: JSON.stringify([{ where: 'ingest', reason: 'interrupted by a restart before it committed; nothing of it was stored' }]), finished_at: new Date() })
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Bytes an organisation sent through the API since a time (the daily quota). */
export async function bytesIngestedSince(db: Kysely<Database>, orgId: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom('ingests')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('bytes'), eb.lit(0)).as('n'))
    .where('org_id', '=', orgId)
    .where('source', '=', 'api')
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
