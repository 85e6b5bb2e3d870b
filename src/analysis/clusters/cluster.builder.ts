import { UnionFind } from './union-find.ts';

// Connected components over members (incidents, reports, malware, sightings) numbered 0..n−1.
// Evidence comes as groups: a shared value joins every member it touches (weight by value type),
// a relationship joins its two ends. Groups at or above minEvidence join directly; weaker groups
// add up per pair of members, and only for small groups, so that no quadratic blow-up can happen.

/** Kinds of evidence: a shared value, or an edge (relationship, reference) between members. */
export type LinkKind = 'key' | 'edge';

/**
 * Evidence groups in flat typed arrays (millions of groups without an object each).
 * @example const g = new EvidenceGroups(); g.push('key', keyIndex, 1, [3, 17, 42])
 */
export class EvidenceGroups {
  #start: Int32Array = new Int32Array(1024);
  #members: Int32Array = new Int32Array(4096);
  #weight: Float32Array = new Float32Array(1024);
  #ref: Int32Array = new Int32Array(1024);
  #kind: Uint8Array = new Uint8Array(1024);
  #count = 0;
  #used = 0;

  /** Number of groups. */
  get length(): number {
    return this.#count;
  }

  /** Adds a group of members (at least two distinct ones, or it is ignored). */
  push(kind: LinkKind, ref: number, weight: number, members: ArrayLike<number>): void {
    if (members.length < 2) return;
    if (this.#count + 1 >= this.#start.length) {
      const n = this.#start.length * 2;
      this.#start = grow(this.#start, n + 1);
      this.#weight = growF(this.#weight, n);
      this.#ref = grow(this.#ref, n);
      this.#kind = growU(this.#kind, n);
    }
    if (this.#used + members.length > this.#members.length) this.#members = grow(this.#members, Math.max(this.#members.length * 2, this.#used + members.length));
    this.#start[this.#count] = this.#used;
    for (let i = 0; i < members.length; i++) this.#members[this.#used++] = members[i]!;
    this.#weight[this.#count] = weight;
    this.#ref[this.#count] = ref;
    this.#kind[this.#count] = kind === 'key' ? 0 : 1;
    this.#count++;
    this.#start[this.#count] = this.#used;
  }

  /** The group's kind, reference, weight and members. */
  at(i: number): { kind: LinkKind; ref: number; weight: number; members: Int32Array } {
    return { kind: this.#kind[i] === 0 ? 'key' : 'edge', ref: this.#ref[i]!, weight: this.#weight[i]!, members: this.#members.subarray(this.#start[i]!, this.#start[i + 1]!) };
  }
}

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growF(a: Float32Array, n: number): Float32Array {
  const b = new Float32Array(n);
  b.set(a);
  return b;
}
function growU(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

/** Settings of the component computation. */
export interface ComponentSettings {
  readonly minEvidence: number;
  readonly weakPairMaxSet: number;
  readonly minClusterSize: number;
}

/** One piece of evidence of a component. */
export interface ComponentLink {
  readonly kind: LinkKind;
  readonly ref: number;
  readonly weight: number;
  /** Members of the component the evidence touches. */
  readonly members: number;
}

/** A connected component: its members, the evidence joining them and its total weight. */
export interface Component {
  readonly members: number[];
  readonly links: ComponentLink[];
  /** Σ weight × (members touched − 1): how much joining the evidence did. */
  readonly evidence: number;
}

/**
 * Connected components of n members under the evidence groups, largest first; components smaller than
 * minClusterSize are left out.
 * @example components(4, groups, { minEvidence: 1, weakPairMaxSet: 16, minClusterSize: 2 })
 */
export function components(n: number, groups: EvidenceGroups, s: ComponentSettings): Component[] {
  const uf = new UnionFind(n);
  const used = new Uint8Array(groups.length);
  const pairWeight = new Map<number, number>();
  const weakPairs = new Map<number, number[]>();
  for (let g = 0; g < groups.length; g++) {
    const { weight, members } = groups.at(g);
    if (weight >= s.minEvidence) {
      for (let i = 1; i < members.length; i++) uf.union(members[0]!, members[i]!);
      used[g] = 1;
    } else if (members.length <= s.weakPairMaxSet && weight > 0) {
      for (let i = 0; i < members.length; i++)
        for (let j = i + 1; j < members.length; j++) {
          const a = Math.min(members[i]!, members[j]!);
          const b = Math.max(members[i]!, members[j]!);
          const pair = a * n + b;
          pairWeight.set(pair, (pairWeight.get(pair) ?? 0) + weight);
          const gs = weakPairs.get(pair);
          if (gs) gs.push(g);
          else weakPairs.set(pair, [g]);
        }
    }
  }
  for (const [pair, w] of pairWeight) {
    if (w + 1e-9 < s.minEvidence) continue;
    uf.union(Math.floor(pair / n), pair % n);
    for (const g of weakPairs.get(pair)!) used[g] = 1;
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (uf.sizeOf(i) < Math.max(2, s.minClusterSize)) continue;
    const r = uf.find(i);
    const list = byRoot.get(r);
    if (list) list.push(i);
    else byRoot.set(r, [i]);
  }
  const links = new Map<number, ComponentLink[]>();
  for (let g = 0; g < groups.length; g++) {
    if (!used[g]) continue;
    const { kind, ref, weight, members } = groups.at(g);
    const r = uf.find(members[0]!);
    if (!byRoot.has(r)) continue;
    const list = links.get(r);
    const link = { kind, ref, weight, members: members.length };
    if (list) list.push(link);
    else links.set(r, [link]);
  }
  return [...byRoot]
    .map(([r, members]) => {
      const ls = links.get(r) ?? [];
      return { members, links: ls, evidence: ls.reduce((sum, l) => sum + l.weight * (l.members - 1), 0) };
    })
    .sort((a, b) => b.members.length - a.members.length || a.members[0]! - b.members[0]!);
}
