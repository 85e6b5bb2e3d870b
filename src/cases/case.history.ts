import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { actionsOnKeys } from '../actions/actions.repository.ts';
import { contributorView } from './case.notify.ts';
import { casesOfObjects } from './cases.repository.ts';
import { keysOfObjects } from '../store/keyed-contributions.query.ts';

/**
 * Cases and takedowns for "what happened to what I shared": the cases holding the objects (their
 * state, as a contributor learns it), and the actions on their values (kind, status and clock —
 * a takedown is no secret of the case). Called with the objects of the viewer's own contribution.
 * @example const { cases, takedowns } = await casesForHistory(db, viewer, related)
 */
export async function casesForHistory(db: Kysely<Database>, viewer: Viewer, objectIds: readonly string[]) {
  const rows = await casesOfObjects(db, objectIds);
  const cases = rows.map((r) => (isHub(viewer) || r.le_org_id === viewer.orgId ? { ...contributorView(r), title: r.title } : contributorView(r)));
  const keys = objectIds.length ? await db.selectFrom(keysOfObjects(db).as('k')).select('k.key').distinct().where('k.object_id', 'in', [...objectIds].slice(0, 1000)).execute() : [];
  const actions = await actionsOnKeys(
    db,
    keys.map((k) => k.key),
  );
  const takedowns = actions.map((a) => ({
    kind: a.kind,
    target: a.target_value,
    status: a.status,
    requested_at: a.created_at.toISOString(),
    done_at: a.done_at?.toISOString() ?? null,
    reappeared_at: a.reappeared_at?.toISOString() ?? null,
    time_to_done_seconds: a.first_done_seconds,
  }));
  return { cases, takedowns };
}
