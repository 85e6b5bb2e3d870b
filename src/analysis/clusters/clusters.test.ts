import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { components, EvidenceGroups } from './cluster.builder.ts';
import { assignIds } from './cluster.identity.ts';
import { UnionFind } from './union-find.ts';

const S = { minEvidence: 1, weakPairMaxSet: 16, minClusterSize: 2 };

function groups(list: [number, number[]][]): EvidenceGroups {
  const g = new EvidenceGroups();
  list.forEach(([w, m], i) => g.push('key', i, w, m));
  return g;
}

describe('components', () => {
  it('joins members sharing strong evidence, leaves singletons out, keeps the evidence', () => {
    const cs = components(6, groups([[1, [0, 1]], [1, [1, 2]], [1, [4, 5]], [1, [3]]]), S);
    expect(cs.map((c) => c.members)).toEqual([[0, 1, 2], [4, 5]]);
    expect(cs[0]!.links.map((l) => l.ref)).toEqual([0, 1]);
    expect(cs[0]!.evidence).toBe(2);
  });

  it('weak evidence joins only when it adds up to the minimum for a pair', () => {
    const weak = groups([[0.5, [0, 1]], [0.5, [0, 1]], [0.5, [2, 3]], [0.2, [4, 5]]]);
    const cs = components(6, weak, S);
    expect(cs.map((c) => c.members)).toEqual([[0, 1]]);
    expect(cs[0]!.links).toHaveLength(2);
  });

  it('weak evidence over a large group is ignored (no quadratic pairs)', () => {
    const big = Array.from({ length: 100 }, (_, i) => i);
    expect(components(100, groups([[0.9, big], [0.9, big]]), S)).toEqual([]);
  });

  it('agrees with a naive search on random graphs (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 29 }), { minLength: 2, maxLength: 5 }), { maxLength: 30 }), (gs) => {
        const g = new EvidenceGroups();
        gs.forEach((m, i) => g.push('key', i, 1, [...new Set(m)]));
        const got = components(30, g, S).map((c) => [...c.members].sort((a, b) => a - b).join(','));
        // naive: repeated merging of overlapping sets
        const uf = new UnionFind(30);
        for (const m of gs) for (const x of m) uf.union(m[0]!, x);
        const naive = new Map<number, number[]>();
        for (let i = 0; i < 30; i++) naive.set(uf.find(i), [...(naive.get(uf.find(i)) ?? []), i]);
        const expected = [...naive.values()].filter((m) => m.length > 1).map((m) => m.join(','));
        expect(got.sort()).toEqual(expected.sort());
      }),
    );
  });
});

describe('stable cluster ids', () => {
  const old = new Map([
    [7, { id: 7, members: 3 }],
    [9, { id: 9, members: 2 }],
  ]);
  const oldOf = new Map([
    ['a', 7],
    ['b', 7],
    ['c', 7],
    ['d', 9],
    ['e', 9],
  ]);

  it('a cluster keeps its id when it grows', () => {
    const r = assignIds([['a', 'b', 'c', 'x'], ['d', 'e']], oldOf, old);
    expect(r.assignments).toEqual([
      { id: 7, mergedFrom: [], splitFrom: [], changed: true },
      { id: 9, mergedFrom: [], splitFrom: [], changed: false },
    ]);
    expect(r.fates).toEqual([]);
  });

  it('on a merge the biggest survives and the other is recorded as merged into it', () => {
    const r = assignIds([['a', 'b', 'c', 'd', 'e']], oldOf, old);
    expect(r.assignments[0]).toEqual({ id: 7, mergedFrom: [9], splitFrom: [], changed: true });
    expect(r.fates).toEqual([{ id: 9, kind: 'merged', into: 7 }]);
  });

  it('on equal sizes the oldest (smaller id) survives', () => {
    const r = assignIds([['a', 'd']], new Map([['a', 3], ['d', 2]]), new Map([[3, { id: 3, members: 1 }], [2, { id: 2, members: 1 }]]));
    expect(r.assignments[0]!.id).toBe(2);
  });

  it('on a split every piece gets a new id that says where it came from', () => {
    const r = assignIds([['a', 'b'], ['c', 'y']], oldOf, old);
    expect(r.assignments).toEqual([
      { id: null, mergedFrom: [], splitFrom: [7], changed: true },
      { id: null, mergedFrom: [], splitFrom: [7], changed: true },
    ]);
    expect(r.fates).toEqual([
      { id: 7, kind: 'split', into: [0, 1] },
      { id: 9, kind: 'dissolved' },
    ]);
  });
});
