import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { DistinctSketch } from './distinct.sketch.ts';
import { KEEP, type CountRow, type Dim, type StatsRows } from './minute.rows.ts';
import type { Partitions } from './partitions.repository.ts';
import { countsBetween, lockAggregates, queueRollups, replaceStats, statsBetween, takeRollups } from './stats.repository.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The rows of a whole bucket made of the rows stored at the finer resolution. */
export function mergeRows(
  sensorId: string,
  bucket: number,
  stats: readonly { packets: number; bytes: number; unique_sources: number; approximate: boolean; sources: Uint8Array | null }[],
  counts: readonly { dim: string; key: string; count: number }[],
): StatsRows {
  const sketch = new DistinctSketch();
  let packets = 0;
  let bytes = 0;
  let approx = false;
  for (const s of stats) {
    packets += s.packets;
    bytes += s.bytes;
    approx ||= s.approximate;
    sketch.merge(DistinctSketch.deserialize(s.sources));
  }
  // One finer row says it best: its count may be exact beyond what its sketch keeps exactly.
  const unique = stats.length === 1 ? stats[0]!.unique_sources : sketch.count();
  const approximate = stats.length === 1 ? stats[0]!.approximate : approx || sketch.approximate;
  const byDim = new Map<string, CountRow[]>();
  for (const c of counts) {
    const list = byDim.get(c.dim) ?? [];
    list.push({ dim: c.dim as Dim, key: c.key, count: Number(c.count) });
    byDim.set(c.dim, list);
  }
  const kept: CountRow[] = [];
  for (const [dim, list] of byDim) {
    const keep = KEEP[dim as Dim] ?? 100;
    if (list.length > keep) list.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
    kept.push(...list.slice(0, keep));
  }
  return { sensorId, bucket, packets, bytes, uniqueSources: unique, approximate, sketch: sketch.serialize(), counts: kept };
}

/**
 * Recomputes queued hour buckets from minutes and day buckets from hours (each whole, so doing it
 * twice gives the same rows); answers how many buckets were rolled up.
 * @example await rollUp(db, partitions)
 */
export async function rollUp(db: Kysely<Database>, partitions: Partitions, limit = 500): Promise<number> {
  let done = 0;
  for (const [target, source, span] of [['hour', 'minute', HOUR], ['day', 'hour', DAY]] as const) {
    try {
      done += await db.transaction().execute(async (trx) => {
        await lockAggregates(trx);
        const queued = await takeRollups(trx, target, limit);
        if (!queued.length) return 0;
        await partitions.ensure(target, queued.map((q) => q.bucket.getTime()), trx);
        const rows: StatsRows[] = [];
        for (const q of queued) {
          const from = q.bucket;
          const to = new Date(from.getTime() + span);
          const [stats, counts] = [await statsBetween(trx, source, q.sensor_id, from, to), await countsBetween(trx, source, q.sensor_id, from, to)];
          if (stats.length) rows.push(mergeRows(q.sensor_id, from.getTime(), stats, counts));
        }
        await replaceStats(trx, target, rows);
        if (target === 'hour') await queueRollups(trx, rows.map((r) => ({ sensorId: r.sensorId, resolution: 'day' as const, bucket: r.bucket - (r.bucket % DAY) })));
        return rows.length;
      });
    } catch (err) {
      partitions.forget();
      throw err;
    }
  }
  return done;
}
