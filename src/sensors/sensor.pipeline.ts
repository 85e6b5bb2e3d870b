import { promisify } from 'node:util';
import { constants, gunzip as gunzipCb } from 'node:zlib';
import { AppError } from '../shared/errors.ts';
import { Aggregator } from './aggregate/aggregator.ts';
import type { BucketLimits } from './aggregate/minute.bucket.ts';
import { NdjsonEventReader, type EventSink } from './events/ndjson.reader.ts';
import type { SensorEvent } from './events/sensor-event.ts';
import { TokenBuckets } from './rate.limiter.ts';
import type { RawArchive } from './raw.archive.ts';
import type { SensorRow } from './sensors.tables.ts';

const gunzip = promisify(gunzipCb);

/** Limits and clocks of event intake. */
export interface IntakeOptions {
  /** Events older than this are refused (a sensor clock far behind, or a stale backlog). */
  readonly maxPastMs: number;
  /** Events further ahead than this are refused (a sensor clock far ahead). */
  readonly maxFutureMs: number;
  /** Events per second a sensor may post unless it has its own limit. */
  readonly ratePerSecond: number;
  /** Batches of one sensor being read at once; more are refused (429) so one sensor cannot take the node. */
  readonly maxInFlight: number;
  /** Largest body after decompression. */
  readonly maxBody: number;
  /** Lines read between two yields to the event loop (other sensors' batches interleave). */
  readonly sliceLines: number;
  /** Minutes close this long after they end. */
  readonly graceMs: number;
  readonly limits?: Partial<BucketLimits> | undefined;
}

/** Defaults of event intake. */
export const DEFAULT_INTAKE: IntakeOptions = { maxPastMs: 48 * 3_600_000, maxFutureMs: 5 * 60_000, ratePerSecond: 1_000_000, maxInFlight: 2, maxBody: 256 * 1024 * 1024, sliceLines: 20_000, graceMs: 10_000 };

/** What happened to a batch: how many events were taken, and the lines that were not, by number. */
export interface BatchReport {
  readonly accepted: number;
  readonly rejected: number;
  /** The first 100 refused lines with their reasons. */
  readonly errors: readonly { readonly line: number; readonly reason: string }[];
}

const MAX_REPORTED = 100;

async function inflate(body: Buffer, limit: number): Promise<Buffer> {
  try {
    return await gunzip(body, { maxOutputLength: limit });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || /larger than/i.test(e.message)) throw new AppError('payload_too_large', `gzip body inflates beyond ${limit} bytes`, { limit });
    if (e.code === 'Z_BUF_ERROR' || e.errno === constants.Z_BUF_ERROR) throw new AppError('bad_request', 'gzip body is truncated');
    throw new AppError('bad_request', `gzip body is corrupt: ${e.message}`);
  }
}

function stamp(t: number): string {
  return Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : String(t);
}

/**
 * Takes batches of sensor events (NDJSON, gzip allowed) into the in-memory aggregator: per-sensor
 * rate limit and concurrency checked before reading, lines read in slices that yield to other
 * requests, each line checked on its own (a bad line is reported by number, the rest kept).
 */
export class SensorIntake {
  readonly aggregator: Aggregator;
  readonly #opts: IntakeOptions;
  readonly #limits = new TokenBuckets();
  readonly #inFlight = new Map<string, number>();
  readonly #archive: RawArchive | null;
  readonly #now: () => number;
  /** Events taken since start, for metrics. */
  accepted = 0;
  rejected = 0;

  constructor(opts: Partial<IntakeOptions> = {}, archive: RawArchive | null = null, now: () => number = Date.now) {
    this.#opts = { ...DEFAULT_INTAKE, ...opts };
    this.aggregator = new Aggregator({ graceMs: this.#opts.graceMs, limits: this.#opts.limits });
    this.#archive = archive;
    this.#now = now;
  }

  /**
   * Reads one batch of a sensor. Throws 429 (rate_limited) before reading anything when the sensor is over
   * its rate or has too many batches in flight, 400/413 for an unreadable or oversized body.
   */
  async accept(sensor: SensorRow, raw: Buffer): Promise<BatchReport> {
    const busy = this.#inFlight.get(sensor.id) ?? 0;
    if (busy >= this.#opts.maxInFlight) throw new AppError('rate_limited', `sensor ${sensor.id} already has ${busy} batches being read; wait for their answers`, { retry_after_ms: 100 });
    this.#inFlight.set(sensor.id, busy + 1);
    try {
      const gz = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
      const body = gz ? await inflate(raw, this.#opts.maxBody) : raw;
      if (body.length > this.#opts.maxBody) throw new AppError('payload_too_large', `body larger than ${this.#opts.maxBody} bytes`);
      // A sensor in debt is refused before anything is read; a batch admitted is charged its lines once
      // read (counted by the reader: no pass over the body just to count them).
      const rate = sensor.rate_limit ?? this.#opts.ratePerSecond;
      const r = this.#limits.take(sensor.id, 0, rate);
      if (!r.ok) throw new AppError('rate_limited', `sensor ${sensor.id} is over its rate of ${rate} events per second; retry in ${r.retryAfterMs} ms`, { retry_after_ms: r.retryAfterMs });
      const report = await this.#read(sensor.id, body);
      if (this.#archive && report.accepted) void this.#archive.append(sensor.id, this.#now(), raw, gz).catch(() => {});
      return report;
    } finally {
      const n = (this.#inFlight.get(sensor.id) ?? 1) - 1;
      if (n) this.#inFlight.set(sensor.id, n);
      else this.#inFlight.delete(sensor.id);
    }
  }

  async #read(sensorId: string, body: Buffer): Promise<BatchReport> {
    const window = this.aggregator.window(sensorId);
    const now = this.#now();
    const oldest = now - this.#opts.maxPastMs;
    const newest = now + this.#opts.maxFutureMs;
    let accepted = 0;
    let rejected = 0;
    const errors: { line: number; reason: string }[] = [];
    const refuse = (line: number, reason: string): void => {
      rejected++;
      if (errors.length < MAX_REPORTED) errors.push({ line, reason });
    };
    const sink: EventSink = {
      event(e: SensorEvent, line: number) {
        if (e.time > newest) return refuse(line, `time: ${stamp(e.time)} is more than ${Math.round((newest - now) / 1000)} s ahead of the hub's clock (sensor clock wrong?)`);
        if (e.time < oldest) return refuse(line, `time: ${stamp(e.time)} is older than ${Math.round((now - oldest) / 3_600_000)} h (sensor clock wrong, or a backlog too old to count)`);
        window.add(e);
        accepted++;
      },
      error: refuse,
    };
    const reader = new NdjsonEventReader();
    let at = { pos: 0, line: 0 };
    while (at.pos < body.length) {
      const before = at.line;
      at = reader.read(body, at.pos, at.line, this.#opts.sliceLines, sink);
      this.#limits.charge(sensorId, at.line - before);
      if (at.pos < body.length) await new Promise<void>((r) => setImmediate(r));
    }
    this.accepted += accepted;
    this.rejected += rejected;
    return { accepted, rejected, errors };
  }
}
