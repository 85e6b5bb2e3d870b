import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PGliteDialectConfig } from 'kysely';

type KyselyPglite = Exclude<PGliteDialectConfig['pglite'], (...args: never[]) => unknown>;

/**
 * PGlite as Kysely sees it, but letting the event loop turn before every statement (issue 10.5).
 * PGlite runs PostgreSQL on this thread: without a turn between statements, a long write (an
 * ingest's batches, one after the other) holds health checks and every other request until it ends.
 * @example new Kysely({ dialect: new PGliteDialect({ pglite: yielding(pglite) }) })
 */
export function yielding(pglite: PGlite): KyselyPglite {
  const wrapTx = (tx: Transaction): Transaction =>
    Object.assign(Object.create(tx) as Transaction, {
      query: async (...args: Parameters<Transaction['query']>) => {
        await yieldToEventLoop();
        return tx.query(...args);
      },
    });
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
      return pglite.query(...args);
    },
    transaction: (cb) => pglite.transaction((tx) => cb(wrapTx(tx))),
  } as KyselyPglite;
}
