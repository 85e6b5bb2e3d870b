import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { headContribution, visibleObject } from '../../access/visibility.policy.ts';
import { CASE_TYPES, PASS_TYPES } from '../job/analysis.graph.ts';

const list = (xs: readonly string[]) =>
  sql.join(
    xs.map((x) => sql.lit(x)),
    sql`, `,
  );

/** An incident, malware, report or sighting connected to a holder of a value. */
export interface ConnectedRow {
  readonly holder: string;
  readonly id: string;
  readonly type: string;
  readonly name: string | null;
}

/**
 * The incidents, malware, reports and sightings connected to some holders (observables, indicators),
 * directly or through one infrastructure, observed-data, campaign, intrusion set, threat actor or grouping,
 * keeping only paths whose every object the viewer may see. At most `cap` rows.
 * @example await connectedCases(db, viewer, ['indicator--…'], 1001)
 */
export async function connectedCases(db: Kysely<Database>, viewer: AnyViewer, holders: readonly string[], cap: number): Promise<ConnectedRow[]> {
  if (holders.length === 0) return [];
  const rows = await sql<ConnectedRow>`
    with h(id) as (select jsonb_array_elements_text(cast(${JSON.stringify(holders)} as jsonb))),
    e1 as (
      select h.id as holder, e.target_id as far, e.via_id from h join object_edges e on e.source_id = h.id where e.kind <> 'sighting'
      union all
      select h.id, e.source_id, e.via_id from h join object_edges e on e.target_id = h.id where e.kind <> 'sighting'
    ),
    n1 as (
      select e1.holder, o.id, o.type, hc.name, e1.via_id from e1 join stix_objects o on o.id = e1.far
        join contributions hc on hc.object_id = o.id and ${headContribution(viewer, 'hc')}
      where o.type in (${list([...CASE_TYPES, ...PASS_TYPES])}) and not hc.revoked
    ),
    e2 as (
      select n1.holder, n1.id as mid, n1.via_id as via1, e.target_id as far, e.via_id as via2 from n1 join object_edges e on e.source_id = n1.id
      where n1.type in (${list(PASS_TYPES)}) and e.kind <> 'sighting'
      union all
      select n1.holder, n1.id, n1.via_id, e.source_id, e.via_id from n1 join object_edges e on e.target_id = n1.id
      where n1.type in (${list(PASS_TYPES)}) and e.kind <> 'sighting'
    ),
    cand as (
      select holder, id, type, name, via_id as via1, null::text as mid, null::text as via2 from n1 where type in (${list(CASE_TYPES)})
      union all
      select e2.holder, o.id, o.type, hc.name, e2.via1, e2.mid, e2.via2 from e2 join stix_objects o on o.id = e2.far
        join contributions hc on hc.object_id = o.id and ${headContribution(viewer, 'hc')}
      where o.type in (${list(CASE_TYPES)}) and not hc.revoked
    )
    select distinct holder, id, type, name from cand
    where ${visibleObject(viewer, 'cand.id')} and ${visibleObject(viewer, 'cand.via1')}
      and (cand.mid is null or (${visibleObject(viewer, 'cand.mid')} and ${visibleObject(viewer, 'cand.via2')}))
    limit ${cap}`.execute(db);
  return rows.rows;
}
