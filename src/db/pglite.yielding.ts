import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { copyOf } from './copy.ts';
import { fromBlob, withStateOf, type PgliteHandle, type PgliteResults, type PgliteTx } from './pglite.handle.ts';
import type { PgliteStatements } from './pglite.statements.ts';

type Query = PGlite['query'];

// A CopyPayload query (copy.ts) becomes PGlite's COPY from a blob: the same rows, one statement; a read goes through its
// named statement when the instance has them (pglite.statements.ts).
function copying(query: Query, statements?: PgliteStatements, prepared?: Query): Query {
  return ((text: string, params?: unknown[], options?: Parameters<Query>[2]) => {
    const copy = copyOf(text, params);
    if (!copy) return (prepared ?? query)(text, params, options);
    statements?.bulkWrite();
    return query(fromBlob(copy.statement), [], { ...options, blob: new Blob([copy.payload.text]) });
  }) as Query;
}

/**
 * PGlite on the main thread (`KESSETSU_PGLITE_THREAD=main`) as the hub sees it, letting the event loop turn before
 * every statement (issue 10.5). PGlite then runs PostgreSQL on this thread: without a turn between statements, a
 * long write (an ingest's batches, one after the other) holds health checks and every other request until it ends.
 * @example new Kysely({ dialect: new PGliteDialect({ pglite: yielding(pglite) }) })
 */
export function yielding(pglite: PGlite, statements?: PgliteStatements): PgliteHandle {
  const named = (on: PGlite | Transaction, inTransaction: boolean): Query | undefined =>
    statements && (((text: string, params?: unknown[], options?: Parameters<Query>[2]) => statements.query(on, inTransaction, text, params, options)) as Query);
  const wrapTx = (tx: Transaction): PgliteTx => {
    const query = copying(tx.query.bind(tx) as Query, statements, named(tx, true));
    return {
      query: async <T>(...args: Parameters<PgliteTx['query']>) => {
        await yieldToEventLoop();
        return (await query(...args)) as PgliteResults<T>;
      },
      exec: (sql) => tx.exec(sql),
      rollback: () => tx.rollback(),
      get closed() {
        return tx.closed;
      },
    };
  };
  const query = copying(pglite.query.bind(pglite) as Query, statements, named(pglite, false));
  return withStateOf(pglite, {
    close: () => pglite.close(),
    query: async <T>(...args: Parameters<PgliteTx['query']>) => {
      await yieldToEventLoop();
      return (await query(...args)) as PgliteResults<T>;
    },
    exec: (sql) => pglite.exec(sql),
    transaction: (cb) => pglite.transaction((tx) => cb(wrapTx(tx))),
    listen: (channel, onMessage) => pglite.listen(channel, onMessage),
  });
}
