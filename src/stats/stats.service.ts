import type { Kysely } from 'kysely';
import { isHub, type AnyViewer } from '../access/viewer.ts';
import type { Database } from '../db/schema.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { dayInStatsZone, monthMinus, monthsBetween, parsePeriod } from './period.ts';
import { PLATFORM_PREFIX, PLATFORM_PROVIDERS, providerOf } from './platform/providers.registry.ts';
import type { PlatformProvider } from './platform/provider.ts';
import { parseSeriesCsv, seriesToCsv, type LineError } from './series.csv.ts';
import { categoryRows, deleteSeriesRow, findSeriesRow, listSeriesRows, setPublished, valueRows, writeSeries } from './series.repository.ts';
import { buildSeriesView, type SeriesKind, type SeriesView } from './series.view.ts';

/** A series in a list. */
export interface SeriesSummary {
  readonly id: string;
  readonly kind: SeriesKind;
  readonly title: { readonly en: string; readonly ja: string };
  readonly unit: string;
  readonly source: string;
  readonly values: number | null;
  readonly first: string | null;
  readonly last: string | null;
}

/** Which periods to show: from and to are periods (2015, 2026-10, …); either may be absent. */
export interface PeriodRange {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** What an import wrote. */
export interface ImportResult {
  readonly rows: number;
  readonly series: readonly { id: string; values: number }[];
}

/** Options of the statistics service. */
export interface StatsOptions {
  readonly providers?: readonly PlatformProvider[];
  /** The clock (tests fix it). */
  readonly now?: () => Date;
}

/** How many months a platform series shows when no range is asked for. */
const DEFAULT_MONTHS = 12;
/** The longest span a platform series computes in one call. */
const MAX_DAYS = 5 * 366;

function requireHub(viewer: AnyViewer): void {
  if (viewer.kind !== 'user') throw new AppError('unauthorized', 'this endpoint needs an API key: Authorization: Bearer <key>');
  if (!isHub(viewer)) throw new AppError('forbidden', 'only hub analysts manage statistic series');
}

function rangeDays(r: PeriodRange, field = 'period'): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  for (const k of ['from', 'to'] as const) {
    const t = r[k];
    if (t === undefined || t === '') continue;
    const p = parsePeriod(t);
    if (!p) throw new AppError('validation_failed', `${k}: "${t.slice(0, 20)}" is not a period (2015, FY2015, 2015H1, 2015-10, 2015-10-05)`, { field: k === 'from' ? 'from' : field === 'period' ? 'to' : field });
    out[k] = k === 'from' ? p.start : p.end;
  }
  if (out.from && out.to && out.from > out.to) throw new AppError('validation_failed', 'from: after to', { field: 'from' });
  return out;
}

/**
 * Statistic series: the published tables and imports stored in the database, and the series the
 * platform computes from its own data within the access policy.
 */
