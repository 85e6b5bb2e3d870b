// The analysis graph in numbers. Members ("cases": incidents, malware, reports, sightings) are
// numbered 0..n−1; objects holding observable keys (observables, indicators) are holders; objects
// such as infrastructure or an intrusion set pass connections through. A case points at a key when
// an edge joins it to a holder of that key, directly or through one pass-through object.

/** Types whose objects become cluster members. */
export const CASE_TYPES = ['incident', 'malware', 'report', 'sighting'] as const;
/** Types that connect what is on either side of them. */
export const PASS_TYPES = ['infrastructure', 'observed-data', 'campaign', 'intrusion-set', 'threat-actor', 'grouping'] as const;

/** A member as loaded. */
export interface CaseRow {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
}

/** Compressed adjacency: the neighbours of i are items[start[i] .. start[i+1]). */
export interface Csr {
  readonly start: Int32Array;
  readonly items: Int32Array;
}

/** Builds a CSR from parallel pair arrays (from → to), duplicates kept out. */
export function csr(n: number, from: ArrayLike<number>, to: ArrayLike<number>, count = from.length): Csr {
  const deg = new Int32Array(n + 1);
  for (let i = 0; i < count; i++) deg[from[i]! + 1]!++;
  for (let i = 0; i < n; i++) deg[i + 1] = deg[i + 1]! + deg[i]!;
  const items = new Int32Array(count);
  const fill = deg.slice(0, n);
  for (let i = 0; i < count; i++) items[fill[from[i]!]!++] = to[i]!;
  // Duplicate pairs (an incident related to the same indicator twice) would count twice: drop them.
  const start = new Int32Array(n + 1);
  let w = 0;
  for (let v = 0; v < n; v++) {
    start[v] = w;
    const seg = items.subarray(deg[v]!, deg[v + 1]!).sort();
    for (let i = 0; i < seg.length; i++) if (i === 0 || seg[i] !== seg[i - 1]) items[w++] = seg[i]!;
  }
  start[n] = w;
  return { start, items: items.subarray(0, w) };
}

/** The neighbours of i in a CSR. */
export function neighbours(g: Csr, i: number): Int32Array {
  return g.items.subarray(g.start[i]!, g.start[i + 1]!);
}

/** Raw rows of the graph, as the loader reads them (seq numbers identify objects). */
export interface RawGraph {
  readonly cases: readonly CaseRow[];
  readonly passSeqs: readonly number[];
  readonly passIds: readonly string[];
  /** One row per (holder, key). */
  readonly holderSeq: ArrayLike<number>;
  readonly holderKey: readonly string[];
  /** Edges between objects of interest; via is set when both ends are cases. */
  readonly edgeA: ArrayLike<number>;
  readonly edgeB: ArrayLike<number>;
  readonly edgeVia: readonly (string | null)[];
}

/** The graph ready for clustering and scoring. */
export interface AnalysisGraph {
  readonly cases: readonly CaseRow[];
  readonly keys: readonly string[];
  /** Holder seq numbers by holder index. */
  readonly holderSeqs: Float64Array;
  readonly keyHolders: Csr;
  readonly holderCases: Csr;
  /** Edges between two cases: ends and the object that makes the edge. */
  readonly caseEdges: readonly { a: number; b: number; via: string }[];
  /** Pass-through objects with the cases around them (only those with two or more). */
  readonly passCases: readonly { id: string; cases: Int32Array }[];
}

/**
 * Numbers everything and builds the adjacencies. Pass-through objects touching more than
 * `tooCommon` cases are not expanded (an intrusion set behind everything links nothing).
 */
