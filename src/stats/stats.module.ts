import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Viewer } from '../access/viewer.ts';
import type { Database } from '../db/schema.ts';
import type { ReportAnalysis } from './reports/report.data.ts';
import { findChromium } from './reports/report.pdf.ts';
import { ReportsManager } from './reports/reports.manager.ts';
import { ReportsService } from './reports/reports.service.ts';
import { ensureSeed } from './seed.loader.ts';
import { StatsService } from './stats.service.ts';
import { statsRoutes } from './stats.routes.ts';

/** Options of the statistics area. */
export interface StatsModuleOptions {
  /** Chromium for PDFs; default /usr/bin/chromium when installed. */
  readonly chromiumPath?: string | undefined;
  /** Report schedule interval in ms (0: no schedule). */
  readonly reportIntervalMs: number;
  readonly now?: () => Date;
}

/** Everything the statistics area offers the rest of the hub. */
export interface Stats {
  readonly series: StatsService;
  readonly reports: ReportsService;
  readonly manager: ReportsManager;
  /** Wires the analysis area's ranked views into the reports. */
  setAnalysis(analysis: ReportAnalysis): void;
  /** Route plugins: registered with one line in the HTTP server (starts the schedule when the server is ready). */
  routes(): FastifyPluginAsync;
  close(): Promise<void>;
}

/** The hub as a viewer: scheduled reports and the CLI see what the hub sees. */
export async function hubViewer(db: Kysely<Database>): Promise<Viewer> {
  const hub = await db.selectFrom('orgs').select('id').where('kind', '=', 'hub').orderBy('created_at').executeTakeFirst();
  const nil = '00000000-0000-0000-0000-000000000000';
  return { kind: 'user', userId: nil, orgId: hub?.id ?? nil, orgKind: 'hub', sector: null, role: 'hub_analyst', ndaAccepted: true, groupIds: [], keyId: null };
}

/**
 * Builds the statistics area: writes the seed series that are missing, the series and reports services,
 * and the report schedule. One call from the composition root.
 * @example const stats = await createStats(db, { reportIntervalMs: 3_600_000 })
 */
export async function createStats(db: Kysely<Database>, o: StatsModuleOptions): Promise<Stats> {
  await ensureSeed(db).catch(async () => ensureSeed(db)); // two nodes seeding at once: the second try finds it done
  const series = new StatsService(db, { now: o.now });
  let analysis: ReportAnalysis | undefined;
  const reports = new ReportsService(db, series, { analysis: () => analysis, chromium: findChromium(o.chromiumPath), now: o.now });
  const manager = new ReportsManager(db, reports, () => hubViewer(db), { intervalMs: o.reportIntervalMs, now: o.now });
  return {
    series,
    reports,
    manager,
    setAnalysis(a) {
      analysis = a;
    },
    routes() {
      return async (app) => {
        await app.register(statsRoutes(series, reports));
        app.addHook('onReady', async () => manager.start());
      };
    },
    async close() {
      await manager.stop();
      await reports.close();
    },
  };
}
