import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { countableContribution, visibleContribution } from '../../access/visibility.policy.ts';
import { keyedContributions } from '../../store/keyed-contributions.query.ts';
import '../analysis.tables.ts';
import { corroborate, priorityScore, type Explained } from '../scoring.ts';
import { clusterName } from '../clusters/cluster.name.ts';

/** The two strongest shared values of each cluster that the viewer may see (held by an object with a visible contribution). */
async function visibleNameValues(db: Kysely<Database>, viewer: AnyViewer, ids: readonly number[]): Promise<Map<number, { kind: 'key'; ref: string; weight: number; members: number }[]>> {
  const rows = await sql<{ cluster_id: number; ref: string; weight: number; members: number }>`
    select c.id as cluster_id, l.ref, l.weight, l.members
    from unnest(cast(${`{${ids.join(',')}}`} as bigint[])) as c(id)
    cross join lateral (
      select l.ref, l.weight, l.members from analysis_cluster_links l
      where l.cluster_id = c.id and l.kind = 'key'
        and exists (select 1 from ${keyedContributions(db).as('v')} where v.key = l.ref and ${visibleContribution(viewer, 'v')})
      order by l.members desc, l.weight desc, l.ref limit 2) l`.execute(db);
  const out = new Map<number, { kind: 'key'; ref: string; weight: number; members: number }[]>();
  for (const r of rows.rows) {
    const id = Number(r.cluster_id);
    out.set(id, [...(out.get(id) ?? []), { kind: 'key', ref: r.ref, weight: Number(r.weight), members: Number(r.members) }]);
  }
  return out;
}

// Damage-weighted priorities of clusters as one viewer may see them: damage summed over the
// incidents the viewer may see (each incident once, however many organisations reported it),
// organisations counted where countable, confidence from the visible contributions. The job stored
// each cluster's members counted per signature (the scopes of their contributions): the policy
// applies to those few scope rows, and the counts stay exact (one signature per object).

/** One cluster's figures for a viewer. */
export interface ClusterView {
  readonly id: number;
  /** Its strongest shared values that the viewer may see, and how many incidents: "45.9.148.114 + evil-bank.example (12 incidents)". */
  readonly name: string;
  readonly score: number;
  readonly referral_candidate: boolean;
  readonly explanation: Explained;
  readonly members: { readonly visible: number; readonly incidents: number; readonly by_type: Record<string, number> };
  readonly damage: { readonly amount_jpy: number; readonly victims: number; readonly records: number };
  readonly organisations: number;
  readonly sectors: string[];
  readonly first_seen: string | null;
  readonly last_seen: string | null;
  readonly merged_from: number[];
  readonly split_from: number[];
}

interface MemberAgg {
  cluster_id: number;
  object_type: string;
  n: number;
  amount: number | null;
  victims: number | null;
  records: number | null;
  first_seen: Date | null;
  last_seen: Date | null;
}

interface OrgAgg {
  cluster_id: number;
  org_id: string;
  sector: string;
  vis: boolean;
  cnt: boolean;
  conf: number | null;
}

/**
 * The viewer's figures for some clusters (only those with a member the viewer may see).
 * @example await viewerClusterFacts(db, viewer, [12, 40], { now, halfLifeDays: 30, referralThreshold: 100, defaultConfidence: 50 })
 */
