import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PGliteDialectConfig } from 'kysely';
import { copyOf } from './copy.ts';

type KyselyPglite = Exclude<PGliteDialectConfig['pglite'], (...args: never[]) => unknown>;
type Query = PGlite['query'];

// A CopyPayload query (copy.ts) becomes PGlite's COPY from a blob: the same rows, one statement.
function copying(query: Query): Query {
  return ((text: string, params?: unknown[], options?: Parameters<Query>[2]) => {
    const copy = copyOf(text, params);
    if (!copy) return query(text, params, options);
    return query(copy.statement.replace(/from stdin$/i, "from '/dev/blob'"), [], { ...options, blob: new Blob([copy.payload.text]) });
  }) as Query;
}

/**
 * PGlite as Kysely sees it, but letting the event loop turn before every statement (issue 10.5).
 * PGlite runs PostgreSQL on this thread: without a turn between statements, a long write (an
 * ingest's batches, one after the other) holds health checks and every other request until it ends.
 * @example new Kysely({ dialect: new PGliteDialect({ pglite: yielding(pglite) }) })
 */
export function yielding(pglite: PGlite): KyselyPglite {
  const wrapTx = (tx: Transaction): Transaction => {
    const query = copying(tx.query.bind(tx) as Query);
    return Object.assign(Object.create(tx) as Transaction, {
      query: async (...args: Parameters<Transaction['query']>) => {
        await yieldToEventLoop();
        return query(...args);
      },
    });
  };
  const query = copying(pglite.query.bind(pglite) as Query);
  return {
    get closed() {
      return pglite.closed;
    },
    get ready() {
      return pglite.ready;
    },
    get waitReady() {
      return pglite.waitReady;
    },
    close: () => pglite.close(),
    query: async (...args: Parameters<PGlite['query']>) => {
      await yieldToEventLoop();
      return query(...args);
    },
    transaction: (cb) => pglite.transaction((tx) => cb(wrapTx(tx))),
  } as KyselyPglite;
}
