import { sql, type Kysely, type RawBuilder } from 'kysely';
import { isHub, type AnyViewer } from '../../access/viewer.ts';
import type { Database } from '../../db/schema.ts';
import { CATEGORY_INFO, HOTLINE_CATEGORIES } from '../../hotline/categories.ts';
import { bucketOf, withinRange } from './buckets.ts';
import type { PlatformCategory, PlatformPoint, PlatformProvider, PlatformRange } from './provider.ts';

// Hotline (issue 15): reports received by category and month, and the deletion rate of the entries a
// deletion request or partner-hotline forward went out for, by the month of the first such request
// (removed as of now). The hotline's own scope: hub analysts and hotline operators; not members, not
// the public (the reports are not CLEAR data; a hub analyst publishes figures as an imported series).

const operators = (v: AnyViewer): boolean => v.kind === 'user' && (isHub(v) || v.role === 'hotline_operator');

const byCategory = (total: string, labelEn: string, labelJa: string): PlatformCategory[] => [
  { key: total, parent: null, labelEn, labelJa, aggregate: total === 'total' ? 'sum' : 'none' },
  ...HOTLINE_CATEGORIES.map((k) => ({ key: k, parent: total, labelEn: CATEGORY_INFO[k].en, labelJa: CATEGORY_INFO[k].ja, aggregate: 'none' as const })),
];

/** Hotline reports received per month, by the category the reporter chose. */
export const hotlineReports: PlatformProvider = {
  key: 'hotline_reports',
  titleEn: 'Hotline reports by category and month',
  titleJa: '分類別・月別のホットライン通報件数',
  unit: 'reports',
  bucket: 'month',
  sourceEn: 'Kessetsu: hotline reports received (public, volunteers, members)',
  available: operators,
  categories: () => byCategory('total', 'Total', '合計'),
  async compute(db, viewer, range) {
    if (!operators(viewer)) return [];
    const rows = await db
      .selectFrom('hotline_reports as r')
      .where(withinRange('r.created_at', range))
      .select(['r.category', bucketOf('r.created_at', 'month').as('period'), sql<number>`count(*)`.as('value')])
      .groupBy([sql`1`, sql`2`])
      .execute();
    const points = rows.map((r) => ({ category: r.category, period: r.period, value: Number(r.value) }));
    const totals = new Map<string, number>();
    for (const p of points) totals.set(p.period, (totals.get(p.period) ?? 0) + p.value);
    return [...points, ...[...totals].map(([period, value]) => ({ category: 'total', period, value }))];
  },
};

interface RemovalRow {
  period: string;
  category: string;
  requested: number;
  removed: number;
}

// Entries with their first deletion request or forward, counted by its month (or over the range as one).
async function removals(db: Kysely<Database>, range: PlatformRange, whole: boolean): Promise<RemovalRow[]> {
  const period: RawBuilder<string> = whole ? sql<string>`${range.from}::text` : bucketOf('f.asked', 'month');
  const r = await sql<RemovalRow>`with f as (
      select e.id, e.category, e.removed_at, min(a.created_at) as asked
      from hotline_entries e join hotline_entry_actions l on l.entry_id = e.id join actions a on a.id = l.action_id
      where l.kind in ('deletion_request', 'forward')
      group by e.id, e.category, e.removed_at)
    select ${period} as period, f.category, count(*)::int as requested, count(f.removed_at)::int as removed
    from f where ${withinRange('f.asked', range)}
    group by ${whole ? sql`2` : sql`1, 2`}`.execute(db);
  return r.rows.map((x) => ({ ...x, requested: Number(x.requested), removed: Number(x.removed) }));
}

function ratePoints(rows: readonly RemovalRow[]): PlatformPoint[] {
  const all = new Map<string, { requested: number; removed: number }>();
  const out: PlatformPoint[] = [];
  const pct = (removed: number, requested: number): number => Math.round((removed / requested) * 1000) / 10;
  for (const r of rows) {
    const a = all.get(r.period) ?? { requested: 0, removed: 0 };
    all.set(r.period, { requested: a.requested + r.requested, removed: a.removed + r.removed });
    if (r.requested > 0) out.push({ category: r.category, period: r.period, value: pct(r.removed, r.requested) });
  }
  for (const [period, a] of all) if (a.requested > 0) out.push({ category: 'all', period, value: pct(a.removed, a.requested) });
  return out;
}

/** Hotline entries a deletion request or forward went out for, and those since removed, per month of the first request. */
export const hotlineRemovals: PlatformProvider = {
  key: 'hotline_removals',
  titleEn: 'Hotline deletion requests and removals by month of request',
  titleJa: '依頼月別のホットライン削除依頼・削除件数',
  unit: 'items',
  bucket: 'month',
  sourceEn: 'Kessetsu: hotline entries with a deletion request or partner-hotline forward (removed as of now)',
  available: operators,
  categories: () => [
    { key: 'requested', parent: null, labelEn: 'Deletion requested or forwarded', labelJa: '削除依頼・転送', aggregate: 'none' },
    { key: 'removed', parent: 'requested', labelEn: 'Removed', labelJa: '削除済み', aggregate: 'none' },
  ],
  async compute(db, viewer, range) {
    if (!operators(viewer)) return [];
    const sums = new Map<string, { requested: number; removed: number }>();
    for (const r of await removals(db, range, false)) {
      const a = sums.get(r.period) ?? { requested: 0, removed: 0 };
      sums.set(r.period, { requested: a.requested + r.requested, removed: a.removed + r.removed });
    }
    return [...sums].flatMap(([period, a]) => [
      { category: 'requested', period, value: a.requested },
      { category: 'removed', period, value: a.removed },
    ]);
  },
};

/** Share of the hotline entries asked for deletion that are removed, overall and by category, per month of the first request. */
export const hotlineDeletionRate: PlatformProvider = {
  key: 'hotline_deletion_rate',
  titleEn: 'Hotline deletion rate by category and month of request',
  titleJa: '分類別・依頼月別のホットライン削除率',
  unit: 'percent',
  bucket: 'month',
  additive: false,
  sourceEn: 'Kessetsu: hotline entries with a deletion request or forward (removed ÷ requested)',
  available: operators,
  categories: () => byCategory('all', 'All categories', '全分類'),
  async compute(db, viewer, range) {
    return operators(viewer) ? ratePoints(await removals(db, range, false)) : [];
  },
  async whole(db, viewer, range) {
    return operators(viewer) ? ratePoints(await removals(db, range, true)) : [];
  },
};
