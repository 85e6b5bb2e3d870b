import { sql } from 'kysely';
import { visibleContribution } from '../../access/visibility.policy.ts';
import { keyedContributions } from '../../store/keyed-contributions.query.ts';
import { bucketOf, withinRange } from './buckets.ts';
import { TYPE_KEYS, typeLabel } from './labels.ts';
import type { PlatformProvider } from './provider.ts';

/**
 * New indicators per month by the type of value their pattern names (the smallest key type, as the
 * lifecycle decays them): an indicator counts once, in the month of the first contribution of it the
 * viewer may see.
 */
export const indicatorsByType: PlatformProvider = {
  key: 'indicators_by_type',
  titleEn: 'New indicators by type and month',
  titleJa: '種別・月別の新規指標件数',
  unit: 'indicators',
  bucket: 'month',
  sourceEn: 'Kessetsu: indicators visible to the viewer',
  available: () => true,
  categories: () => [
    { key: 'total', parent: null, labelEn: 'Total', labelJa: '合計', aggregate: 'sum' },
    ...TYPE_KEYS.map((k) => ({ key: k, parent: 'total', labelEn: typeLabel(k)[0], labelJa: typeLabel(k)[1], aggregate: 'none' as const })),
  ],
  async compute(db, viewer, range) {
    const firsts = db
      .selectFrom('contributions as c')
      .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
      .where('o.type', '=', 'indicator')
      .where(visibleContribution(viewer, 'c'))
      .select(['c.object_id', sql<Date>`min(c.created_at)`.as('first_at')])
      .groupBy('c.object_id');
    const rows = await db
      .selectFrom(firsts.as('f'))
      .where(withinRange('f.first_at', range))
      .select([
        sql<string>`coalesce((select min(split_part(kc.key, ':', 1)) from ${keyedContributions(db).as('kc')} where kc.object_id = f.object_id and ${visibleContribution(viewer, 'kc')}), 'other')`.as('category'),
        bucketOf('f.first_at', 'month').as('period'),
        sql<number>`count(*)`.as('value'),
      ])
      .groupBy([sql`1`, sql`2`])
      .execute();
    const known = new Set(TYPE_KEYS);
    const merged = new Map<string, number>();
    for (const r of rows) {
      const k = `${known.has(r.category) ? r.category : 'other'}\u0000${r.period}`;
      merged.set(k, (merged.get(k) ?? 0) + Number(r.value));
    }
    const points = [...merged].map(([k, value]) => {
      const [category, period] = k.split('\u0000') as [string, string];
      return { category, period, value };
    });
    const totals = new Map<string, number>();
    for (const p of points) totals.set(p.period, (totals.get(p.period) ?? 0) + p.value);
    return [...points, ...[...totals].map(([period, value]) => ({ category: 'total', period, value }))];
  },
};
