// Named prepared statements for the hub's reads (issue 17, docs/design/feed-lines.md section 8, item 0): a read sent
// as an unnamed statement is planned every time; through the knowledge views (four branches each) that planning is
// 4-10 times the execution of an object page's statements. A statement named once per connection lets PostgreSQL
// keep a plan: after five custom plans it compares a generic plan's cost with theirs and keeps the generic one when it
// is no dearer (plan_cache_mode=auto; a TAXII page, whose type filter prunes view branches only with its values
// known, stays on custom plans by that rule). This module decides which statements are named and keeps each
// connection's names; pg.statements.ts and pglite.statements.ts send them.

/** How many statements a connection keeps, how long, and which reads are worth a name. */
export interface StatementCachePolicy {
  /**
   * Statements kept per connection (least recently used closed first): each holds its query tree and plans in the
   * server's memory, ~0.35 MB for a read through the knowledge views (PostgreSQL 15: 13 hot reads, 4.5 MB).
   */
  readonly capacity: number;
  /**
   * A statement is closed and prepared again after this long: a generic plan is made from the tables' sizes and
   * statistics of its day, and a table that grows without a new ANALYZE (PGlite never runs autovacuum; PostgreSQL's
   * comes a minute or more later) would keep a plan made for a small one (an empty table's sequential scan).
   */
  readonly maxAgeMs: number;
  /** Statements with more parameters are sent unnamed: their texts vary with a list's length and would churn the cache. */
  readonly maxParams: number;
}

/** The hub's policy: 40 reads a connection (≤ ~14 MB of the server's memory each), for 30 s each, of up to 64 parameters. */
export const STATEMENT_CACHE: StatementCachePolicy = { capacity: 40, maxAgeMs: 30_000, maxParams: 64 };

const READ = /^\s*(select|with)\b/i;

/**
 * Whether a statement is sent as a named prepared statement: a read (select or with, not a COPY payload) with few
 * enough parameters.
 * @example namedStatement('select * from contributions where object_id = $1', ['indicator--…']) // true
 */
export function namedStatement(text: string, params: readonly unknown[] | undefined, policy: StatementCachePolicy = STATEMENT_CACHE): boolean {
  return READ.test(text) && (params?.length ?? 0) <= policy.maxParams;
}

/**
 * The bulk writes (COPY) of one database, counted across its connections: a plan kept from before one may be a plan
 * for a much smaller table (a generic plan made while feed_lines was empty scans it: 100,000 lines written by COPY and
 * not yet analyzed, an object page took 125 ms on PostgreSQL and 470-720 ms on PGlite against 7 ms), so every
 * connection prepares its statements again after one, and its planner sees the tables' sizes of the day.
 * @example const writes = new BulkWrites(); writes.count(); new StatementCache(STATEMENT_CACHE, Date.now, writes)
 */
export class BulkWrites {
  #n = 0;

  /** How many bulk writes were sent. */
  get value(): number {
    return this.#n;
  }

  /** Records a bulk write. */
  count(): void {
    this.#n++;
  }
}

/** A statement a connection has prepared (or is preparing), under its name. */
export interface CachedStatement<T> {
  readonly name: string;
  readonly born: number;
  /** The bulk writes sent before it was prepared. */
  readonly writes: number;
  /** What the sender keeps of it once prepared (PGlite: its parameter types and row description). */
  data: T | undefined;
}

/** What a read needs: its statement, whether it must be prepared first, and the statements to close before. */
export interface Acquired<T> {
  readonly statement: CachedStatement<T>;
  readonly isNew: boolean;
  readonly close: readonly string[];
}

/**
 * One connection's named statements, by text, least recently used first. Names are never reused (a counter), so a
 * statement whose close failed can never be mistaken for a new one.
 * @example const c = new StatementCache<void>(); const { statement, isNew, close } = c.acquire('select 1')
 */
export class StatementCache<T> {
  readonly #policy: StatementCachePolicy;
  readonly #now: () => number;
  readonly #writes: BulkWrites;
  readonly #byText = new Map<string, CachedStatement<T>>();
  #pendingClose: string[] = [];
  #next = 1;

  constructor(policy: StatementCachePolicy = STATEMENT_CACHE, now: () => number = Date.now, writes: BulkWrites = new BulkWrites()) {
    this.#policy = policy;
    this.#now = now;
    this.#writes = writes;
  }

  /** How many statements are kept. */
  get size(): number {
    return this.#byText.size;
  }

  /**
   * The statement for a text: the one kept (made the most recent), or a new name when there is none, or it is too old
   * or older than a bulk write; `close` names what the connection must close first (those, and the least recently used
   * beyond the capacity).
   */
  acquire(text: string): Acquired<T> {
    const close = this.#pendingClose;
    this.#pendingClose = [];
    const now = this.#now();
    const writes = this.#writes.value;
    const kept = this.#byText.get(text);
    if (kept) {
      this.#byText.delete(text);
      if (now - kept.born <= this.#policy.maxAgeMs && kept.writes === writes) {
        this.#byText.set(text, kept);
        return { statement: kept, isNew: false, close };
      }
      close.push(kept.name);
    }
    while (this.#byText.size >= this.#policy.capacity) {
      const [oldest, s] = this.#byText.entries().next().value as [string, CachedStatement<T>];
      this.#byText.delete(oldest);
      close.push(s.name);
    }
    const statement: CachedStatement<T> = { name: `k${this.#next++}`, born: now, writes, data: undefined };
    this.#byText.set(text, statement);
    return { statement, isNew: true, close };
  }

  /** Forgets a statement the server does not hold (its preparation failed); its name is not closed. */
  forget(text: string, name: string): void {
    if (this.#byText.get(text)?.name === name) this.#byText.delete(text);
  }

  /** Drops a statement the server holds (its plan is stale): its name is closed before the next statement. */
  drop(text: string, name: string): void {
    if (this.#byText.get(text)?.name !== name) return;
    this.#byText.delete(text);
    this.#pendingClose.push(name);
  }

  /** Names whose close failed, to be closed before the next statement. */
  closeLater(names: readonly string[]): void {
    this.#pendingClose.push(...names);
  }
}

/** The error PostgreSQL raises when a prepared statement's result columns changed under it (a table altered). */
export function resultTypeChanged(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test(String((err as { message?: unknown }).message));
}
