import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Resolution } from '../sensors.tables.ts';
import { DistinctSketch } from './distinct.sketch.ts';
import type { StatsRows } from './minute.rows.ts';

const CHUNK = 1000;
// One writer of aggregates at a time across nodes: flushes add up, roll-ups replace.
const LOCK = 0x5e_45_01;

/** Takes the aggregates write lock for the rest of the transaction. */
export async function lockAggregates(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LOCK})`.execute(trx);
}

function statsTable(res: Resolution): 'sensor_stats_minute' | 'sensor_stats_hour' | 'sensor_stats_day' {
  return `sensor_stats_${res}`;
}

function countsTable(res: Resolution): 'sensor_counts_minute' | 'sensor_counts_hour' | 'sensor_counts_day' {
  return `sensor_counts_${res}`;
}

/**
 * Adds rows to what is stored for their buckets (two nodes, or a late minute, add up): totals add,
 * source sketches merge, counts add. Runs in the caller's transaction, which holds lockAggregates.
 */
export async function addStats(trx: Kysely<Database>, res: Resolution, rows: readonly StatsRows[]): Promise<void> {
  if (!rows.length) return;
  const table = statsTable(res);
  const existing = await trx
    .selectFrom(table)
    .select(['sensor_id', 'bucket', 'packets', 'bytes', 'sources'])
    .where((eb) => eb.or(rows.map((r) => eb.and([eb('sensor_id', '=', r.sensorId), eb('bucket', '=', new Date(r.bucket))]))))
    .execute();
  const old = new Map(existing.map((e) => [`${e.sensor_id}|${e.bucket.getTime()}`, e]));
  const values = rows.map((r) => {
    const prev = old.get(`${r.sensorId}|${r.bucket}`);
    if (!prev) return { sensor_id: r.sensorId, bucket: new Date(r.bucket), packets: r.packets, bytes: r.bytes, unique_sources: r.uniqueSources, approximate: r.approximate, sources: r.sketch };
    const s = DistinctSketch.deserialize(prev.sources);
    s.merge(DistinctSketch.deserialize(r.sketch));
    return { sensor_id: r.sensorId, bucket: new Date(r.bucket), packets: prev.packets + r.packets, bytes: prev.bytes + r.bytes, unique_sources: s.count(), approximate: s.approximate, sources: s.serialize() };
  });
  for (let i = 0; i < values.length; i += CHUNK) {
    await trx
      .insertInto(table)
      .values(values.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['sensor_id', 'bucket']).doUpdateSet((eb) => ({
          packets: eb.ref('excluded.packets'),
          bytes: eb.ref('excluded.bytes'),
          unique_sources: eb.ref('excluded.unique_sources'),
          approximate: eb.ref('excluded.approximate'),
          sources: eb.ref('excluded.sources'),
        })),
      )
      .execute();
  }
  const counts = rows.flatMap((r) => r.counts.map((c) => ({ sensor_id: r.sensorId, bucket: new Date(r.bucket), dim: c.dim, key: c.key, count: c.count })));
  const ct = countsTable(res);
  for (let i = 0; i < counts.length; i += CHUNK) {
    await trx
      .insertInto(ct)
      .values(counts.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['sensor_id', 'bucket', 'dim', 'key']).doUpdateSet({ count: sql`${sql.ref(`${ct}.count`)} + excluded.count` }))
      .execute();
  }
}

/** Replaces what is stored for the rows' buckets (roll-ups are recomputed whole). */
export async function replaceStats(trx: Kysely<Database>, res: Resolution, rows: readonly StatsRows[]): Promise<void> {
  for (const r of rows) {
    await trx.deleteFrom(statsTable(res)).where('sensor_id', '=', r.sensorId).where('bucket', '=', new Date(r.bucket)).execute();
    await trx.deleteFrom(countsTable(res)).where('sensor_id', '=', r.sensorId).where('bucket', '=', new Date(r.bucket)).execute();
  }
  await addStats(trx, res, rows);
}

/** Stored totals and sketches of one sensor over [from, to). */
export function statsBetween(db: Kysely<Database>, res: Resolution, sensorId: string, from: Date, to: Date) {
  return db.selectFrom(statsTable(res)).select(['bucket', 'packets', 'bytes', 'unique_sources', 'approximate', 'sources']).where('sensor_id', '=', sensorId).where('bucket', '>=', from).where('bucket', '<', to).execute();
}

/** Summed counts by dimension and key of one sensor over [from, to). */
export function countsBetween(db: Kysely<Database>, res: Resolution, sensorId: string, from: Date, to: Date) {
  return db
    .selectFrom(countsTable(res))
    .select(['dim', 'key', sql<number>`sum(count)`.as('count')])
    .where('sensor_id', '=', sensorId)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .groupBy(['dim', 'key'])
    .execute();
}

/** Marks roll-up buckets to recompute. */
export async function queueRollups(trx: Kysely<Database>, items: readonly { sensorId: string; resolution: 'hour' | 'day'; bucket: number }[]): Promise<void> {
  const seen = new Map(items.map((i) => [`${i.sensorId}|${i.resolution}|${i.bucket}`, i]));
  const values = [...seen.values()].map((i) => ({ sensor_id: i.sensorId, resolution: i.resolution, bucket: new Date(i.bucket) }));
  for (let i = 0; i < values.length; i += CHUNK) await trx.insertInto('sensor_rollups').values(values.slice(i, i + CHUNK)).onConflict((oc) => oc.doNothing()).execute();
}

/** Takes (removes and answers) queued roll-ups of a resolution, oldest first. */
export async function takeRollups(trx: Kysely<Database>, resolution: 'hour' | 'day', limit: number): Promise<{ sensor_id: string; bucket: Date }[]> {
  const rows = await trx.selectFrom('sensor_rollups').select(['sensor_id', 'bucket']).where('resolution', '=', resolution).orderBy('bucket').limit(limit).execute();
  for (const r of rows) await trx.deleteFrom('sensor_rollups').where('sensor_id', '=', r.sensor_id).where('resolution', '=', resolution).where('bucket', '=', r.bucket).execute();
  return rows;
}
