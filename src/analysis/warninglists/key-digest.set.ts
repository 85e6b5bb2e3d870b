/**
 * A set of strings kept as 64-bit digests in one typed array (issue 17, memory flat): ~16 bytes a member instead of
 * the string and a Map entry (~100 bytes for an observable key). Two keys with the same 64-bit digest count as one:
 * for a million keys the chance of any such pair is below 3 in 100,000,000; its only effect is one value fewer in
 * a count of warninglisted values. Not for anything a decision or the access policy rests on.
 * @example const s = new KeyDigestSet(); s.add('ipv4-addr:10.0.0.1') // true, then false for the same key
 */
export class KeyDigestSet {
  // Pairs of 32-bit halves; (0, 0) marks an empty slot (a digest of (0, 0) is stored as (0, 1)).
  #slots = new Uint32Array(2 * 1024);
  #size = 0;

  /** How many distinct digests the set holds. */
  get size(): number {
    return this.#size;
  }

  /** Whether a key's digest is in the set. */
  has(key: string): boolean {
    const [h, l] = digest(key);
    return this.#find(h, l) >= 0;
  }

  /** Adds a key; true when its digest was not there yet. */
  add(key: string): boolean {
    const [h, l] = digest(key);
    if (this.#find(h, l) >= 0) return false;
    if ((this.#size + 1) * 2 > this.#slots.length / 2) this.#grow();
    this.#put(h, l);
    this.#size++;
    return true;
  }

  #find(h: number, l: number): number {
    const s = this.#slots;
    const mask = s.length / 2 - 1;
    for (let i = l & mask; ; i = (i + 1) & mask) {
      const a = s[2 * i]!, b = s[2 * i + 1]!;
      if (a === 0 && b === 0) return -1;
      if (a === h && b === l) return i;
    }
  }

  #put(h: number, l: number): void {
    const s = this.#slots;
    const mask = s.length / 2 - 1;
    let i = l & mask;
    while (s[2 * i] !== 0 || s[2 * i + 1] !== 0) i = (i + 1) & mask;
    s[2 * i] = h;
    s[2 * i + 1] = l;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.#put(old[i]!, old[i + 1]!);
  }
}

/** Two independent 32-bit hashes of the key's UTF-16 code units (FNV-1a and a multiply-rotate mix), never both 0. */
function digest(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0xcc9e2d51);
    b = (b << 15) | (b >>> 17);
    b = Math.imul(b, 0x1b873593);
  }
  // Final avalanche of the low half: it chooses the slot.
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  b ^= b >>> 13;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  a >>>= 0;
  b >>>= 0;
  return a === 0 && b === 0 ? [0, 1] : [a, b];
}
