import { describe, expect, it } from 'vitest';
import { seenRuns } from './contributions.repository.ts';
import { LINE_CONTRIBUTION_BASE as B } from './feed-line.ts';

describe('seenRuns', () => {
  const t = Date.parse('2026-12-07T00:00:00Z');
  const u = t + 1000;
  it('cuts stored ids into stretches of consecutive ids, by time, duplicates once, in any order', () => {
    const runs = seenRuns([10, 7, 8, 8, 12, 11, 20].map((id) => ({ id, seen: t })).concat([{ id: 9, seen: u }]));
    expect(runs).toEqual([{ lo: 7, hi: 8, seen: t }, { lo: 10, hi: 12, seen: t }, { lo: 20, hi: 20, seen: t }, { lo: 9, hi: 9, seen: u }]);
  });
  it("runs a feed line's three contributions into the next line's, never across the id no contribution has", () => {
    const line = (n: number, k: number) => ({ id: B + 4 * n + k, seen: t });
    expect(seenRuns([line(5, 0), line(5, 1), line(5, 2), line(6, 0), line(6, 1)])).toEqual([{ lo: B + 20, hi: B + 25, seen: t }]);
    // A line's second contribution missing cuts the run; stored ids never join a line's run.
    expect(seenRuns([line(5, 0), line(5, 2), { id: 3, seen: t }, { id: 4, seen: t }])).toEqual([
      { lo: B + 20, hi: B + 20, seen: t }, { lo: B + 22, hi: B + 22, seen: t }, { lo: 3, hi: 4, seen: t },
    ]);
    expect(seenRuns([])).toEqual([]);
  });
});
