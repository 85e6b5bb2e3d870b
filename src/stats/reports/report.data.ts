import type { AnyViewer } from '../../access/viewer.ts';
import { phraseChange, yearOverYear, type Lang } from '../change.phrase.ts';
import { monthsBetween, parsePeriod, previousYear, type Period } from '../period.ts';
import { PLATFORM_PREFIX, EXPECTED_SERIES } from '../platform/providers.registry.ts';
import type { StatsService } from '../stats.service.ts';
import type { SeriesView } from '../series.view.ts';

// What a periodic report says, gathered once and rendered per language: headline figures of the
// period from the platform series (with the change against the same period a year before), their
// trends, the published series that have a value for the period, the top root sources and priorities
// (as of the period's end, within the viewer's policy), and which areas this hub does not count yet.

/** The analysis reads a report needs (the analysis area's views answer them). */
export interface ReportAnalysis {
  rootSources(viewer: AnyViewer, o: { offset: number; limit: number; now?: Date }): Promise<{ items: readonly { key: string; kind: string; value: string; score: number; evidence: { incidents: number; malware: number; organisations: number; sectors: string[] } }[] }>;
  priorities(viewer: AnyViewer, o: { offset: number; limit: number; now?: Date }): Promise<{ items: readonly { id: number; score: number; referral_candidate: boolean; damage: { amount_jpy: number; victims: number }; organisations: number; sectors: string[] }[] }>;
}

/** A headline: one figure of the period with its sentence in both languages. */
export interface Headline {
  readonly series: string;
  readonly category: string;
  readonly label: { readonly en: string; readonly ja: string };
  readonly value: number;
  readonly previous: number | null;
  readonly text: { readonly en: string; readonly ja: string };
}

/** One platform series broken down by category for the period. */
export interface Detail {
  readonly series: string;
  readonly title: { readonly en: string; readonly ja: string };
  readonly rows: readonly Headline[];
}

/** Everything a report shows. */
export interface ReportData {
  readonly period: Period;
  readonly kind: 'monthly' | 'annual' | 'half_year';
  readonly generatedAt: Date;
  readonly headlines: readonly Headline[];
  /** Each platform series' categories for the period, with their change (takedown outcomes, sectors, …). */
  readonly details: readonly Detail[];
  /** Platform series over the twelve months (monthly reports) or the period's months (longer ones). */
  readonly trends: readonly SeriesView[];
  readonly published: readonly { readonly view: SeriesView; readonly period: string }[];
  readonly rootSources: Awaited<ReturnType<ReportAnalysis['rootSources']>>['items'];
  readonly priorities: Awaited<ReturnType<ReportAnalysis['priorities']>>['items'];
  /** Areas whose series are not on this hub yet. */
  readonly notYet: readonly { readonly en: string; readonly ja: string }[];
}

/** The periods a report may cover: a month, a year, a fiscal year or a half-year. */
export function reportPeriod(text: string): Period | null {
  const p = parsePeriod(text);
  return p && p.kind !== 'day' ? p : null;
}

const TOP = 10;

/**
 * Gathers a report's data for a viewer.
 * @example const data = await gatherReport(stats, analysis, viewer, reportPeriod('2026-10')!, new Date())
 */
