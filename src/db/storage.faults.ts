import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import { AppError } from '../shared/errors.ts';

/** What went wrong with the database, when it is the database's state and not the query. */
export type StorageFaultKind = 'unreachable' | 'disk_full';

// SQLSTATE classes and codes: 08 connection exceptions, 57P01-57P03 shutdown/crash/starting, 53100 disk full.
const UNREACHABLE_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const UNREACHABLE_MESSAGES = /Connection terminated|connection is not queryable|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed|terminating connection due to administrator command/i;
const DISK_FULL_MESSAGES = /No space left on device|ENOSPC|could not extend file/i;

/**
 * Classifies a database error: the server unreachable (restart, network) or out of disk space; null for
 * anything else (a constraint, bad SQL: the caller's business).
 */
export function classifyStorageError(err: unknown): StorageFaultKind | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === '53100' || code === 'ENOSPC' || DISK_FULL_MESSAGES.test(message)) return 'disk_full';
  if (code.startsWith('08') || UNREACHABLE_CODES.has(code) || UNREACHABLE_MESSAGES.test(message)) return 'unreachable';
  return null;
}

/** The error a caller sees for a database fault: 507 for a full disk, 503 with Retry-After when unreachable. */
export function storageFaultError(kind: StorageFaultKind): AppError {
  return kind === 'disk_full'
    ? new AppError('insufficient_storage', "the hub's database is out of disk space: nothing was stored; the hub's operators must free space (reads still work)", { reason: 'disk_full', retry_after: 60 })
    : new AppError('unavailable', "the hub's database is unreachable for the moment (restarting?): nothing was stored; retry shortly", { reason: 'database_unreachable', retry_after: 2 });
}

/** The latest fault of a database, for readiness: cleared by the next query that succeeds (an insert, for a full disk). */
export class StorageFaults {
  #current: { kind: StorageFaultKind; since: Date; message: string } | null = null;
  readonly #log: (kind: StorageFaultKind, message: string) => void;
  readonly #recovered: (kind: StorageFaultKind, since: Date) => void;

  constructor(log: (kind: StorageFaultKind, message: string) => void = () => {}, recovered: (kind: StorageFaultKind, since: Date) => void = () => {}) {
    this.#log = log;
    this.#recovered = recovered;
  }

  /** The fault the database is in now, if any. */
  get current(): { kind: StorageFaultKind; since: Date; message: string } | null {
    return this.#current;
  }

  /** Records a fault; the first of a kind is logged. */
  record(kind: StorageFaultKind, err: unknown): void {
    const message = err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300);
    if (this.#current?.kind !== kind) {
      this.#current = { kind, since: new Date(), message };
      this.#log(kind, message);
    }
  }

  /**
   * Records a query that succeeded: a full disk is over only once new rows were written (an update or
   * a DDL may fit in space already held; an insert that goes through means the database has room again).
   */
  succeeded(sql: string): void {
    if (!this.#current) return;
    if (this.#current.kind === 'disk_full' && !/^\s*(insert|copy)\b/i.test(sql)) return;
    const { kind, since } = this.#current;
    this.#current = null;
    this.#recovered(kind, since);
  }
}

/** How reads and connection attempts are retried while the server is unreachable: the pauses between attempts. */
export interface RetryPolicy {
  readonly pausesMs: readonly number[];
}

/** About 3.5 s in all: a PostgreSQL restart (fast mode) is usually over by then; longer outages answer 503. */
export const DEFAULT_RETRY: RetryPolicy = { pausesMs: [100, 250, 500, 1000, 1500] };

/** No retries (PGlite: one in-process connection, which a restart cannot break). */
export const NO_RETRY: RetryPolicy = { pausesMs: [] };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether a statement only reads, so running it again after its connection broke is safe. */
export function retryableRead(sqlText: string): boolean {
  return /^\s*(select|with)\b/i.test(sqlText) && !/\b(insert|update|delete|merge|for\s+(no\s+key\s+)?update|for\s+(key\s+)?share|nextval|setval|pg_notify|pg_advisory\w*|pg_terminate_backend|pg_cancel_backend)\b/i.test(sqlText);
}

/** Runs a database call: a fault is recorded and becomes the caller's 503/507; other errors pass unchanged. */
function guarded<T>(faults: StorageFaults, sql: string, run: () => Promise<T>): Promise<T> {
  return retried(faults, sql, NO_RETRY, run);
}

/**
 * Runs `run` again after each pause while it fails because the server is unreachable (each failure recorded);
 * the last failure becomes the caller's 503. Only for what is safe to repeat: taking a connection, a read.
 */
async function retried<T>(faults: StorageFaults, sql: string, policy: RetryPolicy, run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await run();
      faults.succeeded(sql);
      return r;
    } catch (err) {
      const kind = classifyStorageError(err);
      if (!kind) throw err;
      faults.record(kind, err);
      if (kind !== 'unreachable' || attempt >= policy.pausesMs.length) throw storageFaultError(kind);
      await sleep(policy.pausesMs[attempt]!);
    }
  }
}

