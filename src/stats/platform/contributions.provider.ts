import { sql } from 'kysely';
import { visibleContribution } from '../../access/visibility.policy.ts';
import { bucketOf, withinRange } from './buckets.ts';
import { SECTOR_KEYS, sectorLabel } from './labels.ts';
import type { PlatformProvider } from './provider.ts';

/**
 * Contributions shared per month, by the contributor's sector (its organisation kind when it has no
 * sector), counting only contributions the viewer may see. An anonymous contribution counts under its
 * sector, which the policy shows to everyone.
 */
export const contributionsBySector: PlatformProvider = {
  key: 'contributions_by_sector',
  titleEn: 'Contributions by sector and month',
  titleJa: '業種別・月別の情報提供件数',
  unit: 'contributions',
  bucket: 'month',
  sourceEn: 'Kessetsu: contributions visible to the viewer',
  available: () => true,
  categories: () => [
    { key: 'total', parent: null, labelEn: 'Total', labelJa: '合計', aggregate: 'sum' },
    ...SECTOR_KEYS.map((k) => ({ key: k, parent: 'total', labelEn: sectorLabel(k)[0], labelJa: sectorLabel(k)[1], aggregate: 'none' as const })),
  ],
  async compute(db, viewer, range) {
    const rows = await db
      .selectFrom('contributions as c')
      .innerJoin('orgs as g', 'g.id', 'c.org_id')
      .where(visibleContribution(viewer, 'c'))
      .where(withinRange('c.created_at', range))
      .select([sql<string>`coalesce(g.sector, g.kind)`.as('category'), bucketOf('c.created_at', 'month').as('period'), sql<number>`count(*)`.as('value')])
      .groupBy([sql`1`, sql`2`])
      .execute();
    const points = rows.map((r) => ({ category: r.category, period: r.period, value: Number(r.value) }));
    const totals = new Map<string, number>();
    for (const p of points) totals.set(p.period, (totals.get(p.period) ?? 0) + p.value);
    return [...points, ...[...totals].map(([period, value]) => ({ category: 'total', period, value }))];
  },
};
