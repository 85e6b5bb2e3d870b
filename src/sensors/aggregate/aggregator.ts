import type { SensorEvent } from '../events/sensor-event.ts';
import { DEFAULT_LIMITS, MinuteBucket, type BucketLimits } from './minute.bucket.ts';

const MINUTE = 60_000;

/** The open minutes of one sensor; events go to the bucket of their minute. */
export class SensorWindow {
  readonly sensorId: string;
  readonly #buckets = new Map<number, MinuteBucket>();
  readonly #limits: BucketLimits;
  #current: MinuteBucket | null = null;
  /** The latest minute already closed: events for it or before open a late bucket. */
  closedUpTo = -Infinity;
  /** Accesses and details counted since start (for stats and metrics). */
  events = 0;
  lastEventAt = 0;

  constructor(sensorId: string, limits: BucketLimits) {
    this.sensorId = sensorId;
    this.#limits = limits;
  }

  /** Counts an event in the bucket of its minute. */
  add(e: SensorEvent): void {
    const t = e.time;
    let b = this.#current;
    // Events of a batch mostly fall in the minute of the one before: no division for them.
    if (b === null || t < b.minute || t >= b.minute + MINUTE) {
      const minute = t - (((t % MINUTE) + MINUTE) % MINUTE);
      b = this.#buckets.get(minute) ?? null;
      if (!b) this.#buckets.set(minute, (b = new MinuteBucket(this.sensorId, minute, minute <= this.closedUpTo, this.#limits)));
      this.#current = b;
    }
    b.add(e);
    this.events++;
    if (t > this.lastEventAt) this.lastEventAt = t;
  }

  /** Removes and answers the buckets whose minute ended before `before`, oldest first. */
  take(before: number): MinuteBucket[] {
    const out: MinuteBucket[] = [];
    for (const [m, b] of this.#buckets) {
      if (m + MINUTE > before) continue;
      this.#buckets.delete(m);
      if (this.#current === b) this.#current = null;
      if (!b.late && m > this.closedUpTo) this.closedUpTo = m;
      out.push(b);
    }
    return out.sort((a, b) => a.minute - b.minute);
  }

  /** Minutes open. */
  get open(): number {
    return this.#buckets.size;
  }
}

/**
 * Counts sensor events per sensor per minute in memory; minutes close `graceMs` after they end
 * (late packets of a slow sensor still land), or all at once on shutdown.
 * @example const agg = new Aggregator(); const w = agg.window(sensorId); w.add(event); const closed = agg.closeDue(Date.now())
 */
export class Aggregator {
  readonly #windows = new Map<string, SensorWindow>();
  readonly #graceMs: number;
  readonly #limits: BucketLimits;

  constructor(opts: { graceMs?: number; limits?: Partial<BucketLimits> } = {}) {
    this.#graceMs = opts.graceMs ?? 10_000;
    this.#limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  /** The window of a sensor (made on first use). */
  window(sensorId: string): SensorWindow {
    let w = this.#windows.get(sensorId);
    if (!w) this.#windows.set(sensorId, (w = new SensorWindow(sensorId, this.#limits)));
    return w;
  }

  /** The window of a sensor if it has one. */
  peek(sensorId: string): SensorWindow | undefined {
    return this.#windows.get(sensorId);
  }

  /** Closes minutes that ended more than the grace before `now`. */
  closeDue(now: number): MinuteBucket[] {
    return [...this.#windows.values()].flatMap((w) => w.take(now - this.#graceMs));
  }

  /** Closes every minute (shutdown, tests). */
  closeAll(): MinuteBucket[] {
    return [...this.#windows.values()].flatMap((w) => w.take(Infinity));
  }

  /** Forgets a sensor's window (revoked sensors); its open minutes are answered for a last flush. */
  drop(sensorId: string): MinuteBucket[] {
    const w = this.#windows.get(sensorId);
    if (!w) return [];
    this.#windows.delete(sensorId);
    return w.take(Infinity);
  }

  /** Minutes open across sensors. */
  get openBuckets(): number {
    let n = 0;
    for (const w of this.#windows.values()) n += w.open;
    return n;
  }
}
