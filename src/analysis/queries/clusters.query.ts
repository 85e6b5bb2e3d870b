import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { headContribution, visibleContribution, visibleObject } from '../../access/visibility.policy.ts';
import type { ContributionView } from '../../objects/objects.repository.ts';
import { keyedContributions } from '../../store/keyed-contributions.query.ts';
import '../analysis.tables.ts';

// Clusters as one viewer may see them: only clusters with a member the viewer may see, only those
// members, only the evidence (values, relationships) the viewer may see.

const visibleMember = (viewer: AnyViewer, ref: string) =>
  sql<boolean>`exists (select 1 from analysis_cluster_members vm join contributions c on c.object_id = vm.object_id where vm.cluster_id = ${sql.ref(ref)} and ${visibleContribution(viewer, 'c')})`;

/** Cluster rows (active ones with a visible member), newest id first, below a cursor. */
export function listVisibleClusters(db: Kysely<Database>, viewer: AnyViewer, o: { beforeId?: number | undefined; limit: number }) {
  let q = db
    .selectFrom('analysis_clusters as k')
    .select(['k.id', 'k.status', 'k.created_at', 'k.updated_at'])
    .where('k.status', '=', 'active')
    .where(visibleMember(viewer, 'k.id'))
    .orderBy('k.id', 'desc')
    .limit(o.limit);
  if (o.beforeId !== undefined) q = q.where('k.id', '<', o.beforeId);
  return q.execute();
}

/** One cluster row, whatever its status (the caller checks visibility). */
export function findCluster(db: Kysely<Database>, id: number) {
  return db.selectFrom('analysis_clusters').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the viewer may see a member of any of these clusters. */
export async function anyVisibleMember(db: Kysely<Database>, viewer: AnyViewer, ids: readonly number[]): Promise<boolean> {
  if (ids.length === 0) return false;
  const r = await sql<{ ok: boolean }>`select exists (select 1 from analysis_cluster_members vm join contributions c on c.object_id = vm.object_id
    where vm.cluster_id = any(cast(${`{${ids.join(',')}}`} as bigint[])) and ${visibleContribution(viewer, 'c')}) as ok`.execute(db);
  return r.rows[0]?.ok === true;
}

/** A visible member with the least restrictive TLP the viewer sees it at. */
export interface MemberRow {
  readonly object_id: string;
  readonly object_type: string;
  readonly name: string | null;
  readonly amount_jpy: number | null;
  readonly victims: number | null;
  readonly records: number | null;
  readonly seen_at: Date | null;
  readonly min_rank: number;
  /** A sanitised copy: its original's id (shown only to viewers who may not see the original). */
  readonly copy_of: string | null;
}

/** The members of a cluster the viewer may see (at most `limit`). */
export async function visibleMembers(db: Kysely<Database>, viewer: AnyViewer, id: number, limit: number): Promise<MemberRow[]> {
  const rows = await sql<MemberRow>`
    select m.object_id, m.object_type, (select hc.name from contributions hc where hc.object_id = m.object_id and ${headContribution(viewer, 'hc')} limit 1) as name,
      m.amount_jpy, m.victims, m.records, m.seen_at, m.copy_of,
      (select min(c.tlp_rank) from contributions c where c.object_id = m.object_id and ${visibleContribution(viewer, 'c')}) as min_rank
    from analysis_cluster_members m
    where m.cluster_id = ${id} and ${visibleObject(viewer, 'm.object_id')}
      and (m.copy_of is null or not ${visibleObject(viewer, 'm.copy_of')})
    order by m.seen_at desc nulls last, m.object_id limit ${limit}`.execute(db);
  return rows.rows;
}

/** The visible contributions of some objects, with their organisations (for presentContribution). */
export async function contributionsOfObjects(db: Kysely<Database>, viewer: AnyViewer, ids: readonly string[]): Promise<(ContributionView & { object_id: string })[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('contributions as c')
    .innerJoin('orgs as g', 'g.id', 'c.org_id')
    .select(['c.id', 'c.object_id', 'c.org_id', 'g.name as org_name', 'g.kind as org_kind', 'g.sector', 'c.tlp', 'c.pap', 'c.anonymous', 'c.confidence', 'c.first_seen', 'c.last_seen', 'c.recipient_orgs', 'c.recipient_groups'])
    .where('c.object_id', 'in', ids)
    .where(visibleContribution(viewer, 'c'))
    .orderBy('c.first_seen')
    .execute() as Promise<(ContributionView & { object_id: string })[]>;
}

/** The evidence of a cluster the viewer may see: values held by a visible object, edges made by a visible object. */
export async function visibleLinks(db: Kysely<Database>, viewer: AnyViewer, id: number, limit: number) {
  const rows = await sql<{ kind: 'key' | 'edge'; ref: string; weight: number; members: number }>`
    select l.kind, l.ref, l.weight, l.members from analysis_cluster_links l
    where l.cluster_id = ${id} and (
      (l.kind = 'key' and exists (select 1 from ${keyedContributions(db).as('kc')} where kc.key = l.ref and ${visibleContribution(viewer, 'kc')}))
      or (l.kind = 'edge' and ${visibleObject(viewer, 'l.ref')}))
    order by l.members desc, l.weight desc, l.ref limit ${limit}`.execute(db);
  return rows.rows;
}

/** The history of a cluster: created, grew, absorbed, merged, split… */
export function clusterEvents(db: Kysely<Database>, id: number, limit = 100) {
  return db.selectFrom('analysis_cluster_events').select(['kind', 'other_ids', 'members', 'at', 'run_id']).where('cluster_id', '=', id).orderBy('id', 'desc').limit(limit).execute();
}

/** Clusters holding any of these objects. */
export async function clustersOfObjects(db: Kysely<Database>, objectIds: readonly string[]): Promise<Map<string, number>> {
  if (objectIds.length === 0) return new Map();
  const rows = await db.selectFrom('analysis_cluster_members').select(['object_id', 'cluster_id']).where('object_id', 'in', objectIds).execute();
  return new Map(rows.map((r) => [r.object_id, Number(r.cluster_id)]));
}
