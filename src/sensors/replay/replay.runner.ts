import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { eventToJson, type SensorEvent } from '../events/sensor-event.ts';
import { readReplayFile, timeSpan } from './replay.source.ts';

const gzip = promisify(gzipCb);
const MINUTE = 60_000;

/** How a replay runs. */
export interface ReplayOptions {
  /** 0 (default): as fast as the hub takes it, times shifted by whole minutes so the file ends in the current minute. N > 0: paced at N times real time, times following the pace. */
  readonly speed?: number;
  /** Send the file's own times (a hub refuses those older than 48 h). */
  readonly keepTime?: boolean;
  /** Events per batch. */
  readonly batch?: number;
  readonly gzip?: boolean;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each batch the hub answered. */
  readonly onBatch?: (r: ReplayTotals) => void;
}

/** What a replay sent and what the hub said of it. */
export interface ReplayTotals {
  read: number;
  sent: number;
  accepted: number;
  rejected: number;
  batches: number;
  /** Lines (numbered in the file) the reader or the hub refused, the first hundred. */
  readonly errors: { line: number; reason: string }[];
  /** Milliseconds added to every event time (whole minutes unless paced). */
  shift: number;
  truncated: boolean;
}

/** Posts one batch; answers the HTTP status, the parsed answer and a retry delay for 429. */
export type BatchPoster = (body: Buffer, gzipped: boolean) => Promise<{ status: number; body: unknown; retryAfterMs?: number }>;

/**
 * Streams a capture or log into a hub as batched NDJSON events: reads it once for its time span,
 * then again, sending batches (retrying on 429 as told) and summing the hub's answers.
 * @example const totals = await replay('capture.pcap', poster, { speed: 10 })
 */
export async function replay(file: string, post: BatchPoster, opts: ReplayOptions = {}): Promise<ReplayTotals> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const speed = opts.speed ?? 0;
  const size = opts.batch ?? 5000;
  const span = await timeSpan(file);
  const start = now();
  const totals: ReplayTotals = { read: 0, sent: 0, accepted: 0, rejected: 0, batches: 0, errors: [], shift: 0, truncated: false };
  if (span.events === 0) return totals;
  const paced = speed > 0 && !opts.keepTime;
  totals.shift = opts.keepTime ? 0 : paced ? start - span.first : Math.floor(start / MINUTE) * MINUTE - Math.floor(span.last / MINUTE) * MINUTE;
  const timeOf = (t: number): number => (paced ? start + (t - span.first) / speed : t + totals.shift);
  let lines: string[] = [];
  let fileLines: number[] = [];
  let dues: number[] = [];

  const send = async (): Promise<void> => {
    if (!lines.length) return;
    const raw = Buffer.from(lines.join('\n') + '\n');
    const numbers = fileLines;
    lines = [];
    fileLines = [];
    dues = [];
    const body = opts.gzip ? await gzip(raw) : raw;
    for (let attempt = 0; ; attempt++) {
      const r = await post(body, opts.gzip ?? false);
      if (r.status === 429 && attempt < 100) {
        await sleep(r.retryAfterMs ?? 1000);
        continue;
      }
      totals.batches++;
      totals.sent += numbers.length;
      const b = (r.status === 422 ? (r.body as { error?: { details?: unknown } }).error?.details : r.body) as { accepted?: number; rejected?: number; errors?: { line: number; reason: string }[] } | undefined;
      if ((r.status !== 200 && r.status !== 422) || !b || typeof b.accepted !== 'number') throw new Error(`the hub answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      totals.accepted += b.accepted;
      totals.rejected += b.rejected ?? 0;
      // The hub numbers lines of the batch; say which line of the file they were.
      for (const e of b.errors ?? []) if (totals.errors.length < 100) totals.errors.push({ line: numbers[e.line - 1] ?? e.line, reason: e.reason });
      opts.onBatch?.(totals);
      return;
    }
  };

  const r = await readReplayFile(file, {
    event(e: SensorEvent, line: number) {
      totals.read++;
      const t = e.time;
      e.time = timeOf(t);
      lines.push(JSON.stringify(eventToJson(e)));
      fileLines.push(line);
      e.time = t;
      if (paced) dues.push(timeOf(t));
    },
    error(line, reason) {
      if (totals.errors.length < 100) totals.errors.push({ line, reason });
      totals.rejected++;
    },
    async drain() {
      if (!paced) {
        while (lines.length >= size) await sendSome(size);
        return;
      }
      // Paced: send what is due (at most a batch at a time), sleep until the next event is.
      while (lines.length) {
        let due = 0;
        const t = now();
        while (due < lines.length && due < size && dues[due]! <= t) due++;
        if (due) await sendSome(due);
        else await sleep(Math.min(1000, dues[0]! - t));
      }
    },
  });
  async function sendSome(n: number): Promise<void> {
    const keepLines = lines.splice(n);
    const keepNumbers = fileLines.splice(n);
    const keepDues = dues.splice(n);
    await send();
    lines = keepLines;
    fileLines = keepNumbers;
    dues = keepDues;
  }
  while (lines.length > size) await sendSome(size);
  await send();
  totals.truncated = r.truncated;
  return totals;
}
