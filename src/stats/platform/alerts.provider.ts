import { sql } from 'kysely';
import { isHub } from '../../access/viewer.ts';
import { bucketOf, withinRange } from './buckets.ts';
import type { PlatformProvider } from './provider.ts';

/**
 * Alerts raised (inbox) and deliveries that reached their webhook or mailbox, or gave up, per month.
 * Alerts belong to the subscribing organisation: a member counts its own organisation's, hub analysts
 * count all; they are not public.
 */
export const alertsDelivered: PlatformProvider = {
  key: 'alerts_delivered',
  titleEn: 'Alerts raised and delivered by month',
  titleJa: '月別のアラート発出・配信件数',
  unit: 'alerts',
  bucket: 'month',
  sourceEn: 'Kessetsu: alerts and their delivery outbox',
  available: (viewer) => viewer.kind === 'user',
  categories: () => [
    { key: 'raised', parent: null, labelEn: 'Alerts raised (inbox)', labelJa: '発出（受信箱）', aggregate: 'none' },
    { key: 'webhook', parent: null, labelEn: 'Delivered by webhook', labelJa: 'Webhookで配信', aggregate: 'none' },
    { key: 'email', parent: null, labelEn: 'Delivered by e-mail', labelJa: 'メールで配信', aggregate: 'none' },
    { key: 'dead', parent: null, labelEn: 'Deliveries given up', labelJa: '配信断念', aggregate: 'none' },
  ],
  async compute(db, viewer, range) {
    if (viewer.kind !== 'user') return [];
    const own = isHub(viewer) ? sql<boolean>`true` : sql<boolean>`a.org_id = ${viewer.orgId}`;
    const raised = await db
      .selectFrom('alerts as a')
      .where(own)
      .where(withinRange('a.created_at', range))
      .select([bucketOf('a.created_at', 'month').as('period'), sql<number>`count(*)`.as('value')])
      .groupBy(sql`1`)
      .execute();
    const delivered = await db
      .selectFrom('outbox as x')
      .innerJoin('alerts as a', 'a.id', 'x.alert_id')
      .where(own)
      .where('x.status', '=', 'delivered')
      .where(withinRange('x.delivered_at', range))
      .select(['x.channel as category', bucketOf('x.delivered_at', 'month').as('period'), sql<number>`count(*)`.as('value')])
      .groupBy([sql`1`, sql`2`])
      .execute();
    const dead = await db
      .selectFrom('outbox as x')
      .innerJoin('alerts as a', 'a.id', 'x.alert_id')
      .where(own)
      .where('x.status', '=', 'dead')
      .where(withinRange('x.updated_at', range))
      .select([bucketOf('x.updated_at', 'month').as('period'), sql<number>`count(*)`.as('value')])
      .groupBy(sql`1`)
      .execute();
    return [
      ...raised.map((r) => ({ category: 'raised', period: r.period, value: Number(r.value) })),
      ...delivered.map((r) => ({ category: r.category, period: r.period, value: Number(r.value) })),
      ...dead.map((r) => ({ category: 'dead', period: r.period, value: Number(r.value) })),
    ];
  },
};
