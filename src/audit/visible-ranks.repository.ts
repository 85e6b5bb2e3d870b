import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { visibleContribution } from '../access/visibility.policy.ts';

const CHUNK = 1000;

/**
 * For each object, the least restrictive TLP rank (0 CLEAR … 4 RED) of the contributions the viewer may
 * see; objects the viewer may not see are absent. This is the level a read shows the object at.
 * @example const ranks = await visibleRanks(db, viewer, ['indicator--…'])
 */
export async function visibleRanks(db: Kysely<Database>, viewer: AnyViewer, objectIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const ids = [...new Set(objectIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom('contributions as c')
      .select(['c.object_id', (eb) => eb.fn.min<number>('c.tlp_rank').as('rank')])
      .where('c.object_id', 'in', ids.slice(i, i + CHUNK))
      .where(visibleContribution(viewer, 'c'))
      .groupBy('c.object_id')
      .execute();
    for (const r of rows) out.set(r.object_id, Number(r.rank));
  }
  return out;
}
