// Distinct sources of a minute, an hour or a day: the exact set while it is small, a HyperLogLog
// (Flajolet et al. 2007, 2^14 registers, about 0.8 % standard error) once it is not. Both merge, so
// minutes roll up into hours and days, and two nodes' flushes of one minute add up.

/** Members kept exactly before a sketch turns into a HyperLogLog. */
export const EXACT_MAX = 4096;
const P = 14;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A source address as a sketch member: IPv4 as its number, IPv6 as canonical text. */
export type Member = number | string;

/** A mergeable count of distinct members, exact up to EXACT_MAX. */
export class DistinctSketch {
  #exact: Set<Member> | null = new Set();
  #reg: Uint8Array | null = null;

  /** True once the count is an estimate. */
  get approximate(): boolean {
    return this.#reg !== null;
  }

  /** Adds a member. */
  add(m: Member): void {
    if (this.#exact) {
      this.#exact.add(m);
      if (this.#exact.size > EXACT_MAX) this.#toHll();
      return;
    }
    this.#addHll(m);
  }

  #addHll(m: Member): void {
    const x = typeof m === 'number' ? m : hashString(m);
    const h1 = fmix32(x ^ 0x5bd1e995);
    const h2 = fmix32(x + 0x9e3779b9);
    const idx = h1 >>> (32 - P);
    const rank = Math.clz32(h2) + 1;
    const reg = this.#reg!;
    if (rank > reg[idx]!) reg[idx] = rank;
  }

  #toHll(): void {
    const members = this.#exact!;
    this.#exact = null;
    this.#reg = new Uint8Array(M);
    for (const m of members) this.#addHll(m);
  }

  /** The number of distinct members (exact, or the HyperLogLog estimate with small-range correction). */
  count(): number {
    if (this.#exact) return this.#exact.size;
    const reg = this.#reg!;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      sum += 2 ** -reg[i]!;
      if (reg[i] === 0) zeros++;
    }
    const e = (ALPHA * M * M) / sum;
    if (e <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(e);
  }

  /** Adds every member of another sketch. */
  merge(other: DistinctSketch): void {
    if (other.#exact) {
      for (const m of other.#exact) this.add(m);
      return;
    }
    if (this.#exact) this.#toHll();
    const a = this.#reg!;
    const b = other.#reg!;
    for (let i = 0; i < M; i++) if (b[i]! > a[i]!) a[i] = b[i]!;
  }

  /**
   * The sketch as bytes for a bytea column: `1`, IPv4 count (u32), IPv4 members (u32 each), then
   * IPv6 members as length-prefixed text; or `2`, the precision, and the registers.
   */
  serialize(): Buffer {
    if (this.#reg) return Buffer.concat([Buffer.from([2, P]), Buffer.from(this.#reg)]);
    const v4: number[] = [];
    const v6: Buffer[] = [];
    for (const m of this.#exact!) {
      if (typeof m === 'number') v4.push(m);
      else {
        const t = Buffer.from(m, 'latin1');
        v6.push(Buffer.from([t.length]), t);
      }
    }
    const head = Buffer.alloc(5 + v4.length * 4);
    head[0] = 1;
    head.writeUInt32LE(v4.length, 1);
    v4.sort((x, y) => x - y).forEach((n, i) => head.writeUInt32LE(n, 5 + i * 4));
    return Buffer.concat([head, ...v6]);
  }

  /** A sketch from serialize()'s bytes; an empty sketch for null or unreadable bytes. */
  static deserialize(bytes: Uint8Array | null | undefined): DistinctSketch {
    const s = new DistinctSketch();
    if (!bytes || bytes.length === 0) return s;
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (b[0] === 2 && b[1] === P && b.length === 2 + M) {
      s.#exact = null;
      s.#reg = new Uint8Array(b.subarray(2));
      return s;
    }
    if (b[0] !== 1 || b.length < 5) return s;
    const n = b.readUInt32LE(1);
    let at = 5;
    for (let i = 0; i < n && at + 4 <= b.length; i++, at += 4) s.add(b.readUInt32LE(at));
    while (at < b.length) {
      const len = b[at]!;
      s.add(b.toString('latin1', at + 1, at + 1 + len));
      at += 1 + len;
    }
    return s;
  }
}
