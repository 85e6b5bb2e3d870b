import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import './analysis.tables.ts';

/** Every distinct observable key of the store (to check them all against changed warninglists). */
export async function storedKeys(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('object_keys').select('key').distinct().execute();
  return rows.map((r) => r.key);
}

/** The stored setting overrides ({} when none). */
export async function loadSettingOverrides(db: Kysely<Database>): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('analysis_settings').select('settings').where('id', '=', 1).executeTakeFirst();
  const s = row?.settings;
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : {};
}

/** Replaces the stored setting overrides. */
export async function saveSettingOverrides(db: Kysely<Database>, settings: Record<string, unknown>): Promise<void> {
  await db
    .insertInto('analysis_settings')
    .values({ id: 1, settings: JSON.stringify(settings), updated_at: new Date() })
    .onConflict((oc) => oc.column('id').doUpdateSet({ settings: JSON.stringify(settings), updated_at: new Date() }))
    .execute();
}

/** The latest runs, newest first. */
export function latestRuns(db: Kysely<Database>, limit = 10) {
  return db.selectFrom('analysis_runs').select(['id', 'trigger', 'status', 'started_at', 'finished_at', 'stats']).orderBy('id', 'desc').limit(limit).execute();
}

/** Stores the correlation summary of an ingest. */
export async function insertIngestCorrelation(
  db: Kysely<Database>,
  row: { ingestId: string; orgId: string; userId: string | null; checked: number; correlated: number; warninglisted: number; tooCommon: number; items: unknown[] },
): Promise<void> {
  await db
    .insertInto('analysis_ingest_correlations')
    .values({
      ingest_id: row.ingestId,
      org_id: row.orgId,
      user_id: row.userId,
      checked: row.checked,
      correlated: row.correlated,
      warninglisted: row.warninglisted,
      too_common: row.tooCommon,
      items: JSON.stringify(row.items),
    })
    .onConflict((oc) => oc.column('ingest_id').doNothing())
    .execute();
}

/** The correlation summary of an ingest, when it belongs to the organisation (any, for the hub: null). */
export function findIngestCorrelation(db: Kysely<Database>, ingestId: string, orgId: string | null) {
  let q = db.selectFrom('analysis_ingest_correlations').selectAll().where('ingest_id', '=', ingestId);
  if (orgId !== null) q = q.where('org_id', '=', orgId);
  return q.executeTakeFirst();
}
