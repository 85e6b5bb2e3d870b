import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, type AnyViewer, type Viewer } from '../access/viewer.ts';
import { contributionPredicate, countablePredicate } from '../access/visibility.policy.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import type { IngestCommitted } from '../ingest/ingest.service.ts';
import type { IdSet } from '../ingest/id.set.ts';

/** What correlation needs of an ingest, kept slice by slice (issue 17): its distinct values and its objects' ids. */
export interface IngestValues {
  /** The distinct observable keys of the ingest's objects, in order. */
  readonly keys: Set<string>;
  /** The ids of the ingest's objects (empty when the process has no index to correlate with). */
  readonly own: IdSet;
}
import { guessKind } from '../lookup/guess-kind.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { auditShownObjects } from '../audit/sensitive-reads.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import type { AnalysisSettings } from './analysis.settings.ts';
import { findIngestCorrelation, insertIngestCorrelation } from './analysis.repository.ts';
import { connectedCases, type ConnectedRow } from './queries/connections.query.ts';
import { clustersOfObjects, anyVisibleMember } from './queries/clusters.query.ts';
import { indicatorLifecycles, type IndicatorLifecycle } from './queries/lifecycle.query.ts';
import { factsOf, viewerRootFacts } from './queries/root-sources.query.ts';
import { rootScore, type Explained } from './scoring.ts';
import { ipOfKey, splitKey, urlHostKey } from './value-key.ts';
import type { WarninglistHit } from './warninglists/warninglist.matcher.ts';
import { hitReason } from './warninglists/ingest.warnings.ts';

/** The correlation summary of one value for one viewer. */
export interface Correlation {
  readonly value: string;
  readonly key: string;
  readonly kind: string;
  readonly warninglisted: readonly WarninglistHit[];
  readonly seen: { readonly objects: { id: string; type: string; tlp: string }[]; readonly organisations: number; readonly sectors: string[] } | null;
  readonly connected: { readonly total: number; readonly too_common: boolean; readonly by_type: Record<string, number>; readonly items: { id: string; type: string; name: string | null }[] } | null;
  readonly clusters: number[];
  readonly root_source: { readonly score: number; readonly explanation: Explained } | null;
  readonly enrichment: Record<string, unknown>;
  readonly lifecycle: IndicatorLifecycle[];
  readonly explanation: string[];
}

/** One correlated value of an ingest, as its contributor may learn it. */
export interface IngestCorrelationItem {
  readonly key: string;
  readonly organisations: number;
  readonly sectors: string[];
  readonly connected: Record<string, number>;
  readonly too_common: boolean;
}

/** What an ingest correlated with, as its contributor may learn it. */
export interface IngestCorrelationSummary {
  readonly ingest_id: string;
  readonly org_id: string;
  readonly checked: number;
  readonly correlated: number;
  readonly warninglisted: number;
  readonly too_common: number;
  readonly items: IngestCorrelationItem[];
}

/** What the correlation needs from the rest of the analysis. */
export interface CorrelationDeps {
  readonly db: Kysely<Database>;
  readonly index: ObservableIndex;
  readonly warninglists: { matchAll(key: string): WarninglistHit[]; silenced(key: string, scope: 'never_correlate' | 'never_blocklist'): WarninglistHit | null };
  readonly enrichment: EnrichmentService;
  readonly settings: () => AnalysisSettings;
}

const MAX_ITEMS = 200;
const MAX_CORRELATED_KEYS = 5000;

/** Correlation from the in-memory index, on demand and per ingest; summaries per value, never pairwise tables. */
export class CorrelationService {
  readonly #d: CorrelationDeps;

  constructor(deps: CorrelationDeps) {
    this.#d = deps;
  }

