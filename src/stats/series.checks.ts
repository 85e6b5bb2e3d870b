import type { Aggregate } from './series.csv.ts';

// Arithmetic a table promises: a "sum" category equals the sum of its children in every period where
// all of them have a value; an "of_which" category (うち) is at least each of its parts.

/** A category as the checks need it. */
export interface CheckedCategory {
  readonly key: string;
  readonly parent: string | null;
  readonly aggregate: Aggregate;
}

/** One promise of the table, kept or broken, for one period. */
export interface SeriesCheck {
  readonly category: string;
  readonly period: string;
  readonly rule: 'sum' | 'of_which';
  readonly expected: number;
  readonly actual: number;
  readonly ok: boolean;
}

/**
 * Checks every sum and of_which category of a series, period by period.
 * @example checkSeries(categories, values).filter((c) => !c.ok) // broken promises
 */
export function checkSeries(categories: readonly CheckedCategory[], values: readonly { category: string; period: string; value: number }[]): SeriesCheck[] {
  const at = new Map(values.map((v) => [`${v.category}\u0000${v.period}`, v.value]));
  const periods = [...new Set(values.map((v) => v.period))];
  const out: SeriesCheck[] = [];
  for (const c of categories) {
    if (c.aggregate === 'none') continue;
    const children = categories.filter((x) => x.parent === c.key).map((x) => x.key);
    if (children.length === 0) continue;
    for (const period of periods) {
      const total = at.get(`${c.key}\u0000${period}`);
      const parts = children.map((k) => at.get(`${k}\u0000${period}`));
      if (total === undefined || parts.some((p) => p === undefined)) continue;
      if (c.aggregate === 'sum') {
        const sum = Math.round((parts as number[]).reduce((a, b) => a + b, 0) * 1e6) / 1e6;
        out.push({ category: c.key, period, rule: 'sum', expected: total, actual: sum, ok: sum === total });
      } else {
        const largest = Math.max(...(parts as number[]));
        out.push({ category: c.key, period, rule: 'of_which', expected: total, actual: largest, ok: largest <= total });
      }
    }
  }
  return out;
}
