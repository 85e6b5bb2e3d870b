import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { visibleObject } from '../../access/visibility.policy.ts';
import type { ClusterObjects } from '../exports/export.builder.ts';
import type { ClustersOf } from './history.service.ts';

// Reads the analysis area's cluster tables (issue 5) for exports (?cluster=) and for "what happened
// to what I shared"; the policy applies to the members, as everywhere.

/**
 * Objects of a cluster by id, or undefined when there is no such cluster (exports filter them by the policy).
 * @example await clusterMembers(db)('42')
 */
export function clusterMembers(db: Kysely<Database>): ClusterObjects {
  return async (clusterId) => {
    if (!/^\d{1,15}$/.test(clusterId)) return undefined;
    const c = await db.selectFrom('analysis_clusters').select('id').where('id', '=', Number(clusterId)).executeTakeFirst();
    if (!c) return undefined;
    const rows = await db.selectFrom('analysis_cluster_members').select('object_id').where('cluster_id', '=', c.id).limit(100_000).execute();
    return rows.map((r) => r.object_id);
  };
}

/**
 * Clusters the objects joined, with how many of each cluster's members the viewer may see.
 * @example await clustersJoined(db)(viewer, ['indicator--…'])
 */
export function clustersJoined(db: Kysely<Database>): ClustersOf {
  return async (v, objectIds) => {
    if (!objectIds.length) return [];
    const rows = await db
      .selectFrom('analysis_cluster_members as m')
      .innerJoin('analysis_clusters as c', 'c.id', 'm.cluster_id')
      .select(['c.id', 'c.status', 'c.referral_candidate', 'c.first_seen', 'c.last_seen'])
      .select(sql<number>`(select count(*) from analysis_cluster_members x where x.cluster_id = c.id and ${visibleObject(v, 'x.object_id')})`.as('visible_members'))
      .where('m.object_id', 'in', objectIds.slice(0, 1000))
      .distinct()
      .orderBy('c.id')
      .limit(100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      referral_candidate: r.referral_candidate,
      visible_members: Number(r.visible_members),
      first_seen: r.first_seen?.toISOString() ?? null,
      last_seen: r.last_seen?.toISOString() ?? null,
      url: `/api/v1/clusters/${r.id}`,
    }));
  };
}