  /** Offline facts about a key: AS, holder and country of an IP, registrable domain of a host. */
  enrich(key: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const host = urlHostKey(key);
    if (host) out.host = host.slice(host.indexOf(':') + 1);
    const base = host ?? key;
    const ip = ipOfKey(base);
    if (ip) {
      const info = this.#d.enrichment.ipInfo(ip.ip);
      if (info) Object.assign(out, { asn: info.asn, holder: info.holder, country: info.country, sources: info.sources });
    }
    if (base.startsWith('domain-name:')) out.registrable_domain = this.#d.enrichment.registrableDomain(base.slice(12));
    if (base.startsWith('autonomous-system:')) {
      const asn = Number(base.slice(18));
      Object.assign(out, { holder: this.#d.enrichment.asnHolder(asn), country: this.#d.enrichment.asnCountry(asn) });
    }
    return out;
  }

  /**
   * Everything the viewer may learn about one value: who else reported it, what it connects, its
   * clusters, its root-source score, its enrichment and lifecycle, and the warninglists it is on (a
   * never_correlate list silences it; a warning list only lowers its score).
   * @example await correlation.correlate(viewer, '198.51.100[.]3')
   */
  async correlate(viewer: AnyViewer, value: string, now = new Date()): Promise<Correlation> {
    const c = await this.#correlate(viewer, value, now);
    // What it showed at AMBER+STRICT or RED is audited like any other read (issue 10.9).
    const shown = [...(c.seen?.objects ?? []).map((o) => o.id), ...(c.connected?.items ?? []).map((i) => i.id)];
    await auditShownObjects(this.#d.db, viewer, shown, 'api.correlations');
    return c;
  }

  async #correlate(viewer: AnyViewer, value: string, now: Date): Promise<Correlation> {
    const key = guessKind(value);
    if (key === null) throw new AppError('validation_failed', 'value: not an IP, domain, URL, e-mail, hash, AS, phone number, wallet or CVE', { field: 'value' });
    const s = this.#d.settings();
    const kind = splitKey(key)?.type ?? '';
    const hits = this.#d.warninglists.matchAll(key);
    const m = this.#d.index.match(viewer, key);
    const seen = m ? { objects: m.objects.slice(0, 100), organisations: m.org_count, sectors: m.sectors } : null;
    const base = { value, key, kind, warninglisted: hits, seen, enrichment: this.enrich(key) };
    const listed = hits.map(hitReason);
    if (hits.some((h) => h.scopes.includes('never_correlate'))) return { ...base, connected: null, clusters: [], root_source: null, lifecycle: [], explanation: listed };
    if (!m) return { ...base, connected: null, clusters: [], root_source: null, lifecycle: [], explanation: [...listed, 'nothing you may see holds this value'] };
    const holders = m.objects.map((o) => o.id);
    const rows = await connectedCases(this.#d.db, viewer, holders, s.tooCommon + 1);
    const cases = new Map<string, ConnectedRow>();
    for (const r of rows) cases.set(r.id, r);
    const byType: Record<string, number> = {};
    for (const c of cases.values()) byType[c.type] = (byType[c.type] ?? 0) + 1;
    const tooCommon = rows.length > s.tooCommon;
    const clusterOf = await clustersOfObjects(this.#d.db, [...cases.keys()].slice(0, 5000));
    const clusterIds = [...new Set(clusterOf.values())].sort((a, b) => a - b);
    const visibleClusters: number[] = [];
    for (const id of clusterIds.slice(0, 50)) if (isHub(viewer) || (await anyVisibleMember(this.#d.db, viewer, [id]))) visibleClusters.push(id);
    const facts = (await viewerRootFacts(this.#d.db, viewer, [key])).get(key);
    const rootSource = facts ? rootScore(factsOf(facts), now, s.recencyHalfLifeDays) : null;
    const lifecycle = await indicatorLifecycles(
      this.#d.db,
      holders.filter((h) => h.startsWith('indicator--')).slice(0, 100),
      s,
      now,
    );
    const explanation = [
      ...listed,
      `reported by ${m.org_count} organisation(s) you may count, sectors: ${m.sectors.join(', ') || 'none'}`,
      `${cases.size}${tooCommon ? '+' : ''} incident(s), malware, report(s) or sighting(s) you may see connect to it${tooCommon ? ` (too common: more than ${s.tooCommon}, not used to link clusters)` : ''}`,
    ];
    if (visibleClusters.length) explanation.push(`in cluster(s) ${visibleClusters.join(', ')}`);
    if (rootSource) explanation.push(`root-source score ${rootSource.score}`);
    return {
      ...base,
      connected: { total: cases.size, too_common: tooCommon, by_type: byType, items: [...cases.values()].slice(0, 50).map((c) => ({ id: c.id, type: c.type, name: c.name })) },
      clusters: visibleClusters,
      root_source: rootSource ? { score: rootSource.score, explanation: rootSource } : null,
      lifecycle,
      explanation,
    };
  }

  /**
   * Correlates the values of a committed ingest within its contributor's view: which values other
   * organisations also reported and what they connect to. Stores and returns the summary.
   */
  async onIngest(ev: IngestCommitted & IngestValues): Promise<IngestCorrelationSummary> {
    const s = this.#d.settings();
    const viewer: Viewer = ev.viewer;
    const visible = contributionPredicate(viewer);
    const countable = countablePredicate(viewer);
    const { own, keys } = ev;
    let warninglisted = 0;
    const correlated: { key: string; orgs: number; sectors: string[]; holders: string[] }[] = [];
    for (const key of keys) {
      if (this.#d.warninglists.silenced(key, 'never_correlate')) {
        warninglisted++;
        continue;
      }
      const m = this.#d.index.match(viewer, key, visible, countable);
      if (!m) continue;
      const others = m.objects.some((o) => !own.has(o.id));
      if (m.org_count >= 2 || others) correlated.push({ key, orgs: m.org_count, sectors: m.sectors, holders: m.objects.map((o) => o.id) });
    }
    correlated.sort((a, b) => b.orgs - a.orgs || a.key.localeCompare(b.key));
    const detailed = correlated.slice(0, MAX_CORRELATED_KEYS);
    const byHolder = new Map<string, ConnectedRow[]>();
    const holders = [...new Set(detailed.flatMap((c) => c.holders))];
    for (let i = 0; i < holders.length; i += 2000) {
      for (const r of await connectedCases(this.#d.db, viewer, holders.slice(i, i + 2000), 100_000)) {
        const list = byHolder.get(r.holder);
        if (list) list.push(r);
        else byHolder.set(r.holder, [r]);
      }
    }
    let tooCommon = 0;
    const items = detailed.map((c): IngestCorrelationItem => {
      const ids = new Map<string, string>();
      for (const h of c.holders) for (const r of byHolder.get(h) ?? []) ids.set(r.id, r.type);
      const connected: Record<string, number> = {};
      for (const t of ids.values()) connected[t] = (connected[t] ?? 0) + 1;
      const common = ids.size > s.tooCommon;
      if (common) tooCommon++;
      return { key: c.key, organisations: c.orgs, sectors: c.sectors, connected, too_common: common };
    });
    items.sort((a, b) => b.organisations - a.organisations || total(b.connected) - total(a.connected) || a.key.localeCompare(b.key));
    const summary: IngestCorrelationSummary = {
      ingest_id: ev.ingestId,
      org_id: ev.org.id,
      checked: keys.size,
      correlated: correlated.length,
      warninglisted,
      too_common: tooCommon,
      items: items.slice(0, MAX_ITEMS),
    };
    if (correlated.length || warninglisted) await insertIngestCorrelation(this.#d.db, { ingestId: summary.ingest_id, orgId: summary.org_id, userId: viewer.userId, checked: summary.checked, correlated: summary.correlated, warninglisted, tooCommon, items: summary.items });
    return summary;
  }

  /** The stored correlation summary of an ingest (the contributor's organisation, or the hub). */
  async ofIngest(viewer: Viewer, ingestId: string): Promise<IngestCorrelationSummary> {
    if (!/^[0-9a-f-]{36}$/i.test(ingestId)) throw new AppError('validation_failed', 'ingest: not an ingest id', { field: 'ingest' });
    const row = await findIngestCorrelation(this.#d.db, ingestId, isHub(viewer) ? null : viewer.orgId);
    if (!row) throw notFound('correlation summary of ingest', ingestId);
    return {
      ingest_id: row.ingest_id,
      org_id: row.org_id,
      checked: row.checked,
      correlated: row.correlated,
      warninglisted: row.warninglisted,
      too_common: row.too_common,
      items: (row.items as (IngestCorrelationItem & { tooCommon?: boolean })[]).map(({ tooCommon, ...i }) => ({ ...i, too_common: i.too_common ?? tooCommon ?? false })), // rows stored before snake_case
    };
  }
}

function total(r: Record<string, number>): number {
  return Object.values(r).reduce((s, n) => s + n, 0);
}
