import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Viewer } from '../../access/viewer.ts';
import { mayUnmask } from '../../access/visibility.policy.ts';
import { notFound } from '../../shared/errors.ts';
import { auditSensitiveReads } from '../../audit/sensitive-reads.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';
import { sectorIdentity } from '../../stix/extensions.ts';
import { advisoriesLinking } from '../advisories/advisories.repository.ts';
import { findOwnContribution, listOwnContributions, organisationsAlerted, otherReporters, relatedObjects, sightingsOf, type OwnContributionRow } from './history.repository.ts';

/** Clusters an object joined, as the analysis area reports them within the policy. */
export type ClustersOf = (v: Viewer, objectIds: readonly string[]) => Promise<readonly Record<string, unknown>[]>;
/** Values of an object on warninglists, with the lists and what they suppress (issue 11.1). */
export type WarninglistsOf = (objectIds: readonly string[]) => Promise<readonly Record<string, unknown>[]>;

function present(r: OwnContributionRow) {
  return {
    id: r.id,
    object: { id: r.object_id, type: r.type, name: r.name ?? r.value },
    tlp: r.tlp,
    anonymous: r.anonymous,
    shared_with: { organisations: r.recipient_orgs.length, groups: r.recipient_groups.length },
    first_seen: r.first_seen.toISOString(),
    last_seen: r.last_seen.toISOString(),
  };
}

/** Cases and takedowns that concern some objects, as the viewer may know them (the neutralise area, issue 12). */
export type CasesOf = (v: Viewer, objectIds: readonly string[]) => Promise<{ readonly cases: readonly unknown[]; readonly takedowns: readonly unknown[] }>;

/** "What happened to what I shared": the fate of each of an organisation's contributions, within the trust policy. */
export class HistoryService {
  readonly #db: Kysely<Database>;
  #clusters: ClustersOf;
  #cases: CasesOf = async () => ({ cases: [], takedowns: [] });
  #warninglists: WarninglistsOf = async () => [];

  constructor(db: Kysely<Database>, clusters: ClustersOf = async () => []) {
    this.#db = db;
    this.#clusters = clusters;
  }

  /** Wires the analysis area's cluster lookup. */
  setClusters(fn: ClustersOf): void {
    this.#clusters = fn;
  }

  /** Wires the neutralise area's cases and takedowns (issue 12). */
  setCases(fn: CasesOf): void {
    this.#cases = fn;
  }

  /** Wires the analysis area's warninglists (which values of a contribution they suppress, and why). */
  setWarninglists(fn: WarninglistsOf): void {
    this.#warninglists = fn;
  }

  /** A page of the organisation's contributions, newest first. */
  async list(v: Viewer, o: { limit: number; beforeId?: number; types?: readonly string[] }) {
    const rows = await listOwnContributions(this.#db, v, o);
    await auditSensitiveReads(this.#db, v, rows.map((r) => ({ id: r.object_id, rank: TLP_LEVELS.indexOf(r.tlp) })), 'api.contributions');
    return { items: rows.map(present), nextId: rows.length === o.limit ? rows[rows.length - 1]!.id : null };
  }

  /**
   * The history of one contribution: others who reported the same value (countable only), sightings
   * (in full when shared with the caller, otherwise counted), clusters, advisories, organisations
   * alerted, cases and takedowns.
   * @example await history.of(viewer, 42)
   */
  async of(v: Viewer, id: number) {
    const c = await findOwnContribution(this.#db, v, id);
    if (!c) throw notFound('contribution', String(id));
    const related = await relatedObjects(this.#db, c.object_id);
    const [reporters, sightings, advisories, alerted, clusters, neutralised, warninglists] = await Promise.all([
      otherReporters(this.#db, v, related),
      sightingsOf(this.#db, v, related),
      advisoriesLinking(this.#db, related),
      organisationsAlerted(this.#db, v, related),
      this.#clusters(v, related).catch(() => []),
      this.#cases(v, related).catch(() => ({ cases: [], takedowns: [] })),
      this.#warninglists([c.object_id]).catch(() => []),
    ]);
    const visible = new Map<string, Record<string, unknown>>();
    for (const s of sightings) {
      if (!s.visible || visible.has(s.id)) continue;
      const unmask = mayUnmask(v, { orgId: s.org_id, anonymous: s.anonymous });
      const d = s.data;
      visible.set(s.id, {
        id: s.id,
        count: typeof d.count === 'number' ? d.count : 1,
        first_seen: d.first_seen ?? null,
        last_seen: d.last_seen ?? null,
        where: d.x_kessetsu_where ?? null,
        tlp: s.tlp,
        sighted_by: unmask ? { id: s.org_id, name: s.org_name, sector: s.sector } : { id: null, name: String(sectorIdentity(s.sector).name), sector: s.sector },
        own: s.org_id === v.orgId,
      });
    }
    // The contribution and the sightings shown at AMBER+STRICT or RED are audited (issue 10.9).
    const least = new Map<string, number>();
    for (const s of sightings) if (s.visible) least.set(s.id, Math.min(least.get(s.id) ?? 4, TLP_LEVELS.indexOf(s.tlp)));
    const shown = [{ id: c.object_id, rank: TLP_LEVELS.indexOf(c.tlp) }, ...[...least].map(([id, rank]) => ({ id, rank }))];
    await auditSensitiveReads(this.#db, v, shown, 'api.contributions.history');
    const all = new Set(sightings.map((s) => s.id));
    const byOthers = new Set(sightings.filter((s) => s.org_id !== v.orgId).map((s) => s.id));
    return {
      contribution: present(c),
      related_objects: related.length,
      reported_by_others: reporters,
      sightings: { total: all.size, by_others: byOthers.size, not_shared_with_you: all.size - visible.size, items: [...visible.values()] },
      clusters,
      warninglists,
      advisories: advisories.map((a) => ({ id: a.id, title: { ja: a.title_ja, en: a.title_en }, published_at: a.published_at?.toISOString() ?? null, url: `/advisories/${a.id}` })),
      alerts: { organisations_alerted: alerted },
      cases: neutralised.cases,
      takedowns: neutralised.takedowns,
    };
  }
}
