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

// Single-user PostgreSQL has no WAL writer either: a transaction's WAL leaves the WAL buffers only when they are full,
// one 8 kB page per write (~480,000 writes through PGlite's file system for 1,000,000 STIX objects, issue 17), or at a
// flush, which writes all of it in a few large writes. So the check between an ingest's slices flushes, with a
// logical message (no other SQL function flushes the WAL without committing): PGlite's WAL buffers hold a slice's WAL
// (db.settings.ts pgliteWalBuffersMb), so nearly all of it is written that way. The message is an empty record of
// ~60 bytes that recovery skips.
const FLUSH = sql`pg_logical_emit_message(false, 'kessetsu', ''::bytea, true)`;

/** How often the timer looks at the WAL (a query of two numbers). */
const CHECK_EVERY_MS = 60_000;

/** Bytes of WAL written since the last checkpoint's redo point: what a recovery would replay. `flush`: writes it out first. */
export async function walSinceCheckpoint(db: Kysely<Database>, flush = false): Promise<number> {
  const r = await sql<{ bytes: string | number }>`select (pg_current_wal_insert_lsn() - redo_lsn)::bigint as bytes from pg_control_checkpoint()${flush ? sql`, ${FLUSH}` : sql``}`.execute(db);
  return Number(r.rows[0]!.bytes);
}

/**
 * Checkpoints when more than `maxBytes` of WAL were written since the last checkpoint; true when it did. `flush`
 * (between an ingest's slices): writes out the WAL held in PostgreSQL's buffers first.
 * @example await checkpointIfDue(trx, 1024 * 2 ** 20, true)
 */
export async function checkpointIfDue(db: Kysely<Database>, maxBytes: number, flush = false): Promise<boolean> {
  if ((await walSinceCheckpoint(db, flush)) <= maxBytes) return false;
  await sql`checkpoint`.execute(db);
  return true;
}

/** The WAL bound of one PGlite store: its check (and WAL flush) for an ingest's slices and a timer for everything else. */
export interface WalKeeper {
  /** Writes the WAL out and checkpoints through this connection (an ingest's transaction) when it is past the bound. */
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
  const timer = setInterval(() => {
    if (running) return; // behind an ingest's transaction on PGlite's one connection: one check waits, not many
    running = true;
    // Outside an ingest nothing is flushed: every commit flushes, and an idle hub writes no record a minute.
    checkpointIfDue(db, maxBytes)
      .catch(() => {})
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return {
    check: async (conn) => {
      await checkpointIfDue(conn, maxBytes, true);
    },
    stop: () => clearInterval(timer),
  };
}
