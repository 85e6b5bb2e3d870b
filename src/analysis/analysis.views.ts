import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, type AnyViewer } from '../access/viewer.ts';
import { auditSensitiveReads } from '../audit/sensitive-reads.ts';
import { presentContribution } from '../objects/object.presenter.ts';
import { notFound } from '../shared/errors.ts';
import { TLP_LEVELS } from '../trust/tlp.ts';
import type { AnalysisSettings } from './analysis.settings.ts';
import { anyVisibleMember, clusterEvents, contributionsOfObjects, findCluster, listVisibleClusters, visibleLinks, visibleMembers } from './queries/clusters.query.ts';
import { rankPriorities, viewerClusterFacts, type ClusterView } from './queries/priorities.query.ts';
import { rankRootSources, type RootSourceView } from './queries/root-sources.query.ts';

const MAX_OFFSET = 10_000;

/** Read side of the analysis: ranked lists and cluster details, each within the trust policy, each explained. */
export class AnalysisViews {
  readonly #db: Kysely<Database>;
  readonly #settings: () => AnalysisSettings;
  readonly #enrich: (key: string) => Record<string, unknown>;

  constructor(db: Kysely<Database>, settings: () => AnalysisSettings, enrich: (key: string) => Record<string, unknown>) {
    this.#db = db;
    this.#settings = settings;
    this.#enrich = enrich;
  }

  /**
   * Root sources ranked by the viewer's score, with evidence and enrichment.
   * @example await views.rootSources(viewer, { offset: 0, limit: 20 })
   */
  async rootSources(viewer: AnyViewer, o: { offset: number; limit: number; kind?: string | undefined; now?: Date }): Promise<{ items: (RootSourceView & { enrichment: Record<string, unknown> })[]; nextOffset: number | null }> {
    const s = this.#settings();
    const offset = Math.min(o.offset, MAX_OFFSET);
    const r = await rankRootSources(this.#db, viewer, { offset, limit: o.limit, kind: o.kind, now: o.now ?? new Date(), halfLifeDays: s.recencyHalfLifeDays });
    await auditSensitiveReads(
      this.#db,
      viewer,
      r.items.filter((i) => i.min_rank >= 3).map((i) => ({ id: i.key, rank: i.min_rank })),
      'api.root-sources',
    );
    return {
      items: r.items.map((i) => ({ ...i, enrichment: this.#enrich(i.key) })),
      nextOffset: r.more && offset + o.limit <= MAX_OFFSET ? offset + o.limit : null,
    };
  }

  /** Clusters ranked by the viewer's damage-weighted priority; referral candidates flagged. */
  async priorities(viewer: AnyViewer, o: { offset: number; limit: number; referralOnly?: boolean; now?: Date }): Promise<{ items: ClusterView[]; nextOffset: number | null; referralThreshold: number }> {
    const s = this.#settings();
    const offset = Math.min(o.offset, MAX_OFFSET);
    const r = await rankPriorities(this.#db, viewer, {
      offset,
      limit: o.limit,
      now: o.now ?? new Date(),
      halfLifeDays: s.recencyHalfLifeDays,
      referralThreshold: s.referralThreshold,
      defaultConfidence: s.defaultConfidence,
      referralOnly: o.referralOnly,
    });
    return { items: r.items, nextOffset: r.more && offset + o.limit <= MAX_OFFSET ? offset + o.limit : null, referralThreshold: s.referralThreshold };
  }

  /** Active clusters with a member the viewer may see, newest first. */
  async clusters(viewer: AnyViewer, o: { beforeId?: number | undefined; limit: number; now?: Date }): Promise<{ items: (ClusterView & { status: string; created_at: string; updated_at: string })[]; nextId: number | null }> {
    const s = this.#settings();
    const rows = await listVisibleClusters(this.#db, viewer, { beforeId: o.beforeId, limit: o.limit });
    const facts = await viewerClusterFacts(
      this.#db,
      viewer,
      rows.map((r) => Number(r.id)),
      { now: o.now ?? new Date(), halfLifeDays: s.recencyHalfLifeDays, referralThreshold: s.referralThreshold, defaultConfidence: s.defaultConfidence },
    );
    const items = rows.flatMap((r) => {
      const f = facts.get(Number(r.id));
      return f ? [{ ...f, status: r.status, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() }] : [];
    });
    return { items, nextId: rows.length === o.limit ? Number(rows[rows.length - 1]!.id) : null };
  }

  /**
   * One cluster: its members, evidence, priority explanation and history, as far as the viewer may see.
   * A merged or split cluster answers with where its members went. 404 when the viewer may see nothing of it.
   */
  async cluster(viewer: AnyViewer, id: number, now = new Date()): Promise<Record<string, unknown>> {
    const s = this.#settings();
    const row = await findCluster(this.#db, id);
    if (!row) throw notFound('cluster', String(id));
    const history = {
      merged_from: row.merged_from.map(Number),
      split_from: row.split_from.map(Number),
      merged_into: row.merged_into === null ? null : Number(row.merged_into),
      split_into: row.split_into.map(Number),
    };
    if (row.status !== 'active') {
      const successors = history.merged_into !== null ? [history.merged_into] : history.split_into;
      if (!isHub(viewer) && !(await anyVisibleMember(this.#db, viewer, successors))) throw notFound('cluster', String(id));
      return { id, status: row.status, ...history, updated_at: row.updated_at.toISOString() };
    }
    const facts = (await viewerClusterFacts(this.#db, viewer, [id], { now, halfLifeDays: s.recencyHalfLifeDays, referralThreshold: s.referralThreshold, defaultConfidence: s.defaultConfidence })).get(id);
    if (!facts) throw notFound('cluster', String(id));
    const members = await visibleMembers(this.#db, viewer, id, 500);
    const contributions = await contributionsOfObjects(
      this.#db,
      viewer,
      members.map((m) => m.object_id),
    );
    const byObject = new Map<string, ReturnType<typeof presentContribution>[]>();
    for (const c of contributions) byObject.set(c.object_id, [...(byObject.get(c.object_id) ?? []), presentContribution(viewer, c)]);
    const links = await visibleLinks(this.#db, viewer, id, 200);
    const events = await clusterEvents(this.#db, id);
    await auditSensitiveReads(
      this.#db,
      viewer,
      members.map((m) => ({ id: m.object_id, rank: Number(m.min_rank) })),
      'api.clusters.get',
    );
    return {
      ...facts,
      status: row.status,
      ...history,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      members_shown: members.map((m) => ({
        id: m.object_id,
        type: m.object_type,
        name: m.name,
        tlp: TLP_LEVELS[Number(m.min_rank)] ?? 'red',
        damage: m.object_type === 'incident' ? { amount_jpy: m.amount_jpy, victims: m.victims, records: m.records } : undefined,
        ...(m.copy_of ? { sanitised_copy: true } : {}),
        seen_at: m.seen_at ? new Date(m.seen_at).toISOString() : null,
        contributions: byObject.get(m.object_id) ?? [],
      })),
      truncated: members.length >= 500,
      // How many members a value touches counts members the viewer may not see: the hub only.
      evidence: links.map((l) => ({
        kind: l.kind === 'key' ? 'shared value' : 'relationship',
        ref: l.ref,
        weight: l.weight,
        ...(isHub(viewer) ? { members: l.members } : {}),
        ...(l.kind === 'key' ? { enrichment: this.#enrich(l.ref) } : {}),
      })),
      history: events.map((e) => ({ kind: e.kind, others: e.other_ids.map(Number), ...(isHub(viewer) ? { members: e.members } : {}), at: e.at.toISOString() })),
    };
  }
}
