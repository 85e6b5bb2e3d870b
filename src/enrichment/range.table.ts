import type { EnrichRange } from './enrichment.parsers.ts';

/** What a range says about an address or AS number. */
export interface RangeFacts {
  readonly asn: number | null;
  readonly country: string | null;
  readonly holder: string | null;
}

/**
 * Non-overlapping ranges of one family, sorted, found by binary search. Where a file overlaps itself
 * the narrower range was listed later and wins (ip2asn lists a more specific route after its parent).
 */
export class RangeTable {
  readonly #starts: (number | bigint)[];
  readonly #ends: (number | bigint)[];
  readonly #facts: RangeFacts[];

  constructor(ranges: readonly EnrichRange[]) {
    const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? 1 : a.end > b.end ? -1 : 0));
    this.#starts = sorted.map((r) => r.start);
    this.#ends = sorted.map((r) => r.end);
    this.#facts = sorted.map((r) => ({ asn: r.asn, country: r.country, holder: r.holder }));
  }

  /** Number of ranges. */
  get size(): number {
    return this.#starts.length;
  }

  /** The facts of the narrowest range holding a value, or null. */
  find(v: number | bigint): RangeFacts | null {
    let lo = 0;
    let hi = this.#starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#starts[mid]! <= v) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Walk back over ranges that start earlier but may still cover v (nested routes).
    for (let i = at, steps = 0; i >= 0 && steps < 64; i--, steps++) if (this.#ends[i]! >= v) return this.#facts[i]!;
    return null;
  }
}