export class StatsService {
  readonly #db: Kysely<Database>;
  readonly #providers: readonly PlatformProvider[];
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, opts: StatsOptions = {}) {
    this.#db = db;
    this.#providers = opts.providers ?? PLATFORM_PROVIDERS;
    this.#now = opts.now ?? (() => new Date());
  }

  /** The registered platform series. */
  get providers(): readonly PlatformProvider[] {
    return this.#providers;
  }

  /**
   * Every series the viewer may see: published ones (everyone), unpublished ones (hub analysts), and the
   * platform series available to the viewer.
   */
  async list(viewer: AnyViewer): Promise<SeriesSummary[]> {
    const rows = await listSeriesRows(this.#db, { unpublished: isHub(viewer) });
    const stored: SeriesSummary[] = rows.map((r) => ({
      id: r.key,
      kind: r.published ? 'published' : 'unpublished',
      title: { en: r.title_en, ja: r.title_ja },
      unit: r.unit,
      source: r.source,
      values: r.values,
      first: r.first,
      last: r.last,
    }));
    const platform: SeriesSummary[] = this.#providers
      .filter((p) => p.available(viewer))
      .map((p) => ({ id: PLATFORM_PREFIX + p.key, kind: 'platform', title: { en: p.titleEn, ja: p.titleJa }, unit: p.unit, source: p.sourceEn, values: null, first: null, last: null }));
    return [...stored, ...platform];
  }

  /**
   * One series with its values (changes against the year before included), or a 404 when the viewer may
   * not see it. Platform series default to the last twelve months.
   * @example await stats.get(viewer, 'cybercrime_arrests', { from: '2014' })
   */
  async get(viewer: AnyViewer, id: string, range: PeriodRange = {}): Promise<SeriesView> {
    const provider = providerOf(id, this.#providers);
    if (provider) return this.#platform(viewer, provider, range);
    const days = rangeDays(range);
    const row = await findSeriesRow(this.#db, id);
    if (!row || (!row.published && !isHub(viewer))) throw notFound('series', id.slice(0, 100));
    const [cats, values] = await Promise.all([categoryRows(this.#db, id), valueRows(this.#db, id)]);
    return buildSeriesView(
      {
        id,
        kind: row.published ? 'published' : 'unpublished',
        titleEn: row.title_en,
        titleJa: row.title_ja,
        unit: row.unit,
        source: row.source,
        categories: cats.map((c) => ({ key: c.key, parent: c.parent, labelEn: c.label_en, labelJa: c.label_ja, aggregate: c.aggregate })),
        values: values.map((v) => ({ category: v.category, period: v.period, value: Number(v.value), source: v.source, noteEn: v.note_en, noteJa: v.note_ja })),
      },
      days.from || days.to ? (p) => {
        const pp = parsePeriod(p)!;
        return (!days.from || pp.start >= days.from) && (!days.to || pp.start <= days.to);
      } : undefined,
    );
  }

  /**
   * A platform series counted over one whole span (from, to: periods), per category: the year's rate or
   * median for series that do not add up over months, the sum of the months for those that do.
   * @example await stats.whole(viewer, 'platform.takedown_rate', { from: '2026-01', to: '2026-12' })
   */
  async whole(viewer: AnyViewer, id: string, range: Required<PeriodRange>): Promise<Map<string, number>> {
    const provider = providerOf(id, this.#providers);
    if (!provider || !provider.available(viewer)) throw notFound('series', id.slice(0, 100));
    const days = rangeDays(range) as { from: string; to: string };
    const points = provider.whole ? await provider.whole(this.#db, viewer, days) : await provider.compute(this.#db, viewer, days);
    const out = new Map<string, number>();
    for (const p of points) out.set(p.category, provider.whole ? p.value : (out.get(p.category) ?? 0) + p.value);
    return out;
  }

  async #platform(viewer: AnyViewer, provider: PlatformProvider, range: PeriodRange): Promise<SeriesView> {
    if (!provider.available(viewer)) throw notFound('series', PLATFORM_PREFIX + provider.key);
    const today = dayInStatsZone(this.#now());
    const days = rangeDays(range);
    const to = days.to ?? (provider.bucket === 'month' ? `${today.slice(0, 7)}-31` : today);
    const toDay = to > today ? today : to;
    const from = days.from ?? (provider.bucket === 'month' ? `${monthMinus(toDay.slice(0, 7), DEFAULT_MONTHS - 1)}-01` : dayMinus(toDay, 29));
    // One year more, so the first shown period has its change against the year before.
    const computeFrom = provider.bucket === 'month' ? `${monthMinus(from.slice(0, 7), 12)}-01` : dayMinus(from, 366);
    if (dayDiff(computeFrom, toDay) > MAX_DAYS) throw new AppError('validation_failed', `from: at most ${Math.floor(MAX_DAYS / 366) - 1} years of a platform series at once`, { field: 'from' });
    const points = from > toDay ? [] : await provider.compute(this.#db, viewer, { from: computeFrom, to: toDay });
    const cats = provider.categories();
    const periods = provider.bucket === 'month' ? monthsBetween(computeFrom.slice(0, 7), toDay.slice(0, 7)) : daysBetween(computeFrom, toDay);
    // Counted things: a period without rows counted none. Fill the categories that have data, and totals.
    const present = new Set([...points.map((p) => p.category), ...cats.filter((c) => c.aggregate === 'sum').map((c) => c.key)]);
    const at = new Map(points.map((p) => [`${p.category}\u0000${p.period}`, p.value]));
    // A rate or a median of a month without actions is unknown, not 0: only additive series are filled.
    const fill = provider.additive !== false;
    const values = [...present].flatMap((category) =>
      periods.flatMap((period) => {
        const value = at.get(`${category}\u0000${period}`) ?? (fill ? 0 : undefined);
        return value === undefined ? [] : [{ category, period, value, source: provider.sourceEn, noteEn: '', noteJa: '' }];
      }),
    );
    const first = from.slice(0, provider.bucket === 'month' ? 7 : 10);
    return buildSeriesView(
      { id: PLATFORM_PREFIX + provider.key, kind: 'platform', titleEn: provider.titleEn, titleJa: provider.titleJa, unit: provider.unit, source: provider.sourceEn, categories: cats, values },
      (p) => p >= first,
    );
  }

  /**
   * Imports a CSV file of series (hub analysts): all or nothing; bad lines are answered with their numbers.
   * @example await stats.importCsv(viewer, text, { publish: true })
   */
  async importCsv(viewer: AnyViewer, text: string, o: { publish?: boolean | undefined } = {}): Promise<ImportResult> {
    requireHub(viewer);
    const parsed = parseSeriesCsv(text);
    if (parsed.errors.length) throw badLines(parsed.errors);
    const clash = parsed.series.find((s) => s.key.startsWith('platform'));
    if (clash) throw new AppError('validation_failed', `series ${clash.key}: names starting with "platform" are the hub's own`, { field: 'series' });
    await this.#db.transaction().execute(async (trx) => {
      for (const s of parsed.series) await writeSeries(trx, s, { origin: 'import', revision: '', published: o.publish, createdBy: viewer.kind === 'user' ? viewer.userId : null, replace: false });
    });
    return { rows: parsed.rows, series: parsed.series.map((s) => ({ id: s.key, values: s.values.length })) };
  }

  /** Makes a stored series public, or takes it back (hub analysts). */
  async publish(viewer: AnyViewer, id: string, published: boolean): Promise<void> {
    requireHub(viewer);
    if (!(await setPublished(this.#db, id, published))) throw notFound('series', id.slice(0, 100));
  }

  /** Deletes a stored series (hub analysts); seeds come back on the next start. */
  async remove(viewer: AnyViewer, id: string): Promise<void> {
    requireHub(viewer);
    if (!(await deleteSeriesRow(this.#db, id))) throw notFound('series', id.slice(0, 100));
  }

  /** A series as CSV in the import format (platform series too, computed for the viewer). */
  async exportCsv(viewer: AnyViewer, id: string, range: PeriodRange = {}): Promise<string> {
    const v = await this.get(viewer, id, range);
    return seriesToCsv({
      key: v.id.replace(PLATFORM_PREFIX, 'platform_'),
      titleEn: v.title.en,
      titleJa: v.title.ja,
      unit: v.unit,
      categories: v.categories.map((c) => ({ key: c.key.replace(/[^a-z0-9_]/g, '_'), parent: c.parent, labelEn: c.label.en, labelJa: c.label.ja, aggregate: c.aggregate })),
      values: v.values.map((x) => ({ category: x.category.replace(/[^a-z0-9_]/g, '_'), period: x.period, value: x.value, source: x.source, noteEn: x.note.en, noteJa: x.note.ja })),
    });
  }
}

function badLines(errors: readonly LineError[]): AppError {
  const first = errors[0]!;
  return new AppError('unprocessable', `${errors.length} bad line${errors.length === 1 ? '' : 's'}; first: line ${first.line}${first.field ? `, ${first.field}` : ''}: ${first.reason}`, { errors });
}

function dayMinus(d: string, n: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

function dayDiff(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
