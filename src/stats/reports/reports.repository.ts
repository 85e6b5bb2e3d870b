import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** A stored report without its content. */
export interface StoredReport {
  readonly id: string;
  readonly period: string;
  readonly lang: 'en' | 'ja';
  readonly format: 'html' | 'pdf';
  readonly status: 'running' | 'done' | 'failed';
  readonly error: string | null;
  readonly created_at: Date;
  readonly finished_at: Date | null;
}

/**
 * Claims a report to generate: a new row, or one whose lease ran out without it being done. The row is
 * the lock: of several nodes, one gets it. Answers the row id, or null when another node has it or it is done.
 */
export async function claimReport(db: Kysely<Database>, r: { period: string; lang: 'en' | 'ja'; format: 'html' | 'pdf'; leaseMs: number }): Promise<string | null> {
  const until = sql<Date>`now() + ${`${Math.ceil(r.leaseMs / 1000)} seconds`}::interval`;
  const row = await db
    .insertInto('stat_reports')
    .values({ period: r.period, lang: r.lang, format: r.format, status: 'running', lease_until: until })
    .onConflict((oc) =>
      oc
        .columns(['period', 'lang', 'format'])
        .doUpdateSet({ status: 'running', lease_until: until, error: null })
        .where('stat_reports.status', '<>', 'done')
        .where('stat_reports.lease_until', '<', sql<Date>`now()`),
    )
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Stores a generated report. */
export async function finishReport(db: Kysely<Database>, id: string, content: Buffer, contentType: string): Promise<void> {
  await db.updateTable('stat_reports').set({ status: 'done', content, content_type: contentType, lease_until: null, finished_at: sql`now()` }).where('id', '=', id).execute();
}

/** Records a failure; the report is tried again once `retryMs` has passed. */
export async function failReport(db: Kysely<Database>, id: string, error: string, retryMs: number): Promise<void> {
  await db
    .updateTable('stat_reports')
    .set({ status: 'failed', error: error.slice(0, 500), lease_until: sql<Date>`now() + ${`${Math.ceil(retryMs / 1000)} seconds`}::interval`, finished_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Stored reports, newest first. */
export function listReports(db: Kysely<Database>, limit: number): Promise<StoredReport[]> {
  return db.selectFrom('stat_reports').select(['id', 'period', 'lang', 'format', 'status', 'error', 'created_at', 'finished_at']).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
}

/** One stored report with its content. */
export function findReport(db: Kysely<Database>, id: string): Promise<{ content: Buffer | null; content_type: string | null; period: string; lang: string; format: string; status: string } | undefined> {
  return db.selectFrom('stat_reports').select(['content', 'content_type', 'period', 'lang', 'format', 'status']).where('id', '=', id).executeTakeFirst();
}
