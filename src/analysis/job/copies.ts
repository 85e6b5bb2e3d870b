import type { RawGraph } from './analysis.graph.ts';
import type { LoadedCase } from './graph.loader.ts';

// A sanitised copy of an incident (the hub derives it at a lower TLP for those who may not see the
// original) is the same incident, not a second one: it never links, never counts as a second
// incident or victim, and its hub contribution never makes the hub a reporter. The graph is folded
// onto the originals; copies come back as members that count only for viewers who cannot see the original.

/**
 * The original of every copy (chains followed to the first original; cycles left alone), by seq.
 * @example originalsOf([{ copy: 9, original: 4 }, { copy: 12, original: 9 }]) // Map { 9 => 4, 12 => 4 }
 */
export function originalsOf(pairs: readonly { copy: number; original: number }[]): Map<number, number> {
  const parent = new Map<number, number>();
  for (const p of pairs) if (!parent.has(p.copy)) parent.set(p.copy, p.original);
  const out = new Map<number, number>();
  for (const copy of parent.keys()) {
    let at = copy;
    const seen = new Set<number>([copy]);
    while (parent.has(at) && !seen.has(parent.get(at)!)) {
      at = parent.get(at)!;
      seen.add(at);
    }
    if (at !== copy && !parent.has(at)) out.set(copy, at);
  }
  return out;
}

/** The graph without copies: their edges belong to their originals; and the copies of each original, oldest first. */
export function foldCopies(raw: RawGraph, cases: readonly LoadedCase[], originalOf: ReadonlyMap<number, number>): { raw: RawGraph; cases: LoadedCase[]; copiesOf: Map<number, LoadedCase[]> } {
  if (originalOf.size === 0) return { raw, cases: [...cases], copiesOf: new Map() };
  const present = new Set(cases.map((c) => c.seq));
  const copiesOf = new Map<number, LoadedCase[]>();
  const kept: LoadedCase[] = [];
  for (const c of cases) {
    const o = originalOf.get(c.seq);
    if (o === undefined || !present.has(o)) {
      kept.push(c);
      continue;
    }
    const list = copiesOf.get(o);
    if (list) list.push(c);
    else copiesOf.set(o, [c]);
  }
  const map = (s: number): number => {
    const o = originalOf.get(s);
    return o !== undefined && present.has(o) ? o : s;
  };
  return {
    raw: { ...raw, cases: kept, edgeA: Float64Array.from(raw.edgeA, map), edgeB: Float64Array.from(raw.edgeB, map) },
    cases: kept,
    copiesOf,
  };
}
