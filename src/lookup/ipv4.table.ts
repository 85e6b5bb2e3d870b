// IPv4 keys → one number each, the address itself as the key (issue 17.2): most values a fusion centre looks up
// are addresses, and as 32-bit integers they need no key string, no hashing of text and no byte comparison.
// Slots are [address, value] pairs in one Int32Array (8 bytes, one cache line per probe); a slot is empty while
// its value is EMPTY, so every address, 0.0.0.0 included, can be a key.

const EMPTY = -0x8000_0000;
// Per-process seed: an outsider who contributes addresses cannot line them up in one probe run.
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/** The slot an address hashes to (MurmurHash3 fmix32 of the seeded address), before masking. */
function spread(ip: number): number {
  let h = ip ^ SEED;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return h ^ (h >>> 16);
}

/**
 * IPv4 addresses (unsigned or signed 32-bit integers, the same address either way) to numbers; values are
 * any int32 but -2^31. `find` and `insert` answer a slot whose value the caller reads or sets, as KeyTable's do.
 */
export class Ipv4Table {
  #slots: Int32Array;
  #mask: number;
  #count = 0;

  constructor(capacity = 1 << 16) {
    const size = 1 << Math.max(4, Math.ceil(Math.log2(capacity)));
    this.#slots = Ipv4Table.#empty(size);
    this.#mask = size - 1;
  }

  static #empty(size: number): Int32Array {
    const a = new Int32Array(size * 2);
    for (let i = 1; i < a.length; i += 2) a[i] = EMPTY;
    return a;
  }

  /** Number of addresses. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  /** The slot of an address, or -1 when it was never inserted. */
  find(ip: number): number {
    const key = ip | 0;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let s = spread(key) & mask; ; s = (s + 1) & mask) {
      const v = slots[2 * s + 1]!;
      if (v === EMPTY) return -1;
      if (slots[2 * s] === key) return s;
    }
  }

  /** The value stored for an address, or `absent` when it was never inserted (find and value in one probe). */
  get(ip: number, absent: number): number {
    const key = ip | 0;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let s = spread(key) & mask; ; s = (s + 1) & mask) {
      const v = slots[2 * s + 1]!;
      if (v === EMPTY) return absent;
      if (slots[2 * s] === key) return v;
    }
  }

  /** The slot of an address, added with `initial` as its value when new. Slots move when the table grows: use it at once. */
  insert(ip: number, initial: number): number {
    if (initial === EMPTY) throw new RangeError('observable index: -2^31 cannot be stored');
    if ((this.#count + 1) * 10 > (this.#mask + 1) * 7) this.#grow();
    const key = ip | 0;
    const slots = this.#slots;
    let s = spread(key) & this.#mask;
    for (; ; s = (s + 1) & this.#mask) {
      if (slots[2 * s + 1] === EMPTY) break;
      if (slots[2 * s] === key) return s;
    }
    slots[2 * s] = key;
    slots[2 * s + 1] = initial;
    this.#count++;
    return s;
  }

  /** The value in a slot. */
  value(slot: number): number {
    return this.#slots[2 * slot + 1]!;
  }

  /** Sets the value in a slot (anything but -2^31). */
  setValue(slot: number, v: number): void {
    if (v === EMPTY) throw new RangeError('observable index: -2^31 cannot be stored');
    this.#slots[2 * slot + 1] = v;
  }

  #grow(): void {
    const old = this.#slots;
    const size = (this.#mask + 1) * 2;
    const slots = Ipv4Table.#empty(size);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += 2) {
      const v = old[at + 1]!;
      if (v === EMPTY) continue;
      const k = old[at]!;
      let s = spread(k) & mask;
      while (slots[2 * s + 1] !== EMPTY) s = (s + 1) & mask;
      slots[2 * s] = k;
      slots[2 * s + 1] = v;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
