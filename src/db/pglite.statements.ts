import { parse as results, protocol, type PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import type { PgliteQueryOptions } from './pglite.handle.ts';
import { BulkWrites, namedStatement, resultTypeChanged, STATEMENT_CACHE, StatementCache, type StatementCachePolicy } from './statement.cache.ts';

type Message = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

/** What a prepared statement needs at each execution: its parameters' types and the description of its rows. */
interface Prepared {
  readonly types: readonly number[];
  readonly rowDescription: Message | undefined;
}

const wire = protocol.serialize;

function joined(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * PGlite's reads as named prepared statements (statement.cache.ts), through its protocol as PGlite's own `query` does
 * it (Parse, Describe, Bind, Execute, Sync) but with a statement name, so that PostgreSQL keeps their plans: the
 * first read of a text prepares it (Parse and Describe, its parameter types and row description kept), the next ones
 * send Bind, Execute and Sync in one message. Every other statement goes through PGlite's `query` unchanged. PGlite
 * is one connection: one cache per instance, its statements closed by Close messages (allowed in a failed
 * transaction, and no error for a name the server does not hold).
 * @example const s = new PgliteStatements(pglite); await s.query(pglite, false, 'select $1::int as n', [1])
 */
export class PgliteStatements {
  readonly #pglite: PGlite;
  readonly #policy: StatementCachePolicy;
  readonly #cache: StatementCache<Prepared>;
  readonly #writes = new BulkWrites();

  constructor(pglite: PGlite, policy: StatementCachePolicy = STATEMENT_CACHE) {
    this.#pglite = pglite;
    this.#policy = policy;
    this.#cache = new StatementCache<Prepared>(policy, Date.now, this.#writes);
  }

  /** Records a bulk write (a COPY): the statements are prepared again, planned for the tables' new sizes. */
  bulkWrite(): void {
    this.#writes.count();
  }

  /** How many statements are prepared. */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * One statement on PGlite (`inTransaction` false: it waits for an open transaction to end, as `query` does) or in its
   * open transaction `on`: a read through its named statement, anything else through `on.query`.
   */
  query<T>(on: PGlite | Transaction, inTransaction: boolean, text: string, params: unknown[] | undefined, options?: PgliteQueryOptions): Promise<Results<T>> {
    if (!namedStatement(text, params, this.#policy) || (options && 'blob' in options)) return on.query<T>(text, params, options);
    const pglite = this.#pglite;
    const run = () => pglite.runExclusive(() => this.#named<T>(text, params ?? [], options, inTransaction, true));
    return inTransaction ? run() : pglite._runExclusiveTransaction(run);
  }

  async #named<T>(text: string, params: unknown[], options: PgliteQueryOptions | undefined, inTransaction: boolean, again: boolean): Promise<Results<T>> {
    const pglite = this.#pglite;
    const { statement, isNew, close } = this.#cache.acquire(text);
    try {
      if (close.length) await pglite.execProtocolStream(joined([...close.map((name) => wire.close({ type: 'S', name })), wire.sync()]), { syncToFs: false, throwOnError: false });
      if (isNew) {
        const described = await pglite.execProtocolStream(joined([wire.parse({ name: statement.name, text }), wire.describe({ type: 'S', name: statement.name }), wire.sync()]), { syncToFs: false });
        statement.data = { types: results.parseDescribeStatementResults(described), rowDescription: described.find((m) => m.name === 'rowDescription') };
      }
      const { types, rowDescription } = statement.data!;
      // As PGlite's query serialises them: by the parameter's type, text otherwise.
      const values = params.map((v, i) => {
        if (v === null || v === undefined) return null;
        const serialize = pglite.serializers[types[i]!];
        return serialize ? serialize(v) : String(v);
      });
      const messages = await pglite.execProtocolStream(joined([wire.bind({ statement: statement.name, values }), wire.execute({}), wire.sync()]), { syncToFs: !inTransaction });
      return results.parseResults(rowDescription ? [rowDescription, ...messages] : messages, pglite.parsers, options)[0] as Results<T>;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (!statement.data || code === '26000' || resultTypeChanged(err)) {
        // Not prepared, no longer held (a DEALLOCATE ALL), or its result columns changed (a table altered): prepared
        // again next time, and this read repeated now when no transaction is open.
        this.#cache.drop(text, statement.name);
        if (statement.data && again && !inTransaction && !pglite.isInTransaction()) return this.#named<T>(text, params, options, inTransaction, false);
      }
      // As PGlite's query gives its errors: with the statement, its parameters and options.
      if (err instanceof Error && code !== undefined) Object.assign(err, { query: text, params, queryOptions: options });
      throw err;
    }
  }
}
