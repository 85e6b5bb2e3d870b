import { Interner } from './growable.ts';

/**
 * STIX ids packed as a type number and 16 UUID bytes: a tenth of the memory of the strings,
 * for the tens of millions of ids the observable index holds.
 */
export class PackedIds {
  readonly #types = new Interner();
  #type = new Uint16Array(1 << 16);
  #bytes: Buffer = Buffer.alloc(16 << 16);
  #length = 0;

  /** Stores an id and returns its number. */
  push(id: string): number {
    if (this.#length === this.#type.length) {
      const t = new Uint16Array(this.#type.length * 2);
      t.set(this.#type);
      this.#type = t;
      const b = Buffer.alloc(this.#bytes.length * 2);
      this.#bytes.copy(b);
      this.#bytes = b;
    }
    const sep = id.indexOf('--');
    this.#type[this.#length] = this.#types.intern(id.slice(0, sep));
    this.#bytes.write(id.slice(sep + 2).replaceAll('-', ''), this.#length * 16, 16, 'hex');
    return this.#length++;
  }

  /** The STIX type of an id. */
  type(i: number): string {
    return this.#types.value(this.#type[i]!);
  }

  /** The id as text. */
  id(i: number): string {
    const h = this.#bytes.toString('hex', i * 16, i * 16 + 16);
    return `${this.type(i)}--${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** True when two numbers hold the same id. */
  same(a: number, b: number): boolean {
    if (a === b) return true;
    if (this.#type[a] !== this.#type[b]) return false;
    const x = a * 16;
    const y = b * 16;
    for (let i = 0; i < 16; i++) if (this.#bytes[x + i] !== this.#bytes[y + i]) return false;
    return true;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#type.byteLength + this.#bytes.byteLength;
  }
}
