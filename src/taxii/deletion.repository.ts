import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { lockKnowledgeWrites } from '../store/knowledge.writer.ts';
import { markSuperseded } from '../store/contributions.repository.ts';
import { promoteLinesFor } from '../store/feed-lines.repository.ts';

/** What a deletion did. */
export interface DeletionOutcome {
  /** Contributions of the organisation removed (0: it had none, nothing changed). */
  readonly contributions: number;
  /** Their ids. */
  readonly removed: number[];
  /** True when no other organisation contributed the object, so the object itself went. */
  readonly objectDeleted: boolean;
}

/**
 * Withdraws the contributions of an object that match `which` (a condition on contributions row `c`, e.g. one
 * organisation's, as its inbox shows them); the object, its versions, keys and edges go with the last
 * contribution. One transaction under the knowledge write lock.
 * @example await withdrawContributions(db, collectionContribution(viewer, inbox), 'indicator--…')
 */
export async function withdrawContributions(db: Kysely<Database>, which: RawBuilder<boolean>, objectId: string): Promise<DeletionOutcome> {
  return db.transaction().execute(async (trx) => {
    await lockKnowledgeWrites(trx);
    // Lines that present the object become stored rows first (docs/design/feed-lines.md section 3).
    await promoteLinesFor(trx, [{ id: objectId, orgId: null }]);
    const removed = await trx.deleteFrom('contributions_stored as c').where('c.object_id', '=', objectId).where(which).returning('c.id').execute();
    if (removed.length === 0) return { contributions: 0, removed: [], objectDeleted: false };
    const left = await trx.selectFrom('contributions_stored').select('id').where('object_id', '=', objectId).limit(1).execute();
    if (left.length > 0) {
      // Another contribution may now lead.
      await markSuperseded(trx, [objectId]);
      return { contributions: removed.length, removed: removed.map((r) => r.id), objectDeleted: false };
    }
    // Versions, observable keys and edges went with the contributions (cascade).
    await trx.deleteFrom('stix_objects_stored').where('id', '=', objectId).execute();
    return { contributions: removed.length, removed: removed.map((r) => r.id), objectDeleted: true };
  });
}
