import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, EvidenceItemsTable } from '../db/schema.ts';

/** An evidence item as stored. */
export type EvidenceRow = Selectable<EvidenceItemsTable>;

/** Records an evidence item. */
export function insertEvidence(db: Kysely<Database>, row: Insertable<EvidenceItemsTable>): Promise<EvidenceRow> {
  return db.insertInto('evidence_items').values(row).returningAll().executeTakeFirstOrThrow();
}

/** One evidence item. */
export function findEvidence(db: Kysely<Database>, id: string): Promise<EvidenceRow | undefined> {
  return db.selectFrom('evidence_items').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A case's evidence items (packages apart unless asked), oldest first. */
export function caseEvidence(db: Kysely<Database>, caseId: string, withPackages = false): Promise<EvidenceRow[]> {
  let q = db.selectFrom('evidence_items').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id');
  if (!withPackages) q = q.where('kind', '<>', 'package');
  return q.execute();
}

/** Every evidence item after an id, a page at a time (store checks). */
export function evidencePage(db: Kysely<Database>, afterId: string | null, limit: number): Promise<EvidenceRow[]> {
  let q = db.selectFrom('evidence_items').selectAll().orderBy('id').limit(limit);
  if (afterId) q = q.where('id', '>', afterId);
  return q.execute();
}
