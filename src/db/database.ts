import { mkdirSync } from 'node:fs';
import { Kysely, PGliteDialect, PostgresDialect, type PGliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { yielding } from './pglite.yielding.ts';
import { NUMBER_OIDS, parseInt8, PGLITE_SHARED_BUFFERS_MB } from './db.settings.ts';
import { keepWalBounded } from './pglite.wal.ts';
import { PgliteWorker } from './pglite-worker.client.ts';
import { unclosable, type PgliteHandle, type PgliteThread } from './pglite.handle.ts';
import { copying } from './copy.ts';
import { preparing } from './pg.statements.ts';
import { BulkWrites, STATEMENT_CACHE } from './statement.cache.ts';
import { checkPgliteFolder, openFailed } from './pglite.folder.ts';
import { PgListener, type StorageLog } from './pg.listener.ts';
import { NO_RETRY, StorageFaults, withFaults } from './storage.faults.ts';

type KyselyPglite = Exclude<PGliteDialectConfig['pglite'], (...args: never[]) => unknown>;

/** Which engine backs a Kysely instance. */
export type StorageKind = 'pglite' | 'postgres';

/** An open database with the handles the rest of the system needs. */
export interface Storage {
  readonly db: Kysely<Database>;
  readonly kind: StorageKind;
  /** Where it lives: the PGlite folder or the PostgreSQL URL without its password. */
  readonly location: string;
  /**
   * Subscribes to a LISTEN channel; PGlite delivers only its own notifications. After the connection
   * comes back from a PostgreSQL restart, every subscriber is called once with an empty payload.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** PostgreSQL: whether the LISTEN connection is up, its channels, and how often it came back (issue 10.6). */
  listening?(): { connected: boolean; channels: number; reconnects: number };
  /**
   * PostgreSQL: connections of their own (a pool of two, beside `db`'s) for the writes an ingest hands to a second
   * transaction while its own writes, and the reads it makes ahead beside both (ingest.side.ts, lines.ahead.ts). Never
   * taken from `db`'s pool: the ingest holding the knowledge write lock would wait for a connection the ingests waiting
   * for that lock hold. Only that ingest uses them (and its side transaction until it commits).
   */
  readonly side?: Kysely<Database>;
  /** The fault the database is in now (unreachable, disk full), for readiness (issue 10.6). */
  readonly faults?: StorageFaults;
  /**
   * PGlite only: checkpoints through this connection (an ingest's transaction, between slices) once the WAL since
   * the last checkpoint passes its bound (pglite.wal.ts: single-user PostgreSQL never checkpoints by itself).
   */
  walCheck?(db: Kysely<Database>): Promise<void>;
  close(): Promise<void>;
}

/** bigint columns hold sequence numbers and counters far below 2^53. */
const isNumberOid = (oid: number): boolean => NUMBER_OIDS.includes(oid);

/** Hides the password of a connection string for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

/** Writes a storage fault or recovery to stderr, where the hub's operators read its start-up lines. */
const stderrLog: StorageLog = (level, msg, fields) => {
  process.stderr.write(`kessetsu: ${level === 'warn' ? 'warning: ' : ''}${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
};

const faultLog = (log: StorageLog) => (kind: string, message: string) =>
  log('warn', kind === 'disk_full' ? 'the database is out of disk space; writes answer 507 until space is freed' : 'the database is unreachable; reads are retried for a few seconds, then requests answer 503 until it is back', { err: message });

const recoveryLog = (log: StorageLog) => (kind: string, since: Date) =>
  log('info', kind === 'disk_full' ? 'the database has room again; writes are accepted' : 'the database is reachable again', { since: since.toISOString(), seconds: Math.round((Date.now() - since.getTime()) / 100) / 10 });

export { PGLITE_SHARED_BUFFERS_MB };

/**
 * Starts PGlite on a folder with the parsers and extensions the store needs (no folder checks): in a worker thread
 * of its own by default (issue 17: PostgreSQL's work on the other core, the event loop free meanwhile), or on this
 * thread with `thread: 'main'`.
 * @example const pglite = await createPglite('./data'); await pglite.query('select 1')
 */
export async function createPglite(dataDir: string, sharedBuffersMb = PGLITE_SHARED_BUFFERS_MB, thread: PgliteThread = 'worker', statementStats?: string): Promise<PgliteHandle> {
  if (thread === 'worker') return PgliteWorker.start(dataDir, sharedBuffersMb, statementStats);
  // PGlite's own modules load on this thread only when it runs here.
  const [{ startPglite }, { PgliteStatements }] = await Promise.all([import('./pglite.start.ts'), import('./pglite.statements.ts')]);
  const pglite = await startPglite(dataDir, sharedBuffersMb);
  return yielding(pglite, new PgliteStatements(pglite));
}

/**
 * Opens PGlite persisted in a folder (created when missing). A folder that is not empty and not an
 * initialised database (no PG_VERSION, say) is refused naming it, never initialised over (issue 10.6).
 * With `shared`, an instance already running on that folder is used and close() leaves it running
 * (the test harness resets and reuses one per worker instead of starting PGlite for every test hub).
 */
export async function openPglite(dataDir: string, shared?: PgliteHandle, opts: { sharedBuffersMb?: number; thread?: PgliteThread; maxWalMb?: number; statementStats?: string | undefined } = {}): Promise<Storage> {
  let pglite: PgliteHandle;
  if (shared) pglite = shared;
  else {
    const state = checkPgliteFolder(dataDir);
    mkdirSync(dataDir, { recursive: true });
    try {
      pglite = await createPglite(dataDir, opts.sharedBuffersMb, opts.thread, opts.statementStats); // start time (issue 17.3): shared buffers
    } catch (err) {
      throw state === 'existing' ? openFailed(dataDir, err) : err;
    }
  }
  const faults = new StorageFaults(faultLog(stderrLog), recoveryLog(stderrLog));
  const handle = shared ? unclosable(pglite) : pglite;
  const db = new Kysely<Database>({ dialect: withFaults(new PGliteDialect({ pglite: handle as unknown as KyselyPglite }), faults, NO_RETRY) });
  const wal = keepWalBounded(db, opts.maxWalMb);
  return {
    db,
    kind: 'pglite',
    location: dataDir,
    faults,
    listen: (channel, onMessage) => pglite.listen(channel, onMessage),
    walCheck: (conn) => wal.check(conn),
    async close() {
      wal.stop();
      await db.destroy();
      if (!shared && !pglite.closed) await pglite.close();
    },
  };
}

/**
 * Opens a pool on a PostgreSQL server. A server that restarts or goes away is survived (issue 10.6):
 * broken connections are logged and dropped (the pool opens new ones for the next queries, which
 * answer 503 meanwhile), and the LISTEN connection comes back by itself.
 */
export async function openPostgres(url: string, poolSize = 10, log: StorageLog = stderrLog): Promise<Storage> {
  const writes = new BulkWrites(); // the pools' COPYs: every client prepares its statements again after one
  const faults = new StorageFaults(faultLog(log), recoveryLog(log));
  const db = postgresDb(url, poolSize, log, writes, faults);
  const side = postgresDb(url, 2, log, writes, faults);
  const listener = new PgListener(url, log);
  return {
    db,
    kind: 'postgres',
    location: redactUrl(url),
    faults,
    listen: (channel, onMessage) => listener.listen(channel, onMessage),
    listening: () => listener.state,
    side,
    async close() {
      await listener.close();
      await side.destroy();
      await db.destroy();
    },
  };
}

// A pool of `max` connections to the server, as Kysely: bigint as numbers, COPY and named statements on every client.
function postgresDb(url: string, max: number, log: StorageLog, writes: BulkWrites, faults: StorageFaults): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        isNumberOid(oid) ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', (err) => log('warn', 'a PostgreSQL connection was lost; it is replaced on the next query', { err: err.message }));
  // Nor may a client in use (pg-pool removes its own listener while a client is checked out, and a
  // server restart between two statements of a transaction would then throw out of the process).
  pool.on('connect', (client) => {
    client.on('error', () => {});
    copying(client); // bulk rows by COPY inside Kysely's transactions (issue 17)
    preparing(client, STATEMENT_CACHE, writes); // reads as named statements: their plans kept on the connection (issue 17)
  });
  return new Kysely<Database>({ dialect: withFaults(new PostgresDialect({ pool }), faults) });
}

/** Opens PostgreSQL when a URL is given, PGlite in dataDir otherwise. */
export function openStorage(opts: { databaseUrl?: string | undefined; dataDir: string; pgliteSharedBuffersMb?: number; pgliteThread?: PgliteThread; pgliteMaxWalMb?: number; pgliteStatementStats?: string | undefined }): Promise<Storage> {
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl)
    : openPglite(opts.dataDir, undefined, { sharedBuffersMb: opts.pgliteSharedBuffersMb, thread: opts.pgliteThread, maxWalMb: opts.pgliteMaxWalMb, statementStats: opts.pgliteStatementStats });
}
