// Observable keys → one number each, without a JavaScript string or Map entry per key: the keys' code units
// sit one after the other in an arena, and an open-addressing table of [hash, arena offset, value] triples
// finds them. A hash only narrows the search: every hit is confirmed against the stored bytes, so two keys
// whose hashes collide never answer for each other.

const EMPTY = 0;
const STRIDE = 3;
const MAX_ARENA = 0x7fff_ffff;
// Per-process seed: an outsider cannot prepare keys that all land in one probe run.
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/** A 32-bit finaliser (MurmurHash3 fmix32): spreads the bits of a hash or an integer over the table. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return h ^ (h >>> 16);
}

/** Keys to numbers in typed arrays; `find` and `insert` answer a slot whose value the caller reads or sets. */
export class KeyTable {
  #slots: Int32Array;
  #mask: number;
  #count = 0;
  #arena: Uint8Array;
  #arenaLength = 1; // offset 0 stays unused so that a stored offset + 0 never reads as "empty"
  // Set by #hash: the key has a code unit above 0xff, so it is stored two bytes per code unit.
  #wide = false;
  readonly #hashMask: number;

  /** `hashBits` below 32 makes keys collide on purpose (tests of the exact confirmation). */
  constructor(capacity = 1 << 16, arenaBytes = 1 << 20, hashBits = 32) {
    this.#hashMask = hashBits >= 32 ? -1 : (1 << hashBits) - 1;
    const size = 1 << Math.max(4, Math.ceil(Math.log2(capacity)));
    this.#slots = new Int32Array(size * STRIDE);
    this.#mask = size - 1;
    this.#arena = new Uint8Array(arenaBytes);
  }

  /** Number of keys. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held by the table and the arena. */
  get bytes(): number {
    return this.#slots.byteLength + this.#arena.byteLength;
  }

  /** The slot of a key, or -1 when the key was never inserted. */
  find(key: string): number {
    const h = this.#hash(key);
    for (let s = h & this.#mask; ; s = (s + 1) & this.#mask) {
      const at = s * STRIDE;
      const off = this.#slots[at + 1]!;
      if (off === EMPTY) return -1;
      if (this.#slots[at] === h && this.#equals(off, key)) return s;
    }
  }

  /** The slot of a key, added with `initial` as its value when new. Slots move when the table grows: use it at once. */
  insert(key: string, initial: number): number {
    if ((this.#count + 1) * 10 > (this.#mask + 1) * 7) this.#grow();
    const h = this.#hash(key);
    let s = h & this.#mask;
    for (; ; s = (s + 1) & this.#mask) {
      const at = s * STRIDE;
      const off = this.#slots[at + 1]!;
      if (off === EMPTY) break;
      if (this.#slots[at] === h && this.#equals(off, key)) return s;
    }
    const at = s * STRIDE;
    this.#slots[at] = h;
    this.#slots[at + 1] = this.#store(key);
    this.#slots[at + 2] = initial;
    this.#count++;
    return s;
  }

  /** The value in a slot. */
  value(slot: number): number {
    return this.#slots[slot * STRIDE + 2]!;
  }

  /** Sets the value in a slot. */
  setValue(slot: number, v: number): void {
    this.#slots[slot * STRIDE + 2] = v;
  }

  // FNV-1a over the key's UTF-16 code units, then a final avalanche.
  #hash(key: string): number {
    let h = SEED ^ 0x811c_9dc5;
    let wide = false;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c > 0xff) wide = true;
      h = Math.imul(h ^ c, 0x0100_0193);
    }
    this.#wide = wide;
    return mix(h) & this.#hashMask;
  }

  // Arena entries: a LEB128 varint of (length × 2 + wide), then the code units: one byte each when all fit
  // (nearly every key: normalised values are lower-case punycode, canonical IPs, percent-encoded URLs, hex),
  // two bytes each otherwise. Exact, code unit for code unit, even for malformed UTF-16.
  #equals(off: number, key: string): boolean {
    const a = this.#arena;
    let head = 0;
    let shift = 0;
    let p = off;
    for (;;) {
      const b = a[p++]!;
      head += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    if (head !== key.length * 2 + (this.#wide ? 1 : 0)) return false;
    if (this.#wide) {
      for (let i = 0; i < key.length; i++) if ((a[p + 2 * i]! | (a[p + 2 * i + 1]! << 8)) !== key.charCodeAt(i)) return false;
      return true;
    }
    for (let i = 0; i < key.length; i++) if (a[p + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  #store(key: string): number {
    const wide = this.#wide;
    const len = wide ? key.length * 2 : key.length;
    const need = this.#arenaLength + len + 6;
    if (need > this.#arena.length) {
      if (need > MAX_ARENA) throw new Error('observable index: more than 2 GiB of keys');
      const next = new Uint8Array(Math.min(MAX_ARENA, Math.max(need, Math.floor(this.#arena.length * 1.5))));
      next.set(this.#arena.subarray(0, this.#arenaLength));
      this.#arena = next;
    }
    const off = this.#arenaLength;
    let p = off;
    for (let n = key.length * 2 + (wide ? 1 : 0); ; n = Math.floor(n / 128)) {
      if (n < 0x80) {
        this.#arena[p++] = n;
        break;
      }
      this.#arena[p++] = (n & 0x7f) | 0x80;
    }
    if (wide)
      for (let i = 0; i < key.length; i++) {
        const c = key.charCodeAt(i);
        this.#arena[p + 2 * i] = c & 0xff;
        this.#arena[p + 2 * i + 1] = c >>> 8;
      }
    else for (let i = 0; i < key.length; i++) this.#arena[p + i] = key.charCodeAt(i);
    this.#arenaLength = p + len;
    return off;
  }

  #grow(): void {
    const old = this.#slots;
    const size = (this.#mask + 1) * 2;
    this.#slots = new Int32Array(size * STRIDE);
    this.#mask = size - 1;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at + 1] === EMPTY) continue;
      let s = old[at]! & this.#mask;
      while (this.#slots[s * STRIDE + 1] !== EMPTY) s = (s + 1) & this.#mask;
      this.#slots.set(old.subarray(at, at + STRIDE), s * STRIDE);
    }
  }
}
