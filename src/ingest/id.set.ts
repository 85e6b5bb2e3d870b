const SLOT = 5; // words a slot: the type's number + 1 (0: empty), then the UUID's 128 bits

/**
 * A set of STIX ids that keeps an id of the usual form (`type--` and a lower-case UUID) as 20 bytes in a hash table
 * over a typed array rather than as a string in a Set (~100 bytes): the whole-file checks of an ingest given in
 * slices remember every id of the file (issue 17, memory flat at 1,000,000 rows). Exact: any other id is kept as
 * its string.
 * @example const ids = new IdSet(); ids.add('indicator--6ba7b810-9dad-11d1-80b4-00c04fd430c8'); ids.has('indicator--6ba7b810-9dad-11d1-80b4-00c04fd430c8') // true
 */
export class IdSet {
  readonly #types = new Map<string, number>();
  readonly #other = new Set<string>();
  #table = new Uint32Array(SLOT * 1024);
  #mask = 1023;
  #count = 0;

  get size(): number {
    return this.#count + this.#other.size;
  }

  add(id: string): this {
    this.addNew(id);
    return this;
  }

  /**
   * Adds an id; true when it was not in the set yet. One parse of the id and one probe, where `has` and then `add`
   * made two of each (a CSV parse asks this of every object it makes: issue 17).
   * @example const ids = new IdSet(); ids.addNew('url--6ba7b811-9dad-11d1-80b4-00c04fd430c8') // true, and false the second time
   */
  addNew(id: string): boolean {
    const at = id.indexOf('--');
    if (at <= 0 || !uuidWords(id, at + 2)) {
      const before = this.#other.size;
      return this.#other.add(id).size > before;
    }
    const type = id.slice(0, at);
    let t = this.#types.get(type);
    if (t === undefined) this.#types.set(type, (t = this.#types.size + 1));
    const a = W[0]!, b = W[1]!, c = W[2]!, d = W[3]!;
    // Grown first (at most one id early), so that the empty slot the probe ends at is where the id goes.
    if ((this.#count + 1) * 2 > this.#mask + 1) this.#grow();
    const table = this.#table;
    for (let i = hash(t, a, b, c, d) & this.#mask; ; i = (i + 1) & this.#mask) {
      const o = i * SLOT;
      const slot = table[o];
      if (slot === 0) {
        table[o] = t;
        table[o + 1] = a;
        table[o + 2] = b;
        table[o + 3] = c;
        table[o + 4] = d;
        this.#count++;
        return true;
      }
      if (slot === t && table[o + 1] === a && table[o + 2] === b && table[o + 3] === c && table[o + 4] === d) return false;
    }
  }

  has(id: string): boolean {
    const at = id.indexOf('--');
    if (at <= 0 || !uuidWords(id, at + 2)) return this.#other.has(id);
    const t = this.#types.get(id.slice(0, at));
    if (t === undefined) return false;
    return this.#find(t, W[0]!, W[1]!, W[2]!, W[3]!) >= 0;
  }

  // The slot holding the id, or -1.
  #find(t: number, a: number, b: number, c: number, d: number): number {
    const table = this.#table;
    for (let i = hash(t, a, b, c, d) & this.#mask; ; i = (i + 1) & this.#mask) {
      const o = i * SLOT;
      if (table[o] === 0) return -1;
      if (table[o] === t && table[o + 1] === a && table[o + 2] === b && table[o + 3] === c && table[o + 4] === d) return i;
    }
  }

  #put(t: number, a: number, b: number, c: number, d: number): void {
    const table = this.#table;
    let i = hash(t, a, b, c, d) & this.#mask;
    while (table[i * SLOT] !== 0) i = (i + 1) & this.#mask;
    const o = i * SLOT;
    table[o] = t;
    table[o + 1] = a;
    table[o + 2] = b;
    table[o + 3] = c;
    table[o + 4] = d;
  }

  #grow(): void {
    const old = this.#table;
    this.#table = new Uint32Array(old.length * 2);
    this.#mask = this.#mask * 2 + 1;
    for (let o = 0; o < old.length; o += SLOT) if (old[o] !== 0) this.#put(old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!, old[o + 4]!);
  }
}

// The 128 bits of the UUID that `id` holds from `from` to its end, as four unsigned 32-bit words in W (the first 8 hex
// digits, the next 8 across the dashes, …); false when that is not a lower-case UUID. One pass over the characters:
// a regular expression, four slices and four parseInts cost a parse worker a tenth of a CSV row (issue 17).
const W = new Uint32Array(4);
function uuidWords(id: string, from: number): boolean {
  if (id.length - from !== 36) return false;
  let w = 0;
  let k = 0;
  let n = 0;
  for (let i = 0; i < 36; i++) {
    const ch = id.charCodeAt(from + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (ch !== 0x2d) return false;
      continue;
    }
    let v: number;
    if (ch >= 0x30 && ch <= 0x39) v = ch - 0x30;
    else if (ch >= 0x61 && ch <= 0x66) v = ch - 0x57;
    else return false;
    w = (w << 4) | v;
    if (++n === 8) {
      W[k++] = w;
      w = 0;
      n = 0;
    }
  }
  return true;
}

function hash(t: number, a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ t, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(c, 0xc2b2ae35) ^ d;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
