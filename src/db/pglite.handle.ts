// What the hub uses of a PGlite instance, whichever thread it runs on: Kysely's PGliteDialect calls query,
// transaction, close, closed, ready and waitReady; the storage adds listen; the test harness resets with exec.

/** The rows of one statement. */
export interface PgliteResults<T = unknown> {
  readonly rows: T[];
  readonly affectedRows?: number | undefined;
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
}

/** Options of a query that cross to the worker. */
export interface PgliteQueryOptions {
  readonly rowMode?: 'object' | 'array';
}

/** An open transaction. */
export interface PgliteTx {
  query<T>(sql: string, params?: unknown[], options?: PgliteQueryOptions): Promise<PgliteResults<T>>;
  exec(sql: string): Promise<PgliteResults[]>;
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/** A PGlite instance on the main thread (pglite.yielding.ts) or in a worker (pglite-worker.client.ts). */
export interface PgliteHandle {
  readonly closed: boolean;
  readonly ready: boolean;
  readonly waitReady: Promise<void>;
  query<T>(sql: string, params?: unknown[], options?: PgliteQueryOptions): Promise<PgliteResults<T>>;
  exec(sql: string): Promise<PgliteResults[]>;
  transaction<T>(cb: (tx: PgliteTx) => Promise<T>): Promise<T>;
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Which thread PGlite runs on: its own worker (the default) or the hub's main thread. */
export type PgliteThread = 'worker' | 'main';

/** What a handle tells of its instance's state: read from the instance each time, never copied. */
type HandleState = Pick<PgliteHandle, 'closed' | 'ready' | 'waitReady'>;

/**
 * A handle made of `methods` whose state (closed, ready, waitReady) is the source instance's, read when asked.
 * @example const handle = withStateOf(pglite, { query, exec, transaction, listen, close })
 */
export function withStateOf(source: HandleState, methods: Omit<PgliteHandle, keyof HandleState>): PgliteHandle {
  return Object.defineProperties(methods, {
    closed: { get: () => source.closed, enumerable: true },
    ready: { get: () => source.ready, enumerable: true },
    waitReady: { get: () => source.waitReady, enumerable: true },
  }) as PgliteHandle;
}

/**
 * The same instance, but close() leaves it running: Kysely closes the instance it was given when destroyed, and a
 * shared one (the test harness') is closed by its owner.
 * @example new PGliteDialect({ pglite: unclosable(shared) })
 */
export function unclosable(pglite: PgliteHandle): PgliteHandle {
  return withStateOf(pglite, {
    query: (sql, params, options) => pglite.query(sql, params, options),
    exec: (sql) => pglite.exec(sql),
    transaction: (cb) => pglite.transaction(cb),
    listen: (channel, onMessage) => pglite.listen(channel, onMessage),
    close: async () => {},
  });
}

/**
 * A COPY … FROM STDIN statement (copy.ts) as PGlite runs it: from the blob given with the query.
 * @example fromBlob('copy t (a) from stdin') // "copy t (a) from '/dev/blob'"
 */
export function fromBlob(statement: string): string {
  return statement.replace(/from stdin$/i, "from '/dev/blob'");
}
