import { phraseChange, yearOverYear, type Change } from './change.phrase.ts';
import { comparePeriods, parsePeriod, previousYear } from './period.ts';
import { checkSeries, type SeriesCheck } from './series.checks.ts';
import type { Aggregate } from './series.csv.ts';

// What the API, exports, charts and reports show of a series, stored or computed: the same shape for both.

/** A category as shown. */
export interface CategoryView {
  readonly key: string;
  readonly parent: string | null;
  readonly label: { readonly en: string; readonly ja: string };
  readonly aggregate: Aggregate;
}

/** A value as shown, with its year-over-year change and the white-paper sentence for it. */
export interface ValueView {
  readonly category: string;
  readonly period: string;
  readonly value: number;
  readonly source: string;
  readonly note: { readonly en: string; readonly ja: string };
  readonly change: { readonly previous_period: string; readonly previous: number; readonly difference: number; readonly percent: number | null } | null;
  readonly text: { readonly en: string; readonly ja: string };
}

/** Where a series comes from. */
export type SeriesKind = 'published' | 'unpublished' | 'platform';

/** A whole series as shown. */
export interface SeriesView {
  readonly id: string;
  readonly kind: SeriesKind;
  readonly title: { readonly en: string; readonly ja: string };
  readonly unit: string;
  readonly source: string;
  readonly categories: readonly CategoryView[];
  readonly periods: readonly string[];
  readonly values: readonly ValueView[];
  /** Sums and parts the table promises, period by period. */
  readonly checks: readonly SeriesCheck[];
}

/** The raw material of a view. */
export interface SeriesInput {
  readonly id: string;
  readonly kind: SeriesKind;
  readonly titleEn: string;
  readonly titleJa: string;
  readonly unit: string;
  readonly source: string;
  readonly categories: readonly { key: string; parent: string | null; labelEn: string; labelJa: string; aggregate: Aggregate }[];
  readonly values: readonly { category: string; period: string; value: number; source: string; noteEn: string; noteJa: string }[];
}

/**
 * Builds the view: values ordered by period then category order, each with its change against the same
 * period one year earlier when that value is known; `shown` limits which periods are listed (the earlier
 * ones still feed the changes).
 */
export function buildSeriesView(s: SeriesInput, shown?: (period: string) => boolean): SeriesView {
  const at = new Map(s.values.map((v) => [`${v.category}\u0000${v.period}`, v.value]));
  const order = new Map(s.categories.map((c, i) => [c.key, i]));
  const listed = s.values.filter((v) => !shown || shown(v.period));
  const sorted = [...listed].sort((a, b) => comparePeriods(parsePeriod(a.period)!, parsePeriod(b.period)!) || (order.get(a.category) ?? 1e9) - (order.get(b.category) ?? 1e9) || (a.category < b.category ? -1 : 1));
  const values = sorted.map((v): ValueView => {
    const prevPeriod = previousYear(v.period);
    const prev = prevPeriod === null ? undefined : at.get(`${v.category}\u0000${prevPeriod}`);
    const change: Change | null = prev === undefined || prevPeriod === null ? null : yearOverYear(v.value, prev, prevPeriod);
    return {
      category: v.category,
      period: v.period,
      value: v.value,
      source: v.source,
      note: { en: v.noteEn, ja: v.noteJa },
      change: change && { previous_period: change.previousPeriod, previous: change.previous, difference: change.difference, percent: change.percent },
      text: { en: phraseChange(v.value, s.unit, v.period, change, 'en'), ja: phraseChange(v.value, s.unit, v.period, change, 'ja') },
    };
  });
  const known = new Set(s.categories.map((c) => c.key));
  const extra = [...new Set(s.values.map((v) => v.category))].filter((k) => !known.has(k));
  const categories: CategoryView[] = [...s.categories, ...extra.map((k) => ({ key: k, parent: null, labelEn: k, labelJa: k, aggregate: 'none' as const }))].map((c) => ({
    key: c.key,
    parent: c.parent,
    // An unlabelled "total" (single-figure series, imports without labels) reads as such.
    label: { en: c.labelEn || (c.key === 'total' ? 'Total' : ''), ja: c.labelJa || (c.key === 'total' ? '合計' : '') },
    aggregate: c.aggregate,
  }));
  return {
    id: s.id,
    kind: s.kind,
    title: { en: s.titleEn, ja: s.titleJa },
    unit: s.unit,
    source: s.source,
    categories,
    periods: [...new Set(values.map((v) => v.period))],
    values,
    checks: checkSeries(s.categories, listed),
  };
}

/** The value of a category in a period, from a view. */
export function valueAt(view: SeriesView, category: string, period: string): ValueView | undefined {
  return view.values.find((v) => v.category === category && v.period === period);
}
