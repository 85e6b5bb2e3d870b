import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Resolution } from '../sensors.tables.ts';

// Reads of the aggregate tables over a set of sensors (already chosen by the access policy) and a
// window; time bounds prune partitions.

/** Totals per bucket and sensor, with the sources' sketches for distinct counts across sensors. */
export function statsRows(db: Kysely<Database>, res: Resolution, sensorIds: readonly string[], from: Date, to: Date) {
  return db
    .selectFrom(`sensor_stats_${res}`)
    .select(['sensor_id', 'bucket', 'packets', 'bytes', 'unique_sources', 'approximate', 'sources'])
    .where('sensor_id', 'in', sensorIds)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .orderBy('bucket')
    .execute();
}

/** The top keys of a dimension over the window, largest first. */
export async function topKeys(db: Kysely<Database>, res: Resolution, sensorIds: readonly string[], from: Date, to: Date, dim: string, limit: number): Promise<{ key: string; count: number }[]> {
  const rows = await db
    .selectFrom(`sensor_counts_${res}`)
    .select(['key', sql<number>`sum(count)`.as('count')])
    .where('sensor_id', 'in', sensorIds)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .where('dim', '=', dim)
    .groupBy('key')
    .orderBy(sql`sum(count)`, 'desc')
    .orderBy('key')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

/** Counts of some keys of a dimension per bucket (the cells of a heat map). */
export async function keysByBucket(db: Kysely<Database>, res: Resolution, sensorIds: readonly string[], from: Date, to: Date, dim: string, keys: readonly string[]): Promise<{ bucket: Date; key: string; count: number }[]> {
  if (!keys.length) return [];
  const rows = await db
    .selectFrom(`sensor_counts_${res}`)
    .select(['bucket', 'key', sql<number>`sum(count)`.as('count')])
    .where('sensor_id', 'in', sensorIds)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .where('dim', '=', dim)
    .where('key', 'in', keys)
    .groupBy(['bucket', 'key'])
    .orderBy('bucket')
    .execute();
  return rows.map((r) => ({ bucket: r.bucket, key: r.key, count: Number(r.count) }));
}

/** Day totals per sensor (for "accesses per sensor per day"). */
export function dayTotals(db: Kysely<Database>, sensorIds: readonly string[], from: Date, to: Date) {
  return db
    .selectFrom('sensor_stats_day')
    .select(['sensor_id', 'bucket', 'packets', 'unique_sources', 'approximate'])
    .where('sensor_id', 'in', sensorIds)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .orderBy('bucket')
    .orderBy('sensor_id')
    .execute();
}
