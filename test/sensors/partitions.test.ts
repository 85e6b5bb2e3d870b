import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import type { Storage } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { DistinctSketch } from '../../src/sensors/aggregate/distinct.sketch.ts';
import { Partitions, partitionOf } from '../../src/sensors/aggregate/partitions.repository.ts';
import { rollUp } from '../../src/sensors/aggregate/rollup.ts';
import { addStats, lockAggregates, queueRollups } from '../../src/sensors/aggregate/stats.repository.ts';
import type { StatsRows } from '../../src/sensors/aggregate/minute.rows.ts';

const S = '00000000-0000-4000-8000-0000000000aa';
const DAY = 86_400_000;

function rows(bucket: number, packets: number, sources: number[], port = 'tcp/23'): StatsRows {
  const s = new DistinctSketch();
  sources.forEach((x) => s.add(x));
  return { sensorId: S, bucket, packets, bytes: packets * 60, uniqueSources: sources.length, approximate: false, sketch: s.serialize(), counts: [{ dim: 'port', key: port, count: packets }] };
}

describeStorage('sensor aggregates: time partitions, additive minutes, roll-ups, retention', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
    await migrateToLatest(storage.db);
  });
  afterAll(async () => storage?.close());

  it('the aggregate tables are partitioned by time; partitions are made before rows and dropped past retention', async () => {
    const db = storage.db;
    const kinds = await sql<{ relname: string }>`select c.relname from pg_partitioned_table p join pg_class c on c.oid = p.partrelid where c.relname like 'sensor_%' order by 1`.execute(db);
    expect(kinds.rows.map((r) => r.relname)).toEqual(['sensor_counts_day', 'sensor_counts_hour', 'sensor_counts_minute', 'sensor_stats_day', 'sensor_stats_hour', 'sensor_stats_minute']);
    const p = new Partitions(db);
    const old = Date.UTC(2026, 0, 10, 12, 30);
    const recent = Date.UTC(2026, 0, 20, 8, 15);
    await p.ensure('minute', [old, recent, recent + 60_000]);
    await db.transaction().execute(async (trx) => {
      await lockAggregates(trx);
      await addStats(trx, 'minute', [rows(old, 5, [1, 2]), rows(recent, 7, [3])]);
    });
    const names = await sql<{ name: string }>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class t on t.oid = i.inhparent where t.relname = 'sensor_stats_minute' order by 1`.execute(db);
    expect(names.rows.map((r) => r.name)).toEqual([`sensor_stats_minute_${partitionOf('minute', old).suffix}`, `sensor_stats_minute_${partitionOf('minute', recent).suffix}`]);
    expect(partitionOf('hour', recent).suffix).toBe('p202601');
    expect(partitionOf('day', recent).suffix).toBe('p2026');
    const dropped = await p.dropBefore('minute', recent - 5 * DAY);
    expect(dropped.sort()).toEqual(['sensor_counts_minute_p20260110', 'sensor_stats_minute_p20260110']);
    const left = await db.selectFrom('sensor_stats_minute').select(['bucket', 'packets']).execute();
    expect(left.map((r) => r.packets)).toEqual([7]);
  });

  it('a minute flushed twice (a late sensor, two nodes) adds up; roll-ups recompute whole and agree', async () => {
    const db = storage.db;
    const p = new Partitions(db);
    const m = Date.UTC(2026, 1, 3, 10, 5);
    await p.ensure('minute', [m, m + 60_000]);
    for (const r of [rows(m, 10, [1, 2, 3]), rows(m, 4, [3, 4], 'tcp/2323'), rows(m + 60_000, 6, [9])]) {
      await db.transaction().execute(async (trx) => {
        await lockAggregates(trx);
        await addStats(trx, 'minute', [r]);
        await queueRollups(trx, [{ sensorId: S, resolution: 'hour', bucket: r.bucket - (r.bucket % 3_600_000) }]);
      });
    }
    const minute = await db.selectFrom('sensor_stats_minute').select(['packets', 'unique_sources']).where('bucket', '=', new Date(m)).executeTakeFirstOrThrow();
    expect(minute).toEqual({ packets: 14, unique_sources: 4 });
    expect(await rollUp(db, p)).toBe(2);
    expect(await rollUp(db, p)).toBe(0);
    const hour = await db.selectFrom('sensor_stats_hour').select(['packets', 'unique_sources', 'approximate']).executeTakeFirstOrThrow();
    expect(hour).toEqual({ packets: 20, unique_sources: 5, approximate: false });
    const day = await db.selectFrom('sensor_counts_day').select(['key', 'count']).where('dim', '=', 'port').orderBy('key').execute();
    expect(day.map((r) => [r.key, Number(r.count)])).toEqual([['tcp/23', 16], ['tcp/2323', 4]]);
    // Queued again (a late minute): the hour is recomputed, not added twice.
    await db.transaction().execute((trx) => queueRollups(trx, [{ sensorId: S, resolution: 'hour', bucket: m - (m % 3_600_000) }]));
    await rollUp(db, p);
    expect((await db.selectFrom('sensor_stats_day').select('packets').executeTakeFirstOrThrow()).packets).toBe(20);
  });
});
