import type { Tlp } from '../db/schema.ts';
import { stricter } from '../trust/tlp.ts';

/**
 * The TLP an ingest gives an object: the stricter of the ingest's requested TLP and the data's own when both are set,
 * else whichever is set, else the organisation's default. The main thread's preparation (prepare.ts) and the parse
 * worker's line hashes (line-draft.ts) both follow it.
 * @example ingestTlp('amber', 'red', 'green') // 'red'
 */
export function ingestTlp(requested: Tlp | undefined, data: Tlp | undefined, orgDefault: Tlp): Tlp {
  return requested && data ? stricter(requested, data) : (data ?? requested ?? orgDefault);
}

// The objects of a feed share their timestamp: the last one asked is remembered (one Date.parse and one
// toISOString per distinct time, not per object).
let lastTime: string | undefined;
let lastLater: string | null = null;

/**
 * A timestamp one millisecond later (null: not a time): a versioned object the ingest marks otherwise than its data did
 * is a new version of it, and moves deterministically, so importing the same file again changes nothing.
 * @example aMillisecondLater('2026-12-01T00:00:00.000Z') // '2026-12-01T00:00:00.001Z'
 */
export function aMillisecondLater(time: string): string | null {
  if (time !== lastTime) {
    const t = Date.parse(time);
    lastLater = Number.isFinite(t) ? new Date(t + 1).toISOString() : null;
    lastTime = time;
  }
  return lastLater;
}
