import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** The node that runs an ingest and how long its lease holds without renewal (issue 10.6). */
export interface LeaseHolder {
  readonly nodeId: string;
  readonly leaseMs: number;
}

/** `now() + lease` in the database's clock, so nodes with skewed clocks agree. */
const leaseEnd = (leaseMs: number) => sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`;

/** Starts the record of an ingest, held by a node's lease when given. */
export async function insertIngest(db: Kysely<Database>, row: { org_id: string; user_id: string; format: string; source: string; filename: string | null; dry_run: boolean; params: Record<string, unknown>; bytes: number; status: 'pending' | 'running' }, lease?: LeaseHolder): Promise<string> {
  const r = await db
    .insertInto('ingests')
    .values({ ...row, params: JSON.stringify(row.params), counts: '{}', errors: '[]', finished_at: null, ...(lease ? { node_id: lease.nodeId, lease_until: leaseEnd(lease.leaseMs) } : {}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Renews the lease on every unfinished ingest of a node; answers how many it holds. */
export async function renewIngestLeases(db: Kysely<Database>, lease: LeaseHolder): Promise<number> {
  const r = await db
    .updateTable('ingests')
    .set({ lease_until: leaseEnd(lease.leaseMs) })
    .where('node_id', '=', lease.nodeId)
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
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

/**
 * Ingests left pending or running by a process that stopped: those whose lease ran out (or that never
 * had one) are failed, their transaction never committed. A live node's ingests keep their lease and
 * are left alone (issue 10.6).
 */
export async function failInterruptedIngests(db: Kysely<Database>): Promise<number> {
  const r = await db
    .updateTable('ingests')
    .set({ status: 'failed', errors: JSON.stringify([{ where: 'ingest', reason: 'interrupted: the process running it stopped before it committed; nothing of it was stored' }]), finished_at: new Date() })
    .where('status', 'in', ['pending', 'running'])
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', sql<Date>`now()`)]))
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
