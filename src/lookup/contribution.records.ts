import { Interner } from './growable.ts';

const DIGITS = '0123456789abcdef';
// The character codes of the high and low hex digit of each byte.
const HI = Uint8Array.from({ length: 256 }, (_, i) => DIGITS.charCodeAt(i >>> 4));
const LO = Uint8Array.from({ length: 256 }, (_, i) => DIGITS.charCodeAt(i & 15));
const DASH = 45;
// One record per contribution, 28 bytes: word (int32), user (int32), STIX type number (uint16), two spare
// bytes, the object's UUID (16 bytes). What a match reads of a contribution sits in one or two cache lines.
const STRIDE = 28;
const INTS = STRIDE / 4;
const ODD = 0xffff;

// The value of a hex digit (either case), or -1.
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

// True when id[from…] is a UUID in its 8-4-4-4-12 hex spelling (either case) and nothing more.
function isUuidAt(id: string, from: number): boolean {
  if (id.length - from !== 36) return false;
  for (let k = 0; k < 36; k++) {
    const c = id.charCodeAt(from + k);
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return false;
    } else if (nibble(c) < 0) return false;
  }
  return true;
}

/**
 * The observable index's contributions as fixed-size records in one buffer: the policy word (organisation,
 * flags, TLP), the user, and the object id packed as a type number and 16 bytes (a tenth of the memory of the
 * strings, for the tens of millions of ids the index holds).
 */
export class ContributionRecords {
  readonly #types = new Interner();
  readonly #odd = new Map<number, string>();
  readonly #prefixes: string[] = [];
  #ints: Int32Array;
  #bytes: Uint8Array;
  #length = 0;
  // The type of the last id pushed: ingests and loads come in runs of one type, so most pushes skip the interner.
  #lastType = '';
  #lastTypeNumber = -1;

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
    const type = sep < 1 || !isUuidAt(objectId, sep + 2) ? ODD : this.#typeNumber(objectId, sep);
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

  #typeNumber(objectId: string, sep: number): number {
    const last = this.#lastType;
    if (sep === last.length && objectId.startsWith(last)) return this.#lastTypeNumber;
    const type = objectId.slice(0, sep);
    this.#lastType = type;
    return (this.#lastTypeNumber = this.#types.intern(type));
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
    const b = this.#bytes;
    const o = i * STRIDE + 12;
    const t = b[o - 4]! | (b[o - 3]! << 8);
    if (t === ODD) return this.#odd.get(i)!;
    // The UUID as one flat string from its 36 character codes: a chain of 2-character pieces would leave a rope
    // of 17 strings per id for the garbage collector and the JSON writer (a lookup answers hundreds of thousands).
    const H = HI;
    const L = LO;
    const uuid = String.fromCharCode(
      H[b[o]!]!, L[b[o]!]!, H[b[o + 1]!]!, L[b[o + 1]!]!, H[b[o + 2]!]!, L[b[o + 2]!]!, H[b[o + 3]!]!, L[b[o + 3]!]!, DASH,
      H[b[o + 4]!]!, L[b[o + 4]!]!, H[b[o + 5]!]!, L[b[o + 5]!]!, DASH,
      H[b[o + 6]!]!, L[b[o + 6]!]!, H[b[o + 7]!]!, L[b[o + 7]!]!, DASH,
      H[b[o + 8]!]!, L[b[o + 8]!]!, H[b[o + 9]!]!, L[b[o + 9]!]!, DASH,
      H[b[o + 10]!]!, L[b[o + 10]!]!, H[b[o + 11]!]!, L[b[o + 11]!]!, H[b[o + 12]!]!, L[b[o + 12]!]!, H[b[o + 13]!]!, L[b[o + 13]!]!, H[b[o + 14]!]!, L[b[o + 14]!]!, H[b[o + 15]!]!, L[b[o + 15]!]!,
    );
    return this.#prefix(t) + uuid;
  }

  // "<type>--" per type number, made once.
  #prefix(t: number): string {
    return (this.#prefixes[t] ??= this.#types.value(t) + '--');
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
