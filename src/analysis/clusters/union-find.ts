/**
 * Disjoint sets over 0..n−1 in two typed arrays (union by size, path halving): a million nodes cost
 * 8 MB and no objects.
 * @example const uf = new UnionFind(3); uf.union(0, 2); uf.find(2) === uf.find(0) // true
 */
export class UnionFind {
  readonly #parent: Int32Array;
  readonly #size: Int32Array;

  constructor(n: number) {
    this.#parent = new Int32Array(n);
    this.#size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.#parent[i] = i;
  }

  /** The representative of x's set. */
  find(x: number): number {
    const p = this.#parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }

  /** Joins the sets of a and b; true when they were apart. */
  union(a: number, b: number): boolean {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return false;
    if (this.#size[ra]! < this.#size[rb]!) [ra, rb] = [rb, ra];
    this.#parent[rb] = ra;
    this.#size[ra] = this.#size[ra]! + this.#size[rb]!;
    return true;
  }

  /** Size of x's set. */
  sizeOf(x: number): number {
    return this.#size[this.find(x)]!;
  }
}
