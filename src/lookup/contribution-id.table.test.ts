import { describe, expect, it } from 'vitest';
import { ContributionIdTable, LINE_CONTRIBUTION_BASE } from './contribution-id.table.ts';

describe('ContributionIdTable', () => {
  it('keeps stored and line-derived contribution ids apart, both exactly', () => {
    const t = new ContributionIdTable();
    const lineIds = Array.from({ length: 5_000 }, (_, i) => LINE_CONTRIBUTION_BASE + 4 * (i + 1) + (i % 3));
    for (let i = 1; i <= 5_000; i++) t.set(i, i * 2);
    lineIds.forEach((id, i) => t.set(id, i));
    for (let i = 1; i <= 5_000; i++) expect(t.get(i)).toBe(i * 2);
    lineIds.forEach((id, i) => expect(t.get(id)).toBe(i));
    // The line whose offset equals a stored id is not that stored contribution.
    expect(t.get(LINE_CONTRIBUTION_BASE + 1)).toBe(-1);
    t.set(lineIds[7]!, -1);
    expect(t.get(lineIds[7]!)).toBe(-1);
    expect(t.get(8)).toBe(16);
  });

  it('refuses what it cannot hold: a stored id from 2^31, a line beyond 2^31 of them, a non-integer', () => {
    const t = new ContributionIdTable();
    expect(() => t.set(2 ** 31, 1)).toThrow(RangeError);
    expect(() => t.set(LINE_CONTRIBUTION_BASE + 2 ** 31, 1)).toThrow(RangeError);
    expect(() => t.set(1.5, 1)).toThrow(RangeError);
  });
});
