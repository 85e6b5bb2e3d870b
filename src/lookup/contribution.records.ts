import { Interner } from './growable.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// One record per contribution, 28 bytes: word (int32), user (int32), STIX type number (uint16), two spare
// bytes, the object's UUID (16 bytes). What a match reads of a contribution sits in one or two cache lines.
const STRIDE = 28;
const INTS = STRIDE / 4;
const ODD = 0xffff;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/**
 * The observable index's contributions as fixed-size records in one buffer: the policy word (organisation,
 * flags, TLP), the user, and the object id packed as a type number and 16 bytes (a tenth of the memory of the
 * strings, for the tens of millions of ids the index holds).
 */
export class ContributionRecords {
  readonly #types = new Interner();
  readonly #odd = new Map<number, string>();
  #ints: Int32Array;
  #bytes: Uint8Array;
  #length = 0;

  constructor(capacity = 1 << 16) {
    this.#ints = new Int32Array(capacity * INTS);
    this.#bytes = new Uint8Array(this.#ints.buffer);
  }

  /** Number of records. */
  get length(): number {
    return this.#length;
  }

  /** Stores a contribution and returns its number. */
  push(word: number, user: number, objectId: string): number {
    if ((this.#length + 1) * INTS > this.#ints.length) {
      const next = new Int32Array(this.#ints.length * 2);
      next.set(this.#ints);
      this.#ints = next;
      this.#bytes = new Uint8Array(next.buffer);
    }
    const i = this.#length;
    const sep = objectId.indexOf('--');
    this.#ints[i * INTS] = word;
    this.#ints[i * INTS + 1] = user;
    const o = i * STRIDE;
    const type = sep < 1 || !UUID.test(objectId.slice(sep + 2)) ? ODD : this.#types.intern(objectId.slice(0, sep));
    // An id that is not type--UUID (the validator lets none in, but an index must never fail a committed
    // ingest) or a 65,536th type is kept whole beside the records.
    if (type >= ODD) {
      this.#bytes[o + 8] = 0xff;
      this.#bytes[o + 9] = 0xff;
      this.#odd.set(i, objectId);
      return this.#length++;
    }
    this.#bytes[o + 8] = type & 0xff;
    this.#bytes[o + 9] = type >>> 8;
    for (let k = 0, p = sep + 2; k < 16; k++) {
      if (objectId.charCodeAt(p) === 45) p++; // '-'
      this.#bytes[o + 12 + k] = (nibble(objectId.charCodeAt(p)) << 4) | nibble(objectId.charCodeAt(p + 1));
      p += 2;
    }
    return this.#length++;
  }

  /** The policy word of a record. */
  word(i: number): number {
    return this.#ints[i * INTS]!;
  }

  /** Overwrites the policy word of a record. */
  setWord(i: number, w: number): void {
    this.#ints[i * INTS] = w;
  }

  /** The user number of a record. */
  user(i: number): number {
    return this.#ints[i * INTS + 1]!;
  }

  /** The STIX type of a record's object. */
  type(i: number): string {
    const o = i * STRIDE;
    const t = this.#bytes[o + 8]! | (this.#bytes[o + 9]! << 8);
    if (t !== ODD) return this.#types.value(t);
    const id = this.#odd.get(i)!;
    const sep = id.indexOf('--');
    return sep < 0 ? id : id.slice(0, sep);
  }

  /** The object id as text. */
  id(i: number): string {
    // Built from a table of byte pairs: cheaper than a hex slice of the buffer and five substrings.
    const b = this.#bytes;
    const o = i * STRIDE + 12;
    if ((b[o - 4]! & b[o - 3]!) === 0xff) return this.#odd.get(i)!;
    const h = (k: number) => HEX[b[o + k]!]!;
    return this.type(i) + '--' + h(0) + h(1) + h(2) + h(3) + '-' + h(4) + h(5) + '-' + h(6) + h(7) + '-' + h(8) + h(9) + '-' + h(10) + h(11) + h(12) + h(13) + h(14) + h(15);
  }

  /** True when two records name the same object. */
  same(a: number, b: number): boolean {
    if (a === b) return true;
    if (this.#odd.size && (this.#odd.has(a) || this.#odd.has(b))) return this.id(a) === this.id(b);
    const x = a * STRIDE;
    const y = b * STRIDE;
    for (let k = 8; k < STRIDE; k++) if (this.#bytes[x + k] !== this.#bytes[y + k]) return false;
    return true;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#ints.byteLength;
  }
}
