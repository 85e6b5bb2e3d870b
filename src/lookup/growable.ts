/** An Int32Array that grows; the observable index keeps millions of numbers without per-item objects. */
export class GrowableInt32 {
  #data: Int32Array;
  #length = 0;

  constructor(capacity = 1024) {
    this.#data = new Int32Array(capacity);
  }

  /** Number of items. */
  get length(): number {
    return this.#length;
  }

  /** Appends a value and returns its position. */
  push(v: number): number {
    if (this.#length === this.#data.length) {
      const next = new Int32Array(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.#length] = v;
    return this.#length++;
  }

  /** The value at a position. */
  get(i: number): number {
    return this.#data[i]!;
  }

  /** Overwrites the value at a position. */
  set(i: number, v: number): void {
    this.#data[i] = v;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#data.byteLength;
  }
}

/** Interns strings to small integers (organisation ids, user ids, object ids). */
export class Interner {
  readonly #index = new Map<string, number>();
  readonly #values: string[] = [];

  /** The number of a string, adding it when new. */
  intern(s: string): number {
    let i = this.#index.get(s);
    if (i === undefined) {
      i = this.#values.length;
      this.#values.push(s);
      this.#index.set(s, i);
    }
    return i;
  }

  /** The number of a string, or -1 when unknown. */
  find(s: string): number {
    return this.#index.get(s) ?? -1;
  }

  /** The string of a number. */
  value(i: number): string {
    return this.#values[i]!;
  }

  /** How many strings. */
  get size(): number {
    return this.#values.length;
  }
}
