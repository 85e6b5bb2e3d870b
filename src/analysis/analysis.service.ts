import type { Kysely } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import type { IngestCommitted, IngestHooks, IngestSlice } from '../ingest/ingest.service.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import { applySetting, mergeSettings, type AnalysisSettings } from './analysis.settings.ts';
import { latestRuns, loadSettingOverrides, saveSettingOverrides, storedKeys } from './analysis.repository.ts';
import { AnalysisViews } from './analysis.views.ts';
import { CorrelationService, type IngestCorrelationSummary, type IngestValues } from './correlation.service.ts';
import { runAnalysis, type RunReport } from './job/analysis.job.ts';
import type { StoredCluster } from './job/clusters.persist.ts';
import { activeIndicatorSql, isActiveIndicator, type IndicatorFacts } from './lifecycle.ts';
import { WarninglistReview } from './warninglists/ingest.warnings.ts';
import { IdSet } from '../ingest/id.set.ts';
import { lineKey } from '../store/feed-line.ts';
import type { WarninglistsService } from './warninglists/warninglists.service.ts';

/** What the analysis needs from the composition root. */
export interface AnalysisDeps {
  readonly db: Kysely<Database>;
  readonly index: ObservableIndex;
  readonly indexReady: Promise<void>;
  readonly warninglists: WarninglistsService;
  readonly enrichment: EnrichmentService;
  /** Called after settings change (tells other nodes). */
  readonly onSettings?: () => void;
}

/**
 * Analyse: correlation on ingest and on demand, clusters with stable ids, root sources, damage-weighted
 * priorities and indicator lifecycle, all read within the trust policy.
 * @example await app.analysis.run('cli'); await app.analysis.views.rootSources(viewer, { offset: 0, limit: 20 })
 */
export class AnalysisService {
  readonly #d: AnalysisDeps;
  #settings: AnalysisSettings = mergeSettings({});
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #listeners: ((s: IngestCorrelationSummary) => void)[] = [];
  readonly #onClose: (() => Promise<void>)[] = [];
  #onClusters: ((clusters: readonly StoredCluster[]) => Promise<void>) | undefined;
  readonly correlation: CorrelationService;
  readonly views: AnalysisViews;
  readonly warninglists: WarninglistsService;
  readonly enrichment: EnrichmentService;

