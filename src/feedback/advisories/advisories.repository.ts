import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AdvisoryRow } from '../feedback.tables.ts';

/** Text fields of an advisory. */
export interface AdvisoryText {
  readonly title_ja?: string;
  readonly title_en?: string;
  readonly body_ja?: string;
  readonly body_en?: string;
  readonly object_ids?: readonly string[];
}

/** Inserts a draft. */
export function insertAdvisory(db: Kysely<Database>, createdBy: string, t: AdvisoryText): Promise<AdvisoryRow> {
  const { object_ids, ...text } = t;
  return db
    .insertInto('advisories')
    .values({ ...text, ...(object_ids ? { object_ids: [...object_ids] } : {}), created_by: createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Changes an advisory's text or links. */
export function updateAdvisory(db: Kysely<Database>, id: string, t: AdvisoryText): Promise<AdvisoryRow | undefined> {
  const { object_ids, ...text } = t;
  return db
    .updateTable('advisories')
    .set({ ...text, ...(object_ids ? { object_ids: [...object_ids] } : {}), updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** One advisory; `publishedOnly` for everyone but the hub. */
export function findAdvisory(db: Kysely<Database>, id: string, publishedOnly: boolean): Promise<AdvisoryRow | undefined> {
  let q = db.selectFrom('advisories').selectAll().where('id', '=', id);
  if (publishedOnly) q = q.where('status', '=', 'published');
  return q.executeTakeFirst();
}

/** Advisories newest first: published ones, or all (hub). */
export function listAdvisories(db: Kysely<Database>, publishedOnly: boolean, limit: number, before?: Date): Promise<AdvisoryRow[]> {
  let q = db
    .selectFrom('advisories')
    .selectAll()
    .orderBy(sql`coalesce(published_at, created_at)`, 'desc')
    .orderBy('id')
    .limit(limit);
  if (publishedOnly) q = q.where('status', '=', 'published');
  if (before) q = q.where(sql<boolean>`coalesce(published_at, created_at) < ${before}`);
  return q.execute();
}

/** Linked objects that have no TLP:CLEAR contribution (or do not exist): what blocks publishing. */
export async function linksAboveClear(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const clear = await db
    .selectFrom('stix_objects as o')
    .select('o.id')
    .where('o.id', 'in', ids)
    .where(sql<boolean>`exists (select 1 from contributions c where c.object_id = o.id and c.tlp = 'clear')`)
    .execute();
  const ok = new Set(clear.map((r) => r.id));
  return ids.filter((id) => !ok.has(id));
}

/** Marks an advisory published (inside the ingest of its report). */
export async function markPublished(db: Kysely<Database>, id: string, reportId: string, by: string): Promise<AdvisoryRow | undefined> {
  return db
    .updateTable('advisories')
    .set({ status: 'published', report_id: reportId, published_by: by, published_at: sql`coalesce(published_at, now())`, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Published advisories that link an object (for "what happened to what I shared"). */
export function advisoriesLinking(db: Kysely<Database>, objectIds: readonly string[]) {
  return db
    .selectFrom('advisories')
    .select(['id', 'title_ja', 'title_en', 'published_at'])
    .where('status', '=', 'published')
    .where(sql<boolean>`object_ids && ${sql.val(`{${objectIds.map((i) => `"${i.replaceAll('"', '')}"`).join(',')}}`)}::text[]`)
    .orderBy('published_at', 'desc')
    .execute();
}
