import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { countableContribution, visibleContribution } from '../../access/visibility.policy.ts';
import '../analysis.tables.ts';
import { rootScore, type Explained, type RootFacts } from '../scoring.ts';

// Root sources as one viewer may see them. The job stored, per value, the objects pointing at it
// counted per signature (the scopes of their contributions); here THE policy is applied to those
// scopes: objects count when the viewer may see them, organisations when countable. A value is listed only when
// the viewer may see an object holding it. Ranked by the viewer's own score, read in hub-score
// order until the page cannot change (a viewer's score never exceeds the hub's).

/** A root source as the viewer may see it. */
export interface RootSourceView {
  readonly key: string;
  readonly kind: string;
  readonly value: string;
  readonly score: number;
  readonly too_common: boolean;
  readonly explanation: Explained;
  readonly evidence: {
    readonly incidents: number;
    readonly malware: number;
    readonly reports: number;
    readonly sightings: number;
    readonly organisations: number;
    readonly sectors: string[];
    /** Visible objects pointing at the value, by STIX type. */
    readonly object_kinds: Record<string, number>;
    /** Evidence reached only through a URL's host, a parent domain or an IP's AS. */
    readonly derived_only: boolean;
  };
  /** Warning lists (cloud ranges, dynamic DNS…) the value is on: kept, its score lowered. */
  readonly warninglists: readonly string[];
  readonly last_seen: string | null;
  /** The least restrictive TLP rank of the visible objects holding the value (for the audit). */
  readonly min_rank: number;
}

/** One value's facts as a viewer may count them. */
export interface FactsRow {
  key: string;
  kind: string;
  too_common: boolean;
  incidents: number;
  malware: number;
  reports: number;
  sightings: number;
  orgs: number;
  sectors: string[] | null;
  direct: boolean | null;
  last_seen: Date | null;
  min_rank: number | null;
  kinds: Record<string, number> | null;
  warninglists: string[] | null;
}

/**
 * The viewer's facts for some values (only those whose value the viewer may see). The policy is
 * applied to the signature rows (the contribution scopes) of the facts: exact counts of objects
 * the viewer may see, organisations it may count.
 */
export async function viewerRootFacts(db: Kysely<Database>, viewer: AnyViewer, keys: readonly string[]): Promise<Map<string, FactsRow>> {
  if (keys.length === 0) return new Map();
  const rows = await sql<FactsRow>`
    with f as (
      select rf.* from analysis_root_facts rf where rf.key in (select jsonb_array_elements_text(cast(${JSON.stringify(keys)} as jsonb)))
    ),
    x as (
      select s.sig, s.org_id, coalesce(g.sector, g.kind) as sector, s.tlp_rank,
        ${visibleContribution(viewer, 's')} as vis, ${countableContribution(viewer, 's')} as cnt
      from analysis_signatures s join orgs g on g.id = s.org_id
      where s.sig in (select distinct sig from f)
    ),
    sv as (select sig, min(tlp_rank) filter (where vis) as rank from x group by sig having bool_or(vis)),
    o as (select f.key, count(distinct x.org_id) as orgs, array_agg(distinct x.sector) as sectors
      from (select distinct key, sig from f) f join x on x.sig = f.sig where x.cnt group by f.key),
    k as (select t.key, jsonb_object_agg(t.object_type, t.n) as kinds
      from (select f.key, f.object_type, sum(f.objects) as n from f join sv on sv.sig = f.sig group by f.key, f.object_type) t group by t.key),
    a as (
      select f.key,
        coalesce(sum(f.objects) filter (where f.role = 1 and f.object_type = 'incident'), 0) as incidents,
        coalesce(sum(f.objects) filter (where f.role = 1 and f.object_type = 'malware'), 0) as malware,
        coalesce(sum(f.objects) filter (where f.role = 1 and f.object_type = 'report'), 0) as reports,
        coalesce(sum(f.objects) filter (where f.role = 1 and f.object_type = 'sighting'), 0) as sightings,
        bool_or(not f.derived) as direct,
        max(f.last_seen) as last_seen,
        min(sv.rank) filter (where f.role = 0) as min_rank
      from f join sv on sv.sig = f.sig
      group by f.key
      having bool_or(f.role = 0)
    )
    select a.*, r.kind, r.too_common, r.warninglists, coalesce(o.orgs, 0) as orgs, o.sectors, k.kinds
    from a join analysis_root_sources r on r.key = a.key left join o on o.key = a.key left join k on k.key = a.key`.execute(db);
  return new Map(rows.rows.map((r) => [r.key, r]));
}

