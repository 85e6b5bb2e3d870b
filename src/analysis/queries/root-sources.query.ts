import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { countableContribution, visibleContribution } from '../../access/visibility.policy.ts';
import '../analysis.tables.ts';
import { rootScore, type Explained, type RootFacts } from '../scoring.ts';

// Root sources as one viewer may see them. The job stored, per value, the objects pointing at it;
// here they are joined with their contributions under THE policy: objects count when the viewer
// may see them, organisations when their contribution is countable. A value is listed only when
// the viewer may see an object holding it. Ranked by the viewer's own score, read in hub-score
// order until the page cannot change (a viewer's score never exceeds the hub's).

/** A root source as the viewer may see it. */
export interface RootSourceView {
  readonly key: string;
  readonly kind: string;
  readonly value: string;
  readonly score: number;
  readonly tooCommon: boolean;
  readonly explanation: Explained;
  readonly evidence: {
    readonly incidents: number;
    readonly malware: number;
    readonly reports: number;
    readonly sightings: number;
    readonly organisations: number;
    readonly sectors: string[];
    /** Visible objects pointing at the value, by STIX type. */
    readonly objectKinds: Record<string, number>;
    /** Evidence reached only through a URL's host, a parent domain or an IP's AS. */
    readonly derivedOnly: boolean;
  };
  readonly lastSeen: string | null;
  /** The least restrictive TLP rank of the visible objects holding the value (for the audit). */
  readonly minRank: number;
}

interface FactsRow {
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
}

/** The viewer's facts for some values (only those whose value the viewer may see). */
export async function viewerRootFacts(db: Kysely<Database>, viewer: AnyViewer, keys: readonly string[]): Promise<Map<string, FactsRow>> {
  if (keys.length === 0) return new Map();
  const rows = await sql<FactsRow>`
    with e as (
      select ev.key, ev.object_id, ev.object_type, ev.role, ev.derived, ev.seen_at, c.org_id, c.tlp_rank,
        coalesce(g.sector, g.kind) as sector,
        ${visibleContribution(viewer, 'c')} as vis,
        ${countableContribution(viewer, 'c')} as cnt
      from analysis_root_evidence ev
      join contributions c on c.object_id = ev.object_id
      join orgs g on g.id = c.org_id
      where ev.key in (select jsonb_array_elements_text(cast(${JSON.stringify(keys)} as jsonb)))
    )
    select e.key, r.kind, r.too_common,
      count(distinct e.object_id) filter (where e.vis and e.role = 1 and e.object_type = 'incident') as incidents,
      count(distinct e.object_id) filter (where e.vis and e.role = 1 and e.object_type = 'malware') as malware,
      count(distinct e.object_id) filter (where e.vis and e.role = 1 and e.object_type = 'report') as reports,
      count(distinct e.object_id) filter (where e.vis and e.role = 1 and e.object_type = 'sighting') as sightings,
      count(distinct e.org_id) filter (where e.cnt) as orgs,
      array_agg(distinct e.sector) filter (where e.cnt) as sectors,
      bool_or(not e.derived) filter (where e.vis) as direct,
      max(e.seen_at) filter (where e.vis) as last_seen,
      min(e.tlp_rank) filter (where e.vis and e.role = 0) as min_rank
    from e join analysis_root_sources r on r.key = e.key
    group by e.key, r.kind, r.too_common
    having bool_or(e.vis and e.role = 0)`.execute(db);
  return new Map(rows.rows.map((r) => [r.key, r]));
}

/** Visible objects pointing at each value, by type. */
async function objectKinds(db: Kysely<Database>, viewer: AnyViewer, keys: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (keys.length === 0) return out;
  const rows = await sql<{ key: string; object_type: string; n: number }>`
    select ev.key, ev.object_type, count(distinct ev.object_id) as n from analysis_root_evidence ev
    where ev.key in (select jsonb_array_elements_text(cast(${JSON.stringify(keys)} as jsonb)))
      and exists (select 1 from contributions c where c.object_id = ev.object_id and ${visibleContribution(viewer, 'c')})
    group by ev.key, ev.object_type`.execute(db);
  for (const r of rows.rows) out.set(r.key, { ...(out.get(r.key) ?? {}), [r.object_type]: Number(r.n) });
  return out;
}

function factsOf(r: FactsRow): RootFacts {
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
  const batch = Math.max(o.batch ?? 500, need * 2);
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
    const nextBound = cands.length < batch ? -1 : (cands[cands.length - 1]!.hub_score ?? 0);
    if (cands.length < batch) exhausted = true;
    // Settled: the page's last score is at least anything the unread (lower hub score) rows could reach.
    // (hub scores are stored as float4: allow for their rounding)
    if (exhausted || (found.length >= need && found[need - 1]!.score >= nextBound * (1 + 1e-6) + 1e-6)) break;
  }
  const page = found.slice(o.offset, need);
  const kinds = await objectKinds(
    db,
    viewer,
    page.map((p) => p.key),
  );
  const items = page.map((p): RootSourceView => {
    const f = p.facts;
    const colon = p.key.indexOf(':');
    return {
      key: p.key,
      kind: f.kind,
      value: p.key.slice(colon + 1),
      score: p.score,
      tooCommon: f.too_common,
      explanation: p.explained,
      evidence: {
        incidents: Number(f.incidents),
        malware: Number(f.malware),
        reports: Number(f.reports),
        sightings: Number(f.sightings),
        organisations: Number(f.orgs),
        sectors: [...(f.sectors ?? [])].sort(),
        objectKinds: kinds.get(p.key) ?? {},
        derivedOnly: f.direct !== true,
      },
      lastSeen: f.last_seen ? new Date(f.last_seen).toISOString() : null,
      minRank: Number(f.min_rank ?? 0),
    };
  });
  return { items, more: found.length > need || !exhausted };
}
