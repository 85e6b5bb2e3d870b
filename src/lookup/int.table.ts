import { mix } from './key.table.ts';

/** Positive 32-bit integers (database ids) → a number, in one typed array; a removed entry keeps its key with value -1. */
export class IntTable {
  #slots: Int32Array;
  #mask: number;
  #count = 0;

  constructor(capacity = 1 << 16) {
    const size = 1 << Math.max(4, Math.ceil(Math.log2(capacity)));
    this.#slots = new Int32Array(size * 2);
    this.#mask = size - 1;
  }

  /** The value of a key, or -1. */
  get(key: number): number {
    for (let s = mix(key) & this.#mask; ; s = (s + 1) & this.#mask) {
      const k = this.#slots[s * 2]!;
      if (k === key) return this.#slots[s * 2 + 1]!;
      if (k === 0) return -1;
    }
  }

  /** Sets the value of a key (a positive integer below 2^31); -1 forgets it. */
  set(key: number, value: number): void {
    if (!(key > 0 && key <= 0x7fff_ffff && Number.isInteger(key))) throw new RangeError(`observable index: id ${key} out of range`);
    if ((this.#count + 1) * 10 > (this.#mask + 1) * 7) this.#grow();
    let s = mix(key) & this.#mask;
    for (; ; s = (s + 1) & this.#mask) {
      const k = this.#slots[s * 2]!;
      if (k === key) break;
      if (k === 0) {
        if (value === -1) return;
        this.#slots[s * 2] = key;
        this.#count++;
        break;
      }
    }
    this.#slots[s * 2 + 1] = value;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  #grow(): void {
    const old = this.#slots;
    const size = (this.#mask + 1) * 2;
    this.#slots = new Int32Array(size * 2);
    this.#mask = size - 1;
    for (let at = 0; at < old.length; at += 2) {
      const k = old[at]!;
      if (k === 0) continue;
      let s = mix(k) & this.#mask;
      while (this.#slots[s * 2] !== 0) s = (s + 1) & this.#mask;
      this.#slots[s * 2] = k;
      this.#slots[s * 2 + 1] = old[at + 1]!;
    }
  }
}