export function buildGraph(raw: RawGraph, tooCommon: number): AnalysisGraph {
  const caseOf = new Map<number, number>();
  raw.cases.forEach((c, i) => caseOf.set(c.seq, i));
  const passOf = new Map<number, number>();
  raw.passSeqs.forEach((s, i) => passOf.set(s, i));
  const holderOf = new Map<number, number>();
  const holderSeqs: number[] = [];
  const keyOf = new Map<string, number>();
  const keys: string[] = [];
  const kh: number[] = [];
  const hk: number[] = [];
  for (let i = 0; i < raw.holderKey.length; i++) {
    const seq = raw.holderSeq[i]!;
    let h = holderOf.get(seq);
    if (h === undefined) {
      h = holderSeqs.length;
      holderOf.set(seq, h);
      holderSeqs.push(seq);
    }
    const key = raw.holderKey[i]!;
    let k = keyOf.get(key);
    if (k === undefined) {
      k = keys.length;
      keyOf.set(key, k);
      keys.push(key);
    }
    kh.push(k);
    hk.push(h);
  }
  const hcFrom: number[] = [];
  const hcTo: number[] = [];
  const pcFrom: number[] = [];
  const pcTo: number[] = [];
  const phFrom: number[] = [];
  const phTo: number[] = [];
  const caseEdges: { a: number; b: number; via: string }[] = [];
  for (let i = 0; i < raw.edgeA.length; i++) {
    const a = raw.edgeA[i]!;
    const b = raw.edgeB[i]!;
    const ca = caseOf.get(a);
    const cb = caseOf.get(b);
    if (ca !== undefined && cb !== undefined) {
      if (ca !== cb) caseEdges.push({ a: ca, b: cb, via: raw.edgeVia[i] ?? '' });
      continue;
    }
    const c = ca ?? cb;
    const other = ca !== undefined ? b : a;
    if (c !== undefined) {
      const h = holderOf.get(other);
      if (h !== undefined) {
        hcFrom.push(h);
        hcTo.push(c);
        continue;
      }
      const p = passOf.get(other);
      if (p !== undefined) {
        pcFrom.push(p);
        pcTo.push(c);
      }
      continue;
    }
    const pa = passOf.get(a);
    const pb = passOf.get(b);
    const p = pa ?? pb;
    const h = holderOf.get(pa !== undefined ? b : a);
    if (p !== undefined && h !== undefined) {
      phFrom.push(h);
      phTo.push(p);
    }
  }
  const pc = csr(raw.passSeqs.length, pcFrom, pcTo);
  const hp = csr(holderSeqs.length, phFrom, phTo);
  // A holder's cases: its own, and those of pass-through objects around it (within the cap).
  for (let h = 0; h < holderSeqs.length; h++) {
    for (const p of neighbours(hp, h)) {
      const cs = neighbours(pc, p);
      if (cs.length > tooCommon) continue;
      for (const c of cs) {
        hcFrom.push(h);
        hcTo.push(c);
      }
    }
  }
  const passCases: { id: string; cases: Int32Array }[] = [];
  for (let p = 0; p < raw.passSeqs.length; p++) {
    const cs = neighbours(pc, p);
    if (cs.length >= 2 && cs.length <= tooCommon) passCases.push({ id: raw.passIds[p]!, cases: cs });
  }
  return {
    cases: raw.cases,
    keys,
    holderSeqs: Float64Array.from(holderSeqs),
    keyHolders: csr(keys.length, kh, hk),
    holderCases: csr(holderSeqs.length, hcFrom, hcTo),
    caseEdges,
    passCases,
  };
}

/**
 * The distinct cases pointing at a set of holders, stopping past `cap` (then `capped` is true).
 * `stamp` is scratch space of one number per case, reused across calls with a fresh `mark`.
 */
export function casesOfHolders(g: AnalysisGraph, holders: ArrayLike<number>, stamp: Int32Array, mark: number, cap: number): { cases: number[]; capped: boolean } {
  const out: number[] = [];
  for (let i = 0; i < holders.length; i++) {
    for (const c of neighbours(g.holderCases, holders[i]!)) {
      if (stamp[c] === mark) continue;
      stamp[c] = mark;
      out.push(c);
      if (out.length > cap) return { cases: out, capped: true };
    }
  }
  return { cases: out, capped: false };
}