  constructor(deps: AnalysisDeps) {
    this.#d = deps;
    this.warninglists = deps.warninglists;
    this.enrichment = deps.enrichment;
    this.correlation = new CorrelationService({ db: deps.db, index: deps.index, warninglists: deps.warninglists, enrichment: deps.enrichment, settings: () => this.#settings });
    this.views = new AnalysisViews(deps.db, () => this.#settings, (k) => this.correlation.enrich(k));
  }

  /** Loads settings, the built-in warninglists of this release, warninglists and enrichment datasets (at start). */
  async start(): Promise<void> {
    await this.reloadSettings();
    await this.#d.warninglists.seedBuiltins();
    await this.#d.warninglists.reload();
    await this.#d.enrichment.reload();
    // Lists changed here: what is suppressed changes now, clusters and root sources at the next run.
    this.#d.warninglists.afterChange(() => {
      if (this.#closed) return;
      this.#track(this.refreshWarninglistHits());
      this.schedule();
    });
  }

  /** Records which stored values are on enabled lists now (after a list changed; runs do it too). */
  async refreshWarninglistHits(): Promise<{ added: number; removed: number; hits: number }> {
    return this.#d.warninglists.syncHitsOf(await storedKeys(this.#d.db));
  }

  /** The current settings (defaults with the stored overrides). */
  get settings(): AnalysisSettings {
    return this.#settings;
  }

  /** Re-reads the stored overrides. */
  async reloadSettings(): Promise<AnalysisSettings> {
    this.#settings = mergeSettings(await loadSettingOverrides(this.#d.db));
    return this.#settings;
  }

  /** Applies "name=value" assignments to the stored overrides; throws naming the bad one. */
  async updateSettings(assignments: readonly string[]): Promise<AnalysisSettings> {
    let stored = await loadSettingOverrides(this.#d.db);
    for (const a of assignments) stored = applySetting(stored, a);
    await saveSettingOverrides(this.#d.db, stored);
    const s = await this.reloadSettings();
    this.#d.onSettings?.();
    return s;
  }

  /**
   * Runs the analysis job now; runs asked for while one is under way follow it, one at a time.
   * @example const report = await app.analysis.run('cli')
   */
  run(trigger = 'manual'): Promise<RunReport> {
    const p = this.#chain.catch(() => {}).then(async () => {
      await this.#d.indexReady;
      return runAnalysis(
        {
          db: this.#d.db,
          settings: this.#settings,
          warninglisted: (k) => this.#d.warninglists.silenced(k, 'never_correlate') !== null,
          warnedBy: (k) => this.#d.warninglists.warnings(k).map((h) => h.list),
          syncHits: (keys, trx) => this.#d.warninglists.syncHitsOf(keys, trx),
          onClusters: this.#onClusters,
          registrableDomain: (h) => this.#d.enrichment.registrableDomain(h),
          asnOf: (ip) => this.#d.enrichment.asnOf(ip),
          scopesOfKey: (k) => this.#d.index.scopesOf(k),
          orgsOfKey: (k) => this.#d.index.contributorsOf(k),
        },
        trigger,
      );
    });
    this.#chain = p;
    return p;
  }

  /** Sets what runs after each analysis run with the stored clusters (cluster alerts, wired by the composition root). */
  setClusterAlerts(fn: (clusters: readonly StoredCluster[]) => Promise<void>): void {
    this.#onClusters = fn;
  }

  /** Asks for a run after the debounce delay (ingests call this; a burst of them gives one run). */
  schedule(): void {
    if (this.#closed || !this.#settings.autoRun) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#track(this.run('after-ingest'));
    }, this.#settings.debounceMs);
    this.#timer.unref();
  }

  /** Calls a listener with the correlation summary of every ingest (alerts: "others reported this too"). */
  onCorrelation(listener: (s: IngestCorrelationSummary) => void): void {
    this.#listeners.push(listener);
  }

  /** The ingest hook: correlate after commit (in the background), then schedule a run. */
  ingestHooks(): IngestHooks {
    return {
      // The submitter learns which values warninglists silence or flag, and why (dry runs too).
      review: () => new WarninglistReview((k) => this.#d.warninglists.matchAll(k), (k) => this.#d.warninglists.listsOf(k)),
      // Of each slice, the values (and, for correlation, the ids) are kept: not the objects (issue 17).
      begin: (_trx, { side }, review) => {
        const values: IngestValues = { keys: new Set<string>(), own: new IdSet() };
        // A process without the index (a CLI import) cannot correlate (the server's next run will). The ingest's
        // review has matched every value before a slice comes here: the values it found listed are recorded from
        // it, slice by slice on the ingest's side transaction, committed with it (issue 17: not matched twice, not
        // held to the end, and written while the ingest's connection writes its next batch).
        const correlating = this.#d.index.active;
        const warninglists = this.#d.warninglists;
        const reviewed = review instanceof WarninglistReview ? review : null;
        const record = async (written?: IngestSlice): Promise<void> => {
          if (!reviewed) return;
          const listed = reviewed.takeListed(written);
          if (listed.size) await side.run((db) => warninglists.recordListed(listed, db));
        };
        return {
          slice: async (_trx, slice) => {
            await record(slice);
            if (!correlating && reviewed) return;
            const keep = (k: string): void => {
              if (correlating || (!values.keys.has(k) && warninglists.matchAll(k).length)) values.keys.add(k);
            };
            for (const p of slice.objects) {
              if (correlating) values.own.add(p.record.id);
              for (const k of p.record.keys) keep(k);
            }
            for (const l of slice.lines ?? []) {
              if (correlating) values.own.add(l.scoId).add(l.indicatorId).add(l.relationshipId);
              keep(lineKey(l));
            }
          },
          finish: () => record(),
          committed: (ev) => {
            if (this.#closed) return;
            // Recorded so that the hub can list what was suppressed (nothing is deleted).
            if (!reviewed) this.#track(warninglists.recordHitsOf(values.keys));
            if (this.#settings.correlateOnIngest && this.#d.index.active) this.#track(this.correlateIngest({ ...ev, ...values }));
            this.schedule();
          },
        };
      },
    };
  }

  /** Correlates one committed ingest and tells the listeners (the hook calls this; benchmarks too). */
  async correlateIngest(ev: IngestCommitted & IngestValues): Promise<IngestCorrelationSummary> {
    const summary = await this.correlation.onIngest(ev);
    for (const l of this.#listeners) {
      try {
        l(summary);
      } catch {
        // A listener's failure is its own business.
      }
    }
    return summary;
  }

  #track(p: Promise<unknown>): void {
    const q = p.catch(() => {});
    this.#pending.add(q);
    void q.finally(() => this.#pending.delete(q));
  }

  /** Waits for background correlation and runs (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  /** The latest runs. */
  runs(limit = 10) {
    return latestRuns(this.#d.db, limit);
  }

  /** Whether an indicator belongs in blocklists now (same rule as activeIndicatorCondition). */
  isActiveIndicator(f: IndicatorFacts, now = new Date()): boolean {
    return isActiveIndicator(f, now, this.#settings);
  }

  /** SQL condition on a contributions row `alias` (an indicator's version): it belongs in blocklists now. */
  activeIndicatorCondition(alias = 'c', now = new Date()): RawBuilder<boolean> {
    return activeIndicatorSql(this.#d.db, this.#settings, now, alias);
  }

  /** Registers cleanup to run on close (listeners of the composition). */
  onClose(fn: () => Promise<void>): void {
    this.#onClose.push(fn);
  }

  /** Stops scheduling and waits for what is under way. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.drain();
    await this.#chain.catch(() => {});
    for (const fn of this.#onClose) await fn().catch(() => {});
  }
}
