import { describe, expect, it } from 'vitest';
import { DistinctSketch, EXACT_MAX } from './distinct.sketch.ts';

describe('distinct sketch', () => {
  it('is exact up to EXACT_MAX members, IPv4 and IPv6 alike, and survives serialisation', () => {
    const s = new DistinctSketch();
    for (let i = 0; i < EXACT_MAX; i++) s.add(i % 2 ? 0xc0000200 + i : `2001:db8::${i.toString(16)}`);
    for (let i = 0; i < 100; i++) s.add(0xc0000201);
    expect(s.approximate).toBe(false);
    expect(s.count()).toBe(EXACT_MAX);
    const back = DistinctSketch.deserialize(s.serialize());
    expect(back.approximate).toBe(false);
    expect(back.count()).toBe(EXACT_MAX);
  });

  it('estimates large counts within a few percent, and merges like a union', () => {
    for (const n of [10_000, 100_000, 1_000_000]) {
      const a = new DistinctSketch();
      const b = new DistinctSketch();
      for (let i = 0; i < n; i++) (i % 3 ? a : b).add((0x0a000000 + i * 7919) >>> 0);
      // Half of b again in a: the union is still n.
      for (let i = 0; i < n; i += 6) a.add((0x0a000000 + i * 7919) >>> 0);
      a.merge(b);
      expect(a.approximate).toBe(true);
      expect(Math.abs(a.count() - n) / n).toBeLessThan(0.03);
      expect(DistinctSketch.deserialize(a.serialize()).count()).toBe(a.count());
    }
  });

  it('merging exact sketches stays exact while small', () => {
    const a = new DistinctSketch();
    const b = new DistinctSketch();
    [1, 2, 3].forEach((x) => a.add(x));
    [3, 4, '::1'].forEach((x) => b.add(x));
    a.merge(b);
    expect([a.count(), a.approximate]).toEqual([5, false]);
    expect(DistinctSketch.deserialize(null).count()).toBe(0);
    expect(DistinctSketch.deserialize(Buffer.from([9, 9, 9])).count()).toBe(0);
  });
});
