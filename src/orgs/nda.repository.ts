import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** A published NDA version. */
export interface NdaVersionRow {
  readonly version: string;
  readonly title: string;
  readonly published_by: string | null;
  readonly published_at: Date;
}

/** One recorded acceptance of an NDA by an organisation. */
export interface NdaAcceptanceRow {
  readonly id: number;
  readonly org_id: string;
  readonly version: string;
  readonly signer_user_id: string;
  readonly recorded_by: string | null;
  readonly accepted_at: Date;
}

/** NDA versions, newest first. */
export function listNdaVersions(db: Kysely<Database>): Promise<NdaVersionRow[]> {
  return db.selectFrom('nda_versions').selectAll().orderBy('published_at', 'desc').orderBy('version', 'desc').execute();
}

/** One NDA version, or the newest when version is undefined. */
export function findNdaVersion(db: Kysely<Database>, version: string | undefined): Promise<NdaVersionRow | undefined> {
  let q = db.selectFrom('nda_versions').selectAll();
  q = version === undefined ? q.orderBy('published_at', 'desc').orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
  return q.executeTakeFirst();
}

/** Publishes a new NDA version. */
export function insertNdaVersion(db: Kysely<Database>, v: { version: string; title: string; published_by: string | null }): Promise<NdaVersionRow> {
  return db.insertInto('nda_versions').values(v).returningAll().executeTakeFirstOrThrow();
}

/** Records an acceptance (history: rows are never changed) and makes it the organisation's current one. */
export async function insertNdaAcceptance(db: Kysely<Database>, a: { org_id: string; version: string; signer_user_id: string; recorded_by: string | null }): Promise<NdaAcceptanceRow> {
  const row = await db.insertInto('nda_acceptances').values(a).returningAll().executeTakeFirstOrThrow();
  await db.updateTable('orgs').set({ nda_accepted_at: row.accepted_at, nda_accepted_by: a.signer_user_id, nda_version: a.version, updated_at: row.accepted_at }).where('id', '=', a.org_id).execute();
  return row;
}

/** An organisation's acceptances, newest first. */
export function ndaHistory(db: Kysely<Database>, orgId: string): Promise<NdaAcceptanceRow[]> {
  return db.selectFrom('nda_acceptances').selectAll().where('org_id', '=', orgId).orderBy('id', 'desc').execute();
}
