import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, HotlineEntriesTable, HotlineReportsTable } from '../db/schema.ts';

/** An entry: one normalised URL and everything decided about it. */
export type EntryRow = Selectable<HotlineEntriesTable>;
/** One report of one URL. */
export type ReportRow = Selectable<HotlineReportsTable>;

/**
 * Finds or creates the entry of a URL and counts one more report of it; a more urgent category
 * raises the entry's category and priority. Safe under concurrent reports of the same URL.
 */
export async function upsertEntry(trx: Kysely<Database>, e: { url: string; site: string; category: string; priority: number; host_ip: string | null; country: string | null }): Promise<EntryRow> {
  return trx
    .insertInto('hotline_entries')
    .values({ url: e.url, site: e.site, category: e.category, priority: e.priority, report_count: 1, host_ip: e.host_ip, country: e.country })
    .onConflict((oc) =>
      oc.column('url').doUpdateSet({
        report_count: sql`hotline_entries.report_count + 1`,
        last_reported_at: sql`now()`,
        category: sql`case when excluded.priority > hotline_entries.priority then excluded.category else hotline_entries.category end`,
        priority: sql`greatest(excluded.priority, hotline_entries.priority)`,
        host_ip: sql`coalesce(hotline_entries.host_ip, excluded.host_ip)`,
        country: sql`coalesce(hotline_entries.country, excluded.country)`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The entry of a normalised URL. */
export function entryByUrl(db: Kysely<Database>, url: string): Promise<EntryRow | undefined> {
  return db.selectFrom('hotline_entries').selectAll().where('url', '=', url).executeTakeFirst();
}

/** One entry by id. */
export function findEntry(db: Kysely<Database>, id: string): Promise<EntryRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
  return db.selectFrom('hotline_entries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Changes an entry. */
export function updateEntry(db: Kysely<Database>, id: string, patch: Partial<Omit<EntryRow, 'id'>>): Promise<EntryRow> {
  return db.updateTable('hotline_entries').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Entries in triage order (priority, then how often reported), optionally of some statuses. */
export function listEntries(db: Kysely<Database>, o: { statuses?: readonly string[] | undefined; site?: string | undefined; limit: number }): Promise<EntryRow[]> {
  let q = db.selectFrom('hotline_entries').selectAll();
  if (o.statuses?.length) q = q.where('status', 'in', o.statuses as EntryRow['status'][]);
  if (o.site) q = q.where('site', '=', o.site);
  return q.orderBy('priority', 'desc').orderBy('report_count', 'desc').orderBy('first_reported_at').limit(o.limit).execute();
}

/** Decided entries of these sites (earlier decisions shown in triage). */
export function decisionsOfSites(db: Kysely<Database>, sites: readonly string[]): Promise<EntryRow[]> {
  if (!sites.length) return Promise.resolve([]);
  return db.selectFrom('hotline_entries').selectAll().where('site', 'in', sites).where('classification', 'is not', null).orderBy('classified_at', 'desc').execute();
}

/** The latest reports of entries (descriptions shown to operators). */
export function latestReports(db: Kysely<Database>, entryIds: readonly string[], perEntry: number): Promise<ReportRow[]> {
  if (!entryIds.length) return Promise.resolve([]);
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('hotline_reports')
        .selectAll()
        .select(sql<number>`row_number() over (partition by entry_id order by created_at desc)`.as('rn'))
        .where('entry_id', 'in', entryIds)
        .as('r'),
    )
    .selectAll()
    .where('rn', '<=', perEntry)
    .execute() as Promise<ReportRow[]>;
}

/** Reports under a receipt number, with their entries' public state. */
export function reportsByReceipt(db: Kysely<Database>, receipt: string) {
  return db
    .selectFrom('hotline_reports as r')
    .innerJoin('hotline_entries as e', 'e.id', 'r.entry_id')
    .select(['r.receipt', 'r.created_at', 'r.category', 'e.url', 'e.status', 'e.classification', 'e.removed_at'])
    .where('r.receipt', '=', receipt)
    .orderBy('e.url')
    .execute();
}

/**
 * What the checker re-requests: entries with a deletion request or forward not yet removed, and
 * removed ones for `watchDays` after their removal (to see them reappear).
 */
export function entriesToCheck(db: Kysely<Database>, limit: number, watchDays: number): Promise<EntryRow[]> {
  const since = new Date(Date.now() - watchDays * 86_400_000);
  return db
    .selectFrom('hotline_entries')
    .selectAll()
    .where((eb) => eb.or([eb('status', '=', 'actioned'), eb.and([eb('status', '=', 'removed'), eb('removed_at', '>', since)])]))
    .orderBy(sql`last_checked_at nulls first`)
    .limit(limit)
    .execute();
}

/** Records one check of an entry. */
export async function insertCheck(db: Kysely<Database>, c: { entry_id: string; result: string; http_status: number | null }): Promise<void> {
  await db.insertInto('hotline_checks').values(c).execute();
}

/** Links an action to an entry. */
export async function linkAction(db: Kysely<Database>, entryId: string, actionId: string, kind: string): Promise<void> {
  await db.insertInto('hotline_entry_actions').values({ entry_id: entryId, action_id: actionId, kind }).execute();
}

/** The actions taken on entries, with their status and recipient. */
export function actionsOfEntries(db: Kysely<Database>, entryIds: readonly string[]) {
  if (!entryIds.length) return Promise.resolve([]);
  return db
    .selectFrom('hotline_entry_actions as l')
    .innerJoin('actions as a', 'a.id', 'l.action_id')
    .select(['l.entry_id', 'l.kind', 'a.id', 'a.status', 'a.recipient', 'a.recipient_key', 'a.created_at', 'a.created_by', 'a.done_at'])
    .where('l.entry_id', 'in', entryIds)
    .orderBy('a.created_at')
    .execute();
}
