import type { ControlledTransaction, Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** How many handed-over writes may wait for the side connection before the ingest waits for them (memory bound). */
const MAX_WAITING = 4;

/**
 * The writes an ingest hands to a second transaction on a connection of its own (PostgreSQL: Storage.side), so that
 * the server runs them while the ingest's own connection writes the next batch: the warninglist hits of each written
 * slice, ~4–10 µs of the server a CSV line on the ingest's path (issue 17). They stand or
 * fall with the ingest: the side transaction commits only after the ingest's did and rolls back with it; the work
 * handed over must only write tables the ingest's transaction does not (it cannot see the ingest's rows, nor they its).
 * Between the two commits a crash loses the side's rows alone, which their readers make again (an analysis run syncs
 * the hits). Without a side connection (PGlite: one connection)
 * the work runs at once on the ingest's transaction, as it did before.
 * @example await ingest.side.run((db) => warninglists.recordListed(listed, db)) // handed over: returns before it is done
 */
export class IngestSide {
  readonly #side: Kysely<Database> | undefined;
  readonly #main: Kysely<Database>;
  #trx: Promise<ControlledTransaction<Database>> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #waiting = 0;
  #failure: { readonly err: unknown } | undefined;

  constructor(side: Kysely<Database> | undefined, main: Kysely<Database>) {
    this.#side = side;
    this.#main = main;
  }

  /**
   * Runs `work` after the work handed over before it: on the side transaction (opened by the first), or now on the
   * ingest's own without a side connection. Throws the first failure of the work handed over before, if any.
   */
  async run(work: (db: Kysely<Database>) => Promise<void>): Promise<void> {
    if (!this.#side) return work(this.#main);
    if (this.#failure) throw this.#failure.err;
    if (this.#waiting >= MAX_WAITING) await this.#chain;
    const side = this.#side;
    this.#waiting++;
    this.#chain = this.#chain.then(async () => {
      try {
        if (!this.#failure) await work(await (this.#trx ??= side.startTransaction().execute()));
      } catch (err) {
        this.#failure ??= { err };
      } finally {
        this.#waiting--;
      }
    });
  }

  /**
   * A read made now on the side's other connection, outside both transactions (it sees committed rows alone), beside
   * the ingest's own statements: a batch's line probe made while the batch before it is written (issue 17). Undefined
   * without a side connection.
   * @example const probed = side.ahead((db) => probeLines(db, lines, at)) // then await it, or read in the transaction
   */
  ahead<T>(read: (db: Kysely<Database>) => Promise<T>): Promise<T> | undefined {
    return this.#side && read(this.#side);
  }

  /** Whether reads can be made ahead (`ahead`): there is a side connection. */
  get aheadable(): boolean {
    return this.#side !== undefined;
  }

  /** Waits for the work handed over, and throws its first failure (the ingest then rolls back). */
  async drain(): Promise<void> {
    await this.#chain;
    if (this.#failure) throw this.#failure.err;
  }

  /** After the ingest's commit: commits the side transaction. Its failure is answered, not thrown (see the class). */
  async commit(): Promise<unknown> {
    await this.#chain;
    const trx = await this.#take();
    if (!trx) return undefined;
    return trx.commit().execute().then(
      () => undefined,
      (err: unknown) => err,
    );
  }

  /** With the ingest's rollback: rolls the side transaction back, once its work has stopped. Never throws. */
  async rollback(): Promise<void> {
    await this.#chain;
    const trx = await this.#take();
    await trx?.rollback().execute().catch(() => {});
  }

  // The side transaction, once: a second commit or rollback finds none.
  async #take(): Promise<ControlledTransaction<Database> | undefined> {
    const opened = this.#trx;
    this.#trx = undefined;
    return opened?.catch(() => undefined);
  }
}
