import type { DatabaseConnection, Dialect, Driver } from 'kysely';
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

  constructor(log: (kind: StorageFaultKind, message: string) => void = () => {}) {
    this.#log = log;
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
    this.#current = null;
  }
}

/** Runs a database call: a fault is recorded and becomes the caller's 503/507; other errors pass unchanged. */
async function guarded<T>(faults: StorageFaults, sql: string, run: () => Promise<T>): Promise<T> {
  try {
    const r = await run();
    faults.succeeded(sql);
    return r;
  } catch (err) {
    const kind = classifyStorageError(err);
    if (!kind) throw err;
    faults.record(kind, err);
    throw storageFaultError(kind);
  }
}

function watchConnection(conn: DatabaseConnection, faults: StorageFaults): DatabaseConnection {
  return new Proxy(conn, {
    get(target, prop) {
      if (prop === 'executeQuery') return (q: Parameters<DatabaseConnection['executeQuery']>[0]) => guarded(faults, q.sql, () => target.executeQuery(q));
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * A dialect whose connections report database faults (issue 10.6): an unreachable server or a full disk
 * is recorded for readiness and answered as a clear 503/507 instead of an internal error.
 * @example new Kysely({ dialect: withFaults(new PostgresDialect({ pool }), faults) })
 */
export function withFaults(dialect: Dialect, faults: StorageFaults): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: (): Driver => {
      const driver = dialect.createDriver();
      return new Proxy(driver, {
        get(target, prop) {
          if (prop === 'acquireConnection') return async (...a: Parameters<Driver['acquireConnection']>) => watchConnection(await guarded(faults, 'select', () => target.acquireConnection(...a)), faults);
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
}
