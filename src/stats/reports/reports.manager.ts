import type { Kysely } from 'kysely';
import type { Viewer } from '../../access/viewer.ts';
import type { Database } from '../../db/schema.ts';
import type { Lang } from '../change.phrase.ts';
import { dayInStatsZone, monthMinus } from '../period.ts';
import { claimReport, failReport, finishReport } from './reports.repository.ts';
import type { ReportFormat, ReportsService } from './reports.service.ts';

// The background manager of periodic reports: every interval it looks at what is due (last month's
// report; in January also last year's), and generates each report, language and format that is not
// done yet. The lock is the report's own row (claimReport): several nodes may run the manager and each
// report is generated once; a node that dies mid-report leaves a lease that runs out, and another takes it.

/** Settings of the report schedule. */
export interface ReportScheduleOptions {
  /** How often to look for due reports; 0 disables the schedule. */
  readonly intervalMs: number;
  readonly langs?: readonly Lang[];
  /** How long a claim holds before another node may take the report over. */
  readonly leaseMs?: number;
  /** Wait before a failed report is tried again. */
  readonly retryMs?: number;
  /** Wait after start before the first look (a node that just started, or a short-lived test hub, does not render at once). */
  readonly firstDelayMs?: number;
  readonly now?: () => Date;
}

/** Generates the periodic reports on a schedule, as the hub sees them. */
export class ReportsManager {
  readonly #db: Kysely<Database>;
  readonly #reports: ReportsService;
  readonly #viewer: () => Promise<Viewer>;
  readonly #o: Required<ReportScheduleOptions>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(db: Kysely<Database>, reports: ReportsService, hubViewer: () => Promise<Viewer>, o: ReportScheduleOptions) {
    this.#db = db;
    this.#reports = reports;
    this.#viewer = hubViewer;
    this.#o = { langs: ['ja', 'en'], leaseMs: 10 * 60_000, retryMs: 60 * 60_000, firstDelayMs: Math.min(o.intervalMs, 15 * 60_000), now: () => new Date(), ...o };
  }

  /** The reports due at a time: last month's, and in January last year's. */
  due(now: Date): string[] {
    const month = dayInStatsZone(now).slice(0, 7);
    const last = monthMinus(month, 1);
    return month.endsWith('-01') ? [last, last.slice(0, 4)] : [last];
  }

  /** Starts the schedule: a first look after firstDelayMs, then every interval. */
  start(): void {
    if (this.#o.intervalMs <= 0 || this.#timer || this.#stopped) return;
    const run = (): void => {
      if (this.#stopped) return;
      this.#running = this.tick().catch(() => {});
    };
    this.#timer = setTimeout(() => {
      run();
      this.#timer = setInterval(run, this.#o.intervalMs);
      this.#timer.unref();
    }, this.#o.firstDelayMs);
    this.#timer.unref();
  }

  /**
   * Generates what is due and not done; answers what this node generated ("2026-10/ja/html", …).
   * @example await manager.tick() // ['2026-10/ja/html', '2026-10/en/html', …]
   */
  async tick(): Promise<string[]> {
    const done: string[] = [];
    const formats: ReportFormat[] = this.#reports.pdfAvailable ? ['html', 'pdf'] : ['html'];
    for (const period of this.due(this.#o.now())) {
      for (const lang of this.#o.langs) {
        for (const format of formats) {
          if (this.#stopped) return done;
          const id = await claimReport(this.#db, { period, lang, format, leaseMs: this.#o.leaseMs });
          if (!id) continue;
          try {
            const r = await this.#reports.render(await this.#viewer(), period, lang, format);
            await finishReport(this.#db, id, r.body, r.contentType);
            done.push(`${period}/${lang}/${format}`);
          } catch (err) {
            await failReport(this.#db, id, (err as Error).message, this.#o.retryMs).catch(() => {});
          }
        }
      }
    }
    return done;
  }

  /** Stops the schedule and waits for a running tick. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) {
      clearTimeout(this.#timer);
      clearInterval(this.#timer);
    }
    this.#timer = undefined;
    await this.#running;
  }
}
