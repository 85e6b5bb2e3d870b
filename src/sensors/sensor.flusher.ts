import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Aggregator } from './aggregate/aggregator.ts';
import type { MinuteBucket } from './aggregate/minute.bucket.ts';
import { minuteRows, type GeoLookup, type StatsRows } from './aggregate/minute.rows.ts';
import type { Partitions } from './aggregate/partitions.repository.ts';
import { rollUp } from './aggregate/rollup.ts';
import { addStats, lockAggregates, queueRollups } from './aggregate/stats.repository.ts';
import type { DetectionActions } from './detect/detection.actions.ts';
import type { Detectors } from './detect/detectors.ts';
import { touchSensors } from './sensors.repository.ts';
import type { SensorRow } from './sensors.tables.ts';

/** How long aggregates are kept at each resolution, in ms. */
export interface Retention {
  readonly minute: number;
  readonly hour: number;
  readonly day: number;
}

/** Default retention: minutes a week, hours 90 days, days five years. */
export const DEFAULT_RETENTION: Retention = { minute: 7 * 86_400_000, hour: 90 * 86_400_000, day: 5 * 365 * 86_400_000 };

const HOUR = 3_600_000;
/** Closed minutes kept for another try while the database is away, at most. */
const MAX_PENDING = 20_000;

/** What the flusher works with. */
export interface FlusherDeps {
  readonly db: Kysely<Database>;
  readonly aggregator: Aggregator;
  readonly partitions: Partitions;
  readonly detectors: Detectors;
  readonly actions: DetectionActions;
  readonly geo: () => GeoLookup;
  readonly sensors: () => Promise<SensorRow[]>;
  readonly retention: Retention;
  readonly onError?: (what: string, err: unknown) => void;
  readonly now?: () => number;
}

/**
 * Moves closed minutes from memory to the database (per minute per sensor, time-partitioned), runs
 * the detectors on them and acts on what they find, rolls minutes up into hours and days, and drops
 * partitions past their retention. One tick at a time; a failed write keeps its minutes for the next.
 */
export class SensorFlusher {
  readonly #d: FlusherDeps;
  readonly #pending: MinuteBucket[] = [];
  #running: Promise<void> = Promise.resolve();
  #lastRetention = 0;
  /** Minutes written and dropped (the database stayed away too long), for metrics. */
  written = 0;
  dropped = 0;

  constructor(deps: FlusherDeps) {
    this.#d = deps;
  }

  /** One tick: close due minutes (all when `all`), write, detect, act, roll up. */
  tick(all = false): Promise<void> {
    const run = this.#running.then(() => this.#tick(all));
    this.#running = run.catch(() => {});
    return run;
  }

  async #tick(all: boolean): Promise<void> {
    const now = (this.#d.now ?? Date.now)();
    const closed = all ? this.#d.aggregator.closeAll() : this.#d.aggregator.closeDue(now);
    const batch = [...this.#pending.splice(0), ...closed];
    if (batch.length) {
      try {
        await this.#write(batch);
        this.written += batch.length;
      } catch (err) {
        this.#d.onError?.('writing sensor aggregates', err);
        this.#pending.push(...batch.slice(-MAX_PENDING));
        this.dropped += Math.max(0, batch.length - MAX_PENDING);
        return;
      }
      await this.#detect(closed);
    }
    try {
      while ((await rollUp(this.#d.db, this.#d.partitions)) > 0 && all);
      if (now - this.#lastRetention > HOUR) {
        this.#lastRetention = now;
        await this.#expire(now);
      }
    } catch (err) {
      this.#d.onError?.('rolling up sensor aggregates', err);
    }
  }

  async #write(batch: readonly MinuteBucket[]): Promise<void> {
    const geo = this.#d.geo();
    // A busy minute of one sensor takes a while to count up (hundreds of thousands of sources): the
    // loop is let go between minutes, so several sensors' minutes closing at once never hold the intake.
    const rows: StatsRows[] = [];
    for (const b of batch) {
      if (rows.length) await new Promise<void>((r) => setImmediate(r));
      rows.push(await minuteRows(b, geo));
    }
    await this.#d.partitions.ensure('minute', rows.map((r) => r.bucket));
    const last = new Map<string, number>();
    for (const r of rows) last.set(r.sensorId, Math.max(last.get(r.sensorId) ?? 0, r.bucket + 59_999));
    try {
      await this.#d.db.transaction().execute(async (trx) => {
        await lockAggregates(trx);
        await addStats(trx, 'minute', rows);
        await queueRollups(trx, rows.map((r) => ({ sensorId: r.sensorId, resolution: 'hour' as const, bucket: r.bucket - (r.bucket % HOUR) })));
      });
    } catch (err) {
      this.#d.partitions.forget();
      throw err;
    }
    await touchSensors(this.#d.db, last).catch(() => {});
  }

  async #detect(closed: readonly MinuteBucket[]): Promise<void> {
    if (!closed.length) return;
    const sensors = new Map((await this.#d.sensors()).map((s) => [s.id, s]));
    for (const b of closed) {
      const sensor = sensors.get(b.sensorId);
      if (!sensor) continue;
      await new Promise<void>((r) => setImmediate(r));
      try {
        await this.#d.actions.handle(sensor, b, this.#d.detectors.observe(b));
      } catch (err) {
        this.#d.onError?.(`acting on detections of sensor ${b.sensorId}`, err);
      }
    }
  }

  async #expire(now: number): Promise<void> {
    const r = this.#d.retention;
    await this.#d.partitions.dropBefore('minute', now - r.minute);
    await this.#d.partitions.dropBefore('hour', now - r.hour);
    await this.#d.partitions.dropBefore('day', now - r.day);
    await this.#d.db.deleteFrom('sensor_detections').where('bucket', '<', new Date(now - r.hour)).execute();
  }

  /** Waits for the running tick. */
  async idle(): Promise<void> {
    await this.#running;
  }

  /** Minutes waiting for the database. */
  get pending(): number {
    return this.#pending.length;
  }
}
