import { sql, type Kysely, type Updateable } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import type { RemoteAuth, TaxiiRemoteRow, TaxiiRemotesTable } from './taxii.tables.ts';

/** A new remote collection. */
export interface NewRemote {
  readonly name: string;
  readonly collectionUrl: string;
  readonly auth: RemoteAuth;
  readonly username: string | null;
  readonly secret: string | null;
  readonly partnerOrgId: string;
  readonly defaultTlp: Tlp;
  readonly maxTlp: Tlp;
  readonly intervalSeconds: number;
}

/** Stores a remote; the name must be new. */
export function insertRemote(db: Kysely<Database>, r: NewRemote): Promise<TaxiiRemoteRow> {
  return db
    .insertInto('taxii_remotes')
    .values({
      name: r.name,
      collection_url: r.collectionUrl,
      auth: r.auth,
      username: r.username,
      secret: r.secret,
      partner_org_id: r.partnerOrgId,
      default_tlp: r.defaultTlp,
      max_tlp: r.maxTlp,
      interval_seconds: r.intervalSeconds,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Every remote, by name. */
export function listRemotes(db: Kysely<Database>): Promise<TaxiiRemoteRow[]> {
  return db.selectFrom('taxii_remotes').selectAll().orderBy('name').execute();
}

/** A remote by name or id. */
export function findRemote(db: Kysely<Database>, ref: string): Promise<TaxiiRemoteRow | undefined> {
  const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  return db
    .selectFrom('taxii_remotes')
    .selectAll()
    .where((eb) => (isId ? eb.or([eb('id', '=', ref), eb('name', '=', ref)]) : eb('name', '=', ref)))
    .executeTakeFirst();
}

/** Removes a remote (and its push state); true when it existed. */
export async function deleteRemote(db: Kysely<Database>, id: string): Promise<boolean> {
  const res = await db.deleteFrom('taxii_remotes').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Changes a remote's settings (web interface, issue 13); answers the new row, or undefined when it is gone. */
export function updateRemoteRow(db: Kysely<Database>, id: string, set: Updateable<TaxiiRemotesTable>): Promise<TaxiiRemoteRow | undefined> {
  return db.updateTable('taxii_remotes').set(set).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Forgets where pushes to a remote stopped (its collection URL changed: the new collection has none of it). */
export async function clearPushState(db: Kysely<Database>, remoteId: string): Promise<void> {
  await db.deleteFrom('taxii_push_state').where('remote_id', '=', remoteId).execute();
}

/** Moves the incremental pull state forward (after a page was stored). */
export async function saveAddedAfter(db: Kysely<Database>, id: string, addedAfter: string): Promise<void> {
  await db.updateTable('taxii_remotes').set({ added_after: addedAfter }).where('id', '=', id).execute();
}

/** Records how a pull ended. */
export async function recordPull(db: Kysely<Database>, id: string, outcome: { count: number; error: string | null }): Promise<void> {
  await db.updateTable('taxii_remotes').set({ last_pull_at: new Date(), last_pull_count: outcome.count, last_error: outcome.error }).where('id', '=', id).execute();
}

/**
 * Takes the lease of a remote for a scheduled pull, so one node pulls it at a time; false when another
 * node holds it or the remote is not due.
 */
export async function takeLease(db: Kysely<Database>, id: string, forSeconds: number): Promise<boolean> {
  const res = await sql`update taxii_remotes set lease_until = now() + make_interval(secs => ${forSeconds})
    where id = ${id} and enabled and (lease_until is null or lease_until < now())
      and (last_pull_at is null or last_pull_at + make_interval(secs => interval_seconds) <= now())`.execute(db);
  return Number(res.numAffectedRows ?? 0) > 0;
}

/** Gives the lease back. */
export async function releaseLease(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('taxii_remotes').set({ lease_until: null }).where('id', '=', id).execute();
}

/** Remotes with a schedule whose next pull is due. */
export function dueRemotes(db: Kysely<Database>): Promise<TaxiiRemoteRow[]> {
  return db
    .selectFrom('taxii_remotes')
    .selectAll()
    .where('enabled', '=', true)
    .where('interval_seconds', '>', 0)
    .where(sql<boolean>`(last_pull_at is null or last_pull_at + make_interval(secs => interval_seconds) <= now())`)
    .where(sql<boolean>`(lease_until is null or lease_until < now())`)
    .execute();
}

/** Where a push of a local collection to a remote stopped. */
export async function findPushCursor(db: Kysely<Database>, remoteId: string, collectionId: string): Promise<string | undefined> {
  const row = await db.selectFrom('taxii_push_state').select('cursor').where('remote_id', '=', remoteId).where('collection_id', '=', collectionId).executeTakeFirst();
  return row?.cursor;
}

/** Saves where a push stopped, and how many objects it sent in total. */
export async function savePushCursor(db: Kysely<Database>, remoteId: string, collectionId: string, cursor: string, pushed: number): Promise<void> {
  await db
    .insertInto('taxii_push_state')
    .values({ remote_id: remoteId, collection_id: collectionId, cursor, pushed })
    .onConflict((oc) => oc.columns(['remote_id', 'collection_id']).doUpdateSet({ cursor, pushed: sql`taxii_push_state.pushed + ${pushed}`, updated_at: new Date() }))
    .execute();
}