export async function gatherReport(stats: StatsService, analysis: ReportAnalysis | undefined, viewer: AnyViewer, period: Period, now: Date): Promise<ReportData> {
  const months = monthsBetween(period.start.slice(0, 7), period.end.slice(0, 7));
  const prevText = previousYear(period.text);
  const prev = prevText ? parsePeriod(prevText) : null;
  const prevMonths = prev ? monthsBetween(prev.start.slice(0, 7), prev.end.slice(0, 7)) : [];
  const trendFrom = months.length === 1 ? shiftMonth(months[0]!, -11) : months[0]!;
  const headlines: Headline[] = [];
  const details: Detail[] = [];
  const trends: SeriesView[] = [];
  for (const p of stats.providers.filter((x) => x.available(viewer) && x.bucket === 'month')) {
    // From the previous year's first month, so both sums are there; the trend shows the last 12 months or the period.
    const view = await stats.get(viewer, PLATFORM_PREFIX + p.key, { from: prevMonths[0] ?? months[0]!, to: months[months.length - 1]! });
    // Counts add up over the months; a rate or a median of several months is counted over them as one span.
    const additive = p.additive !== false;
    const span = async (ms: readonly string[]): Promise<Map<string, number>> => {
      if (ms.length === 0) return new Map();
      if (!additive && ms.length > 1) return stats.whole(viewer, PLATFORM_PREFIX + p.key, { from: ms[0]!, to: ms[ms.length - 1]! });
      const out = new Map<string, number>();
      for (const v of view.values) if (ms.includes(v.period)) out.set(v.category, (out.get(v.category) ?? 0) + v.value);
      return out;
    };
    const [cur, before] = [await span(months), await span(prevMonths)];
    const figure = (key: string): { value: number; previous: number | null } | null => {
      const value = cur.get(key) ?? (additive ? 0 : undefined);
      if (value === undefined) return null; // no takedown requested: no rate, no median
      const previous = before.get(key) ?? (additive && prevMonths.length ? 0 : null);
      return { value, previous };
    };
    const line = (key: string, label: { en: string; ja: string }): Headline | null => {
      const f = figure(key);
      if (!f) return null;
      const change = f.previous === null ? null : yearOverYear(f.value, f.previous, prevText!);
      const phrase = (lang: Lang): string => phraseChange(f.value, p.unit, period.text, change, lang);
      return { series: view.id, category: key, label, value: f.value, previous: f.previous, text: { en: phrase('en'), ja: phrase('ja') } };
    };
    const heads = view.categories.filter((c) => c.key === 'total' || (c.parent === null && !view.categories.some((x) => x.key === 'total')));
    for (const c of heads) {
      const h = line(c.key, c.key === 'total' ? { en: p.titleEn, ja: p.titleJa } : { en: `${p.titleEn}: ${c.label.en}`, ja: `${p.titleJa}：${c.label.ja}` });
      if (h) headlines.push(h);
    }
    // Every category with a figure in either year, for the tables by category.
    const rows = view.categories
      .filter((c) => (cur.get(c.key) ?? 0) !== 0 || (before.get(c.key) ?? 0) !== 0)
      .flatMap((c) => line(c.key, c.label) ?? []);
    if (rows.length) details.push({ series: view.id, title: view.title, rows });
    trends.push({ ...view, values: view.values.filter((v) => v.period >= trendFrom), periods: view.periods.filter((x) => x >= trendFrom) });
  }
  // Daily series (sensor accesses): the period's sum per category against the same period a year before.
  for (const p of stats.providers.filter((x) => x.available(viewer) && x.bucket === 'day' && x.additive !== false)) {
    const id = PLATFORM_PREFIX + p.key;
    const cur = await stats.whole(viewer, id, { from: period.text, to: period.text });
    const before = prev ? await stats.whole(viewer, id, { from: prev.text, to: prev.text }) : null;
    const line = (key: string, label: { en: string; ja: string }): Headline => {
      const value = cur.get(key) ?? 0;
      const previous = before ? (before.get(key) ?? 0) : null;
      const change = previous === null ? null : yearOverYear(value, previous, prevText!);
      return { series: id, category: key, label, value, previous, text: { en: phraseChange(value, p.unit, period.text, change, 'en'), ja: phraseChange(value, p.unit, period.text, change, 'ja') } };
    };
    headlines.push(line('total', { en: p.titleEn, ja: p.titleJa }));
    const keys = [...new Set([...cur.keys(), ...(before?.keys() ?? [])])].filter((k) => k !== 'total').sort();
    if (keys.length) details.push({ series: id, title: { en: p.titleEn, ja: p.titleJa }, rows: keys.map((k) => line(k, { en: k, ja: k })) });
  }
  const published: { view: SeriesView; period: string }[] = [];
  for (const s of (await stats.list(viewer)).filter((x) => x.kind !== 'platform')) {
    const view = await stats.get(viewer, s.id);
    if (view.values.some((v) => v.period === period.text)) published.push({ view, period: period.text });
  }
  const asOf = new Date(Math.min(now.getTime(), Date.parse(`${period.end}T23:59:59+09:00`)));
  const rootSources = analysis ? (await analysis.rootSources(viewer, { offset: 0, limit: TOP, now: asOf })).items : [];
  const priorities = analysis ? (await analysis.priorities(viewer, { offset: 0, limit: TOP, now: asOf })).items : [];
  const registered = new Set(stats.providers.map((p) => p.key));
  return {
    period,
    kind: period.kind === 'month' ? 'monthly' : period.kind === 'half_year' ? 'half_year' : 'annual',
    generatedAt: now,
    headlines,
    details,
    trends,
    published,
    rootSources,
    priorities,
    notYet: EXPECTED_SERIES.filter((e) => !registered.has(e.key)).map((e) => ({ en: e.en, ja: e.ja })),
  };
}

function shiftMonth(month: string, n: number): string {
  const total = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${String(Math.floor(total / 12)).padStart(4, '0')}-${String((total % 12) + 1).padStart(2, '0')}`;
}