const TX_START = /^\s*(begin|start\s+transaction)\b/i;
const TX_END = /^\s*(commit|rollback|end|abort)\b/i;

/**
 * A dialect whose connections report database faults (issue 10.6): an unreachable server or a full disk
 * is recorded for readiness and answered as a clear 503/507 instead of an internal error. While the server
 * is unreachable (a restart), taking a connection is retried, and so is a read outside a transaction, on a
 * fresh connection; a write, or anything inside a transaction, is never repeated: it answers 503.
 * @example new Kysely({ dialect: withFaults(new PostgresDialect({ pool }), faults) })
 */
export function withFaults(dialect: Dialect, faults: StorageFaults, policy: RetryPolicy = DEFAULT_RETRY): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: (): Driver => {
      const driver = dialect.createDriver();
      // Connections inside a transaction (Kysely's, or one begun by a raw BEGIN): their statements are not repeated.
      const inTransaction = new WeakSet<DatabaseConnection>();
      const acquire = (...a: Parameters<Driver['acquireConnection']>): Promise<DatabaseConnection> => retried(faults, 'select', policy, () => driver.acquireConnection(...a));
      /** Runs a read again on a connection of its own once the one it was sent on broke. */
      const elsewhere = <R>(q: CompiledQuery): Promise<QueryResult<R>> =>
        retried(faults, q.sql, policy, async () => {
          const conn = await driver.acquireConnection();
          try {
            return await conn.executeQuery<R>(q);
          } finally {
            await driver.releaseConnection(conn).catch(() => {});
          }
        });
      const watch = (conn: DatabaseConnection): DatabaseConnection => {
        const proxy: DatabaseConnection = new Proxy(conn, {
          get(target, prop) {
            if (prop === 'executeQuery')
              return async <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
                const free = !inTransaction.has(proxy);
                if (TX_START.test(q.sql)) inTransaction.add(proxy);
                else if (TX_END.test(q.sql)) inTransaction.delete(proxy);
                try {
                  return await guarded(faults, q.sql, () => target.executeQuery<R>(q));
                } catch (err) {
                  if (!(err instanceof AppError) || err.code !== 'unavailable' || !free || !policy.pausesMs.length || !retryableRead(q.sql)) throw err;
                  return elsewhere<R>(q);
                }
              };
            const v: unknown = Reflect.get(target, prop, target);
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
        return proxy;
      };
      return new Proxy(driver, {
        get(target, prop) {
          if (prop === 'acquireConnection') return async (...a: Parameters<Driver['acquireConnection']>) => watch(await acquire(...a));
          if (prop === 'beginTransaction')
            return async (conn: DatabaseConnection, settings: Parameters<Driver['beginTransaction']>[1]) => {
              inTransaction.add(conn);
              await target.beginTransaction(conn, settings);
            };
          if (prop === 'commitTransaction' || prop === 'rollbackTransaction')
            return async (conn: DatabaseConnection) => {
              try {
                await target[prop](conn);
              } finally {
                inTransaction.delete(conn);
              }
            };
          if (prop === 'releaseConnection')
            return async (conn: DatabaseConnection, ...rest: unknown[]) => {
              inTransaction.delete(conn);
              await (target.releaseConnection as (c: DatabaseConnection, ...r: unknown[]) => Promise<void>)(conn, ...rest);
            };
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
}