/** The scoring facts of a viewer's row. */
export function factsOf(r: FactsRow): RootFacts {
  return {
    kind: r.kind,
    incidents: Number(r.incidents),
    malware: Number(r.malware),
    reports: Number(r.reports),
    sightings: Number(r.sightings),
    orgs: Number(r.orgs),
    sectors: (r.sectors ?? []).length,
    lastSeen: r.last_seen,
    direct: r.direct === true,
    warninglists: r.warninglists ?? [],
  };
}

/** Options of the ranked list. */
export interface RankOptions {
  readonly offset: number;
  readonly limit: number;
  readonly kind?: string | undefined;
  readonly now: Date;
  readonly halfLifeDays: number;
  /** Hub-score rows read per round. */
  readonly batch?: number;
}

/**
 * Root sources ranked by the viewer's score: page `offset .. offset+limit`.
 * @example await rankRootSources(db, viewer, { offset: 0, limit: 20, now: new Date(), halfLifeDays: 30 })
 */
export async function rankRootSources(db: Kysely<Database>, viewer: AnyViewer, o: RankOptions): Promise<{ items: RootSourceView[]; more: boolean }> {
  const need = o.offset + o.limit;
  // Small first round (the hub, and members who see most, settle in it), doubling after.
  let batch = o.batch ?? Math.max(40, need * 2);
  const found: { key: string; score: number; facts: FactsRow; explained: Explained }[] = [];
  let scanned = 0;
  let exhausted = false;
  for (;;) {
    let q = db.selectFrom('analysis_root_sources').select(['key', 'hub_score']).orderBy('hub_score', 'desc').orderBy('key').limit(batch).offset(scanned);
    if (o.kind) q = q.where('kind', '=', o.kind);
    const cands = await q.execute();
    scanned += cands.length;
    const facts = await viewerRootFacts(
      db,
      viewer,
      cands.map((c) => c.key),
    );
    for (const [key, f] of facts) {
      const explained = rootScore(factsOf(f), o.now, o.halfLifeDays);
      if (explained.score > 0) found.push({ key, score: explained.score, facts: f, explained });
    }
    found.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
    if (cands.length < batch) exhausted = true;
    const nextBound = exhausted ? -1 : (cands[cands.length - 1]!.hub_score ?? 0);
    // Settled: the page's last score is at least anything the unread (lower hub score) rows could reach.
    // (hub scores are stored as float4: allow for their rounding)
    if (exhausted || (found.length >= need && found[need - 1]!.score >= nextBound * (1 + 1e-6) + 1e-6)) break;
    batch = Math.min(batch * 2, 5000);
  }
  const page = found.slice(o.offset, need);
  const items = page.map((p): RootSourceView => {
    const f = p.facts;
    const colon = p.key.indexOf(':');
    return {
      key: p.key,
      kind: f.kind,
      value: p.key.slice(colon + 1),
      score: p.score,
      too_common: f.too_common,
      explanation: p.explained,
      evidence: {
        incidents: Number(f.incidents),
        malware: Number(f.malware),
        reports: Number(f.reports),
        sightings: Number(f.sightings),
        organisations: Number(f.orgs),
        sectors: [...(f.sectors ?? [])].sort(),
        object_kinds: Object.fromEntries(Object.entries(f.kinds ?? {}).map(([t, n]) => [t, Number(n)])),
        derived_only: f.direct !== true,
      },
      warninglists: f.warninglists ?? [],
      last_seen: f.last_seen ? new Date(f.last_seen).toISOString() : null,
      min_rank: Number(f.min_rank ?? 0),
    };
  });
  return { items, more: found.length > need || !exhausted };
}