export async function viewerClusterFacts(
  db: Kysely<Database>,
  viewer: AnyViewer,
  ids: readonly number[],
  o: { now: Date; halfLifeDays: number; referralThreshold: number; defaultConfidence: number },
): Promise<Map<number, ClusterView>> {
  const out = new Map<number, ClusterView>();
  if (ids.length === 0) return out;
  const idList = sql`cast(${`{${ids.join(',')}}`} as bigint[])`;
  // THE policy applied to the signatures (contribution scopes) of the clusters' facts.
  const sigs = sql`with f as (select * from analysis_cluster_facts where cluster_id = any(${idList}))`;
  // A sanitised copy counts only when the viewer may not see its original (unless_sig): one incident, once.
  const members = await sql<MemberAgg>`${sigs},
    sv as (select s.sig from analysis_signatures s where s.sig in (select sig from f union select unless_sig from f where unless_sig <> '') group by s.sig having bool_or(${visibleContribution(viewer, 's')}))
    select f.cluster_id, f.object_type, sum(f.objects) as n, sum(f.amount_jpy) as amount, sum(f.victims) as victims, sum(f.records) as records,
      min(f.first_seen) as first_seen, max(f.last_seen) as last_seen
    from f join sv on sv.sig = f.sig
    where f.unless_sig = '' or not exists (select 1 from sv u where u.sig = f.unless_sig)
    group by f.cluster_id, f.object_type`.execute(db);
  const orgs = await sql<OrgAgg>`${sigs}
    select f.cluster_id, s.org_id, coalesce(g.sector, g.kind) as sector,
      bool_or(${visibleContribution(viewer, 's')}) as vis,
      bool_or(${countableContribution(viewer, 's')}) as cnt,
      max(coalesce(s.confidence, ${sql.lit(Number(o.defaultConfidence))})) filter (where ${visibleContribution(viewer, 's')}) as conf
    from (select distinct cluster_id, sig from f) f
    join analysis_signatures s on s.sig = f.sig and s.reporter
    join orgs g on g.id = s.org_id
    group by f.cluster_id, s.org_id, coalesce(g.sector, g.kind)`.execute(db);
  const meta = await db.selectFrom('analysis_clusters').select(['id', 'merged_from', 'split_from']).where(sql<boolean>`id = any(${idList})`).execute();
  const values = await visibleNameValues(db, viewer, ids);
  const byCluster = new Map<number, MemberAgg[]>();
  for (const r of members.rows) {
    const id = Number(r.cluster_id);
    byCluster.set(id, [...(byCluster.get(id) ?? []), r]);
  }
  const orgsBy = new Map<number, OrgAgg[]>();
  for (const r of orgs.rows) {
    const id = Number(r.cluster_id);
    orgsBy.set(id, [...(orgsBy.get(id) ?? []), r]);
  }
  const metaBy = new Map(meta.map((m) => [Number(m.id), m]));
  for (const [id, rows] of byCluster) {
    const byType: Record<string, number> = {};
    let amount = 0;
    let victims = 0;
    let records = 0;
    let first: Date | null = null;
    let last: Date | null = null;
    for (const r of rows) {
      byType[r.object_type] = Number(r.n);
      if (r.object_type === 'incident') {
        amount += Number(r.amount ?? 0);
        victims += Number(r.victims ?? 0);
        records += Number(r.records ?? 0);
      }
      if (r.first_seen && (!first || r.first_seen < first)) first = r.first_seen;
      if (r.last_seen && (!last || r.last_seen > last)) last = r.last_seen;
    }
    const os = orgsBy.get(id) ?? [];
    const countable = os.filter((x) => x.cnt);
    const sectors = [...new Set(countable.map((x) => x.sector))].sort();
    const explained = priorityScore(
      {
        amountJpy: amount,
        victims,
        records,
        incidents: byType.incident ?? 0,
        orgs: new Set(countable.map((x) => x.org_id)).size,
        sectors: sectors.length,
        lastSeen: last,
        confidence: corroborate(os.filter((x) => x.vis && x.conf !== null).map((x) => Number(x.conf))),
      },
      o.now,
      o.halfLifeDays,
    );
    const m = metaBy.get(id);
    const incidents = byType.incident ?? 0;
    const shown = Object.values(byType).reduce((sum, n) => sum + n, 0);
    out.set(id, {
      id,
      name: clusterName(values.get(id) ?? [], incidents, shown),
      score: explained.score,
      referral_candidate: explained.score >= o.referralThreshold,
      explanation: explained,
      members: { visible: Object.values(byType).reduce((s, n) => s + n, 0), incidents: byType.incident ?? 0, by_type: byType },
      damage: { amount_jpy: amount, victims, records },
      organisations: new Set(countable.map((x) => x.org_id)).size,
      sectors,
      first_seen: first ? new Date(first).toISOString() : null,
      last_seen: last ? new Date(last).toISOString() : null,
      merged_from: (m?.merged_from ?? []).map(Number),
      split_from: (m?.split_from ?? []).map(Number),
    });
  }
  return out;
}

/**
 * Active clusters ranked by the viewer's priority score: page `offset .. offset+limit`; read in
 * hub-score order until the page cannot change.
 */
export async function rankPriorities(
  db: Kysely<Database>,
  viewer: AnyViewer,
  o: { offset: number; limit: number; now: Date; halfLifeDays: number; referralThreshold: number; defaultConfidence: number; referralOnly?: boolean },
): Promise<{ items: ClusterView[]; more: boolean }> {
  const need = o.offset + o.limit;
  let batch = Math.max(40, need * 2);
  const found: ClusterView[] = [];
  let scanned = 0;
  for (;;) {
    const cands = await db.selectFrom('analysis_clusters').select(['id', 'hub_score']).where('status', '=', 'active').orderBy('hub_score', 'desc').orderBy('id').limit(batch).offset(scanned).execute();
    scanned += cands.length;
    const facts = await viewerClusterFacts(
      db,
      viewer,
      cands.map((c) => Number(c.id)),
      o,
    );
    for (const v of facts.values()) if (!o.referralOnly || v.referral_candidate) found.push(v);
    found.sort((a, b) => b.score - a.score || a.id - b.id);
    const exhausted = cands.length < batch;
    const bound = exhausted ? -1 : cands[cands.length - 1]!.hub_score;
    if (exhausted) return { items: found.slice(o.offset, need), more: found.length > need };
    if (found.length >= need && found[need - 1]!.score >= bound * (1 + 1e-6) + 1e-6) return { items: found.slice(o.offset, need), more: true };
    batch = Math.min(batch * 2, 5000);
  }
}
