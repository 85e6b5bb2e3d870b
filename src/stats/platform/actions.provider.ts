import { sql, type Kysely } from 'kysely';
import { visibleAction } from '../../actions/actions.repository.ts';
import type { AnyViewer, Viewer } from '../../access/viewer.ts';
import type { Database } from '../../db/schema.ts';
import { bucketOf, withinRange } from './buckets.ts';
import type { PlatformProvider, PlatformPoint, PlatformRange } from './provider.ts';

// Takedowns and account freezes (cases and actions, issue 12), by the month an action was requested
// (JST), within the actions area's own scope rule: hub analysts all, police their cases' actions, a
// recipient the actions addressed to it, hotline operators theirs; not public. Takedowns are every
// action but account freezes (takedown, sinkhole, ISP notification, deletion request, hotline forward).

interface MonthRow {
  period: string;
  freeze: boolean;
  requested: number;
  done: number;
  refused: number;
  reappeared: number;
  median: number | null;
  frozen: number | null;
  recovered: number | null;
}

// By month of request, or (whole) over the range as one period.
async function actionMonths(db: Kysely<Database>, viewer: Viewer, range: PlatformRange, whole = false): Promise<MonthRow[]> {
  const period = whole ? sql<string>`${range.from}::text` : bucketOf('a.created_at', 'month');
  const r = await sql<MonthRow>`select ${period} as period, a.kind = 'account_freeze' as freeze,
      count(*)::int as requested,
      count(*) filter (where a.first_done_seconds is not null)::int as done,
      count(*) filter (where a.status = 'refused')::int as refused,
      count(*) filter (where a.reopen_count > 0)::int as reappeared,
      percentile_cont(0.5) within group (order by a.first_done_seconds) filter (where a.first_done_seconds is not null) as median,
      sum(a.amount_frozen_jpy) as frozen, sum(a.amount_recovered_jpy) as recovered
    from actions a where ${visibleAction(viewer)} and ${withinRange('a.created_at', range)}
    group by ${whole ? sql`2` : sql`1, 2`}`.execute(db);
  return r.rows.map((x) => ({ ...x, requested: Number(x.requested), done: Number(x.done), refused: Number(x.refused), reappeared: Number(x.reappeared) }));
}

const userOnly = (v: AnyViewer): boolean => v.kind === 'user';

function provider(p: Omit<PlatformProvider, 'available' | 'compute' | 'whole' | 'bucket'> & { points(rows: readonly MonthRow[]): PlatformPoint[] }): PlatformProvider {
  return {
    ...p,
    bucket: 'month',
    available: userOnly,
    async compute(db, viewer, range) {
      if (viewer.kind !== 'user') return [];
      return p.points(await actionMonths(db, viewer, range));
    },
    async whole(db, viewer, range) {
      if (viewer.kind !== 'user') return [];
      return p.points(await actionMonths(db, viewer, range, true));
    },
  };
}

const counts = (rows: readonly MonthRow[], freeze: boolean): PlatformPoint[] =>
  rows.filter((r) => r.freeze === freeze).flatMap((r) => (['requested', 'done', 'refused', 'reappeared'] as const).map((k) => ({ category: k, period: r.period, value: r[k] })));

const COUNT_CATEGORIES = [
  { key: 'requested', parent: null, labelEn: 'Requested', labelJa: '依頼', aggregate: 'none' as const },
  { key: 'done', parent: 'requested', labelEn: 'Done', labelJa: '対応済み', aggregate: 'none' as const },
  { key: 'refused', parent: 'requested', labelEn: 'Refused', labelJa: '拒否', aggregate: 'none' as const },
  { key: 'reappeared', parent: 'requested', labelEn: 'Reappeared after removal', labelJa: '削除後に再出現', aggregate: 'none' as const },
];

/** Takedown requests and their outcomes per month. */
export const takedowns = provider({
  key: 'takedowns',
  titleEn: 'Takedown requests and outcomes by month',
  titleJa: '月別のテイクダウン依頼件数と結果',
  unit: 'actions',
  sourceEn: 'Kessetsu: actions (takedowns, sinkholes, ISP notices, deletion requests) visible to the viewer',
  categories: () => COUNT_CATEGORIES,
  points: (rows) => counts(rows, false),
});

/** Share of takedown requests done, per month of request. */
export const takedownRate = provider({
  key: 'takedown_rate',
  titleEn: 'Takedown rate by month of request',
  titleJa: '依頼月別のテイクダウン率',
  unit: 'percent',
  additive: false,
  sourceEn: 'Kessetsu: actions visible to the viewer (done ÷ requested)',
  categories: () => [{ key: 'rate', parent: null, labelEn: 'Done ÷ requested', labelJa: '対応済み ÷ 依頼', aggregate: 'none' }],
  points: (rows) => rows.filter((r) => !r.freeze && r.requested > 0).map((r) => ({ category: 'rate', period: r.period, value: Math.round((r.done / r.requested) * 1000) / 10 })),
});

/** Median hours from a takedown request to its first completion, per month of request. */
export const takedownMedianTime = provider({
  key: 'takedown_median_hours',
  titleEn: 'Median time to takedown by month of request',
  titleJa: '依頼月別のテイクダウン所要時間（中央値）',
  unit: 'hours',
  additive: false,
  sourceEn: 'Kessetsu: actions visible to the viewer, completed ones',
  categories: () => [{ key: 'median', parent: null, labelEn: 'Median hours to done', labelJa: '対応までの時間（中央値）', aggregate: 'none' }],
  points: (rows) => rows.filter((r) => !r.freeze && r.median !== null).map((r) => ({ category: 'median', period: r.period, value: Math.round((Number(r.median) / 3600) * 10) / 10 })),
});

/** Account-freeze requests and outcomes, with the amounts frozen and recovered, per month. */
export const accountFreezes = provider({
  key: 'account_freezes',
  titleEn: 'Account freezes by month',
  titleJa: '月別の口座凍結依頼件数と結果',
  unit: 'actions',
  sourceEn: 'Kessetsu: account-freeze actions visible to the viewer',
  categories: () => COUNT_CATEGORIES.filter((c) => c.key !== 'reappeared'),
  points: (rows) => counts(rows, true).filter((p) => p.category !== 'reappeared'),
});

/** Amounts frozen and recovered through account freezes, per month of request. */
export const frozenAmounts = provider({
  key: 'frozen_amounts',
  titleEn: 'Amounts frozen and recovered by month',
  titleJa: '月別の凍結額・被害回復額',
  unit: 'JPY',
  sourceEn: 'Kessetsu: account-freeze actions visible to the viewer',
  categories: () => [
    { key: 'frozen', parent: null, labelEn: 'Frozen', labelJa: '凍結額', aggregate: 'none' },
    { key: 'recovered', parent: null, labelEn: 'Recovered', labelJa: '被害回復額', aggregate: 'none' },
  ],
  points: (rows) => rows.filter((r) => r.freeze).flatMap((r) => [
    { category: 'frozen', period: r.period, value: Number(r.frozen ?? 0) },
    { category: 'recovered', period: r.period, value: Number(r.recovered ?? 0) },
  ]),
});
