import { sql, type Kysely } from 'kysely';
import { PGLITE_MAX_WAL_MB } from './db.settings.ts';
import type { Database } from './schema.ts';

/**
 * PGlite is PostgreSQL in single-user mode, which never checkpoints by itself while it runs: max_wal_size and
 * checkpoint_timeout are not honoured (bench/RESULTS.md, pglite, thirteenth session). Its WAL would then grow with
 * every write until the hub stops (~0.9 GB per 100,000 CSV rows), and a killed hub would replay all of it at its next
 * start. So the hub checkpoints itself once the WAL written since the last checkpoint passes a bound: between the
 * slices of an ingest (inside its transaction: a checkpoint may run there, and what it flushes stays invisible until
 * the commit) and on a timer for the other writes.
 */

/** How often the timer looks at the WAL (a query of two numbers). */
const CHECK_EVERY_MS = 60_000;

/** Bytes of WAL written since the last checkpoint's redo point: what a recovery would replay. */
export async function walSinceCheckpoint(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ bytes: string | number }>`select (pg_current_wal_insert_lsn() - redo_lsn)::bigint as bytes from pg_control_checkpoint()`.execute(db);
  return Number(r.rows[0]!.bytes);
}

/**
 * Checkpoints when more than `maxBytes` of WAL were written since the last checkpoint; true when it did.
 * @example await checkpointIfDue(trx, 1024 * 2 ** 20)
 */
export async function checkpointIfDue(db: Kysely<Database>, maxBytes: number): Promise<boolean> {
  if ((await walSinceCheckpoint(db)) <= maxBytes) return false;
  await sql`checkpoint`.execute(db);
  return true;
}

/** The WAL bound of one PGlite store: its check for an ingest's slices and a timer for everything else. */
export interface WalKeeper {
  /** Checkpoints through this connection (an ingest's transaction) when the WAL is past the bound. */
  check(db: Kysely<Database>): Promise<void>;
  stop(): void;
}

/**
 * Keeps a PGlite store's WAL under `maxMb` (a check every minute, and whenever an ingest asks between slices).
 * Failures are left to the next check: a checkpoint that cannot run now loses nothing.
 * @example const keeper = keepWalBounded(db, 1024); …; keeper.stop()
 */
export function keepWalBounded(db: Kysely<Database>, maxMb = PGLITE_MAX_WAL_MB, everyMs = CHECK_EVERY_MS): WalKeeper {
  const maxBytes = maxMb * 2 ** 20;
  let running = false;
  const check = async (conn: Kysely<Database>): Promise<void> => {
    await checkpointIfDue(conn, maxBytes);
  };
  const timer = setInterval(() => {
    if (running) return; // behind an ingest's transaction on PGlite's one connection: one check waits, not many
    running = true;
    check(db)
      .catch(() => {})
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
