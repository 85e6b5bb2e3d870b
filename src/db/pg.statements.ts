import type pg from 'pg';
import { copyOf } from './copy.ts';
import { BulkWrites, namedStatement, resultTypeChanged, STATEMENT_CACHE, StatementCache, type StatementCachePolicy } from './statement.cache.ts';

type Query = (...args: unknown[]) => Promise<unknown>;

/** The statements node-postgres believes the server holds for this client (it sends a named statement's Parse once). */
function parsedStatements(client: pg.Client): Record<string, string> {
  return (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;
}

/**
 * Makes a node-postgres client send the hub's reads as named prepared statements (statement.cache.ts), so that
 * PostgreSQL can keep their plans on this connection; every other query is unchanged. For the pool's `connect` event,
 * after `copying`; `writes` is shared by the pool's clients (a COPY on one makes every client prepare its statements
 * again). A statement closed (least recently used, too old, older than a COPY) is deallocated before the next read;
 * one whose result columns changed under it (a migration) is prepared again, and the read repeated when no
 * transaction was open.
 * @example const writes = new BulkWrites(); pool.on('connect', (client) => preparing(client, STATEMENT_CACHE, writes))
 */
export function preparing(client: pg.Client, policy: StatementCachePolicy = STATEMENT_CACHE, writes: BulkWrites = new BulkWrites()): void {
  const cache = new StatementCache<void>(policy, Date.now, writes);
  const query = client.query.bind(client) as Query;
  const close = async (names: readonly string[]): Promise<void> => {
    for (const name of names) {
      delete parsedStatements(client)[name];
      try {
        await query(`deallocate ${name}`);
      } catch (err) {
        // Refused in a failed transaction: tried again before a later read. (A connection lost meanwhile lost it too.)
        if ((err as { code?: unknown }).code === '25P02') cache.closeLater([name]);
      }
    }
  };
  const named = async (text: string, values: unknown[], again: boolean): Promise<unknown> => {
    const { statement, isNew, close: first } = cache.acquire(text);
    if (first.length) await close(first);
    try {
      return await query({ name: statement.name, text, values });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (isNew && !(statement.name in parsedStatements(client))) cache.forget(text, statement.name);
      else if (code === '26000') {
        // The server no longer holds it (a DISCARD ALL or DEALLOCATE ALL on this connection): prepared again.
        delete parsedStatements(client)[statement.name];
        cache.forget(text, statement.name);
        if (again && client.getTransactionStatus() === 'I') return named(text, values, false);
      } else if (resultTypeChanged(err)) {
        cache.drop(text, statement.name);
        if (again && client.getTransactionStatus() === 'I') return named(text, values, false);
      }
      throw err;
    }
  };
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && copyOf(text, values as unknown[] | undefined)) writes.count();
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values) || !namedStatement(text, values, policy)) return query(...args);
    return named(text, values, true);
  }) as typeof client.query;
}
