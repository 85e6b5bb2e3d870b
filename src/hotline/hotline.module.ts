import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { Neutralise } from '../cases/neutralise.module.ts';
import { AbuseGuard } from './abuse.guard.ts';
import { dnsResolver, type HostResolver } from './host.resolver.ts';
import { hotlineStats } from './hotline.metrics.ts';
import { hotlineRoutes } from './hotline.routes.ts';
import { publicHotlineRoutes } from './public.routes.ts';
import { RemovalChecker } from './removal.checker.ts';
import { httpFetcher, type HotlineFetcher } from './removal.fetcher.ts';
import { ReportsService } from './reports.service.ts';
import { TriageService } from './triage.service.ts';

/** Hotline settings (from the config; tests replace the fetcher and resolver). */
export interface HotlineOptions {
  readonly reportsPerHour: number;
  readonly powBits: number;
  readonly checkIntervalMs: number;
  readonly fetchTimeoutMs: number;
  /** Let the default fetcher request private and loopback addresses. */
  readonly fetchAllowPrivate: boolean;
  readonly fetcher?: HotlineFetcher;
  readonly resolver?: HostResolver;
}

/** The hotline area (issue 15). */
export interface Hotline {
  readonly reports: ReportsService;
  readonly triage: TriageService;
  readonly checker: RemovalChecker;
  /** Reports and removal figures over [since, until) (for the statistics area). */
  stats(o?: { since?: Date | undefined; until?: Date | undefined }): ReturnType<typeof hotlineStats>;
  routes(): FastifyPluginAsync;
  close(): Promise<void>;
}

/**
 * Builds the hotline on the neutralise area's cases and actions; starts the removal schedule.
 * @example const hotline = createHotline({ db, enrichment, ingest, neutralise, options })
 */
export function createHotline(d: { db: Kysely<Database>; enrichment: EnrichmentService; ingest: IngestService; neutralise: Neutralise; options: HotlineOptions }): Hotline {
  const o = d.options;
  const resolve = o.resolver ?? dnsResolver(2000);
  const guard = new AbuseGuard({ reportsPerHour: o.reportsPerHour, powBits: o.powBits });
  const reports = new ReportsService(d.db, d.enrichment, resolve);
  const triage = new TriageService({ db: d.db, actions: d.neutralise.actions, cases: d.neutralise.cases, ingest: d.ingest, enrichment: d.enrichment, resolve });
  const checker = new RemovalChecker(d.db, d.neutralise.actions, { fetcher: o.fetcher ?? httpFetcher({ allowPrivate: o.fetchAllowPrivate }), timeoutMs: o.fetchTimeoutMs, intervalMs: o.checkIntervalMs });
  checker.start();
  const stats = (s: { since?: Date | undefined; until?: Date | undefined } = {}) => hotlineStats(d.db, s);
  return {
    reports,
    triage,
    checker,
    stats,
    routes() {
      return async (app) => {
        await app.register(publicHotlineRoutes(reports, guard));
        await app.register(hotlineRoutes(triage, checker, stats));
      };
    },
    close: () => checker.stop(),
  };
}
