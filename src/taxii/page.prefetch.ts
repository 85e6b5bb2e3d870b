// A client walking a collection asks for page n+1 as soon as it has read page n. Reading page n+1 while
// page n travels and is parsed overlaps the database's work with the network's and the client's: with
// PostgreSQL (another process) that is real parallelism. One page ahead per walk, kept a few seconds at
// most, a bounded number of walks: memory stays constant whatever the collection size.

interface Entry<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

/** Options of the prefetch cache. */
export interface PrefetchOptions {
  /** Pages kept at most (one per walk in progress). */
  readonly max?: number;
  /** A page not asked for within this many ms is dropped. */
  readonly ttlMs?: number;
}

/** Pages computed ahead of the request that will ask for them, by key. */
export class PagePrefetch<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #max: number;
  readonly #ttl: number;

  constructor(opts: PrefetchOptions = {}) {
    this.#max = opts.max ?? 16;
    this.#ttl = opts.ttlMs ?? 2000;
  }

  /** Starts computing a page for a later request; a failure is forgotten (the request computes it again). */
  put(key: string, produce: () => Promise<T>): void {
    this.#expire(Date.now());
    if (this.#entries.has(key)) return;
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const value = produce();
    value.catch(() => this.#entries.delete(key));
    this.#entries.set(key, { at: Date.now(), value });
  }

  /** The page computed ahead for this key, once; undefined when there is none (or it is too old). */
  take(key: string): Promise<T> | undefined {
    this.#expire(Date.now());
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    return e.value;
  }

  /** Pages held now. */
  get size(): number {
    return this.#entries.size;
  }

  #expire(now: number): void {
    for (const [k, e] of this.#entries) {
      if (now - e.at <= this.#ttl) break;
      this.#entries.delete(k);
    }
  }
}
