import type { Kysely } from 'kysely';
import { isHub, type AnyViewer } from '../../access/viewer.ts';
import type { Database } from '../../db/schema.ts';
import { AppError, notFound } from '../../shared/errors.ts';
import type { Lang } from '../change.phrase.ts';
import type { StatsService } from '../stats.service.ts';
import { gatherReport, reportPeriod, type ReportAnalysis } from './report.data.ts';
import { renderReportHtml } from './report.html.ts';
import { PdfPrinter } from './report.pdf.ts';
import { findReport, listReports, type StoredReport } from './reports.repository.ts';

/** Formats a report comes in. */
export type ReportFormat = 'html' | 'pdf';

/** A rendered report. */
export interface RenderedReport {
  readonly body: Buffer;
  readonly contentType: string;
  readonly filename: string;
}

/** Monthly and annual reports: rendered for a viewer on demand, or read back from the scheduled ones. */
export class ReportsService {
  readonly #db: Kysely<Database>;
  readonly #stats: StatsService;
  readonly #analysis: () => ReportAnalysis | undefined;
  readonly #printer: PdfPrinter | undefined;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, stats: StatsService, o: { analysis: () => ReportAnalysis | undefined; chromium: string | undefined; now?: () => Date }) {
    this.#db = db;
    this.#stats = stats;
    this.#analysis = o.analysis;
    this.#printer = o.chromium === undefined ? undefined : new PdfPrinter(o.chromium);
    this.#now = o.now ?? (() => new Date());
  }

  /** Whether PDFs can be printed here (Chromium found). */
  get pdfAvailable(): boolean {
    return this.#printer !== undefined;
  }

  /** How many times Chromium was started for PDFs. */
  get pdfStarts(): number {
    return this.#printer?.starts ?? 0;
  }

  /** Closes the Chromium kept for PDFs (on app close). */
  async close(): Promise<void> {
    await this.#printer?.close();
  }

  /**
   * Renders the report of a period (2026-10, 2026, FY2026, 2026H1) for a viewer, in a language and format.
   * @example const r = await reports.render(viewer, '2026-10', 'ja', 'pdf')
   */
  async render(viewer: AnyViewer, periodText: string, lang: Lang, format: ReportFormat): Promise<RenderedReport> {
    const period = reportPeriod(periodText);
    if (!period) throw new AppError('validation_failed', `period: "${periodText.slice(0, 20)}" is not a report period (2026-10, 2026, FY2026, 2026H1)`, { field: 'period' });
    if (format === 'pdf' && !this.#printer) throw new AppError('not_acceptable', 'PDF needs Chromium on the hub (Debian package chromium); ask for format=html', { field: 'format' });
    const data = await gatherReport(this.#stats, this.#analysis(), viewer, period, this.#now());
    const html = renderReportHtml(data, lang);
    const filename = `kessetsu-report-${period.text}-${lang}.${format}`;
    if (format === 'html') return { body: Buffer.from(html, 'utf8'), contentType: 'text/html; charset=utf-8', filename };
    return { body: await this.#printer!.print(html), contentType: 'application/pdf', filename };
  }

  /** Reports the schedule generated (hub analysts). */
  async stored(viewer: AnyViewer, limit = 100): Promise<StoredReport[]> {
    if (!isHub(viewer)) throw new AppError('forbidden', 'scheduled reports are for hub analysts');
    return listReports(this.#db, limit);
  }

  /** One scheduled report's content (hub analysts). */
  async storedContent(viewer: AnyViewer, id: string): Promise<RenderedReport> {
    if (!isHub(viewer)) throw new AppError('forbidden', 'scheduled reports are for hub analysts');
    const r = await findReport(this.#db, id);
    if (!r || r.status !== 'done' || !r.content) throw notFound('report', id);
    return { body: r.content, contentType: r.content_type ?? 'application/octet-stream', filename: `kessetsu-report-${r.period}-${r.lang}.${r.format}` };
  }
}
