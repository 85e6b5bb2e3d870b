import { describe, expect, it } from 'vitest';
import { inPieces, mapInPieces } from './pieces.ts';

describe('inPieces', () => {
  it('covers [0, count) in order, in pieces, pausing only between them', async () => {
    const events: string[] = [];
    await inPieces(7, 3, async () => void events.push('pause'), (from, to) => void events.push(`${from}-${to}`));
    expect(events).toEqual(['0-3', 'pause', '3-6', 'pause', '6-7']);
    const none: string[] = [];
    await inPieces(0, 3, async () => void none.push('pause'), () => void none.push('take'));
    expect(none).toEqual([]);
  });

  it('mapInPieces answers what map does', async () => {
    let pauses = 0;
    const items = Array.from({ length: 1001 }, (_, i) => i);
    expect(await mapInPieces(items, (x) => x * 2, async () => void pauses++)).toEqual(items.map((x) => x * 2));
    expect(pauses).toBe(2);
  });
});
