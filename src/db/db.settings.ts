// Settings shared by both backends and by PGlite on either thread, in a module of their own: the main thread reads
// them without loading PGlite when PGlite runs in its worker (pglite-worker.ts).

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** bigint columns hold sequence numbers and counters far below 2^53. */
export const parseInt8 = (value: string): number => Number(value);

/** The type oids parsed as numbers (parseInt8): int8 and numeric. */
export const NUMBER_OIDS: readonly number[] = [INT8_OID, NUMERIC_OID];

/**
 * PGlite's shared_buffers unless told otherwise (issue 17): PostgreSQL's default. With 16 MB an import evicted and
 * read back index pages all along (30,000 CSV rows: 860 MB written, 550 MB read back through the file system, for a
 * 200 MB database); at 128 MB PGlite's worker spends ~20 % less CPU on a 100,000-row import. A start costs
 * ~60-100 ms CPU and ~110 MiB more memory than with 16 MB (bench/RESULTS.md, pglite, thirteenth session).
 */
export const PGLITE_SHARED_BUFFERS_MB = 128;

/**
 * PGlite's shared_buffers for `kessetsu import` unless told otherwise (issue 17): a bulk load in a process of its own,
 * where the indexes a large import writes into (~1 GB at 1,000,000 STIX objects) outgrow 128 MB and each insert at a
 * random position evicts and reads back a page through the file system. The hub keeps 128 MB: its buffers are
 * allocated at start (512 MB: ~420 MiB more resident memory from the first second). Figures: bench/RESULTS.md, the
 * lead's, fourteenth session.
 */
export const PGLITE_BULK_SHARED_BUFFERS_MB = 512;

/**
 * PostgreSQL settings PGlite starts with beside its own (`-F`, fsync off; `io_method=sync`), as `-c` pairs.
 * wal_init_zero=off: single-user PostgreSQL never checkpoints before it closes (max_wal_size is not honoured), so
 * every 16 MB of WAL is a new segment, which PostgreSQL otherwise writes full of zeros first: twice the WAL bytes
 * written. Recovery does not need the zeros (each WAL page and record is checked); the space of a segment is
 * then taken as it is written, so a full disk stops a write later in the segment instead of at its creation.
 * kessetsu.single_session=on: PGlite is one session, so no other transaction can delete a parent row that a foreign-key
 * check found; the checks lock none there (migration 2026-12-07T06-00-fk-lock-single-session).
 */
export const PGLITE_SETTINGS: readonly (readonly [string, string])[] = [
  ['wal_init_zero', 'off'],
  ['kessetsu.single_session', 'on'],
];

/**
 * PGlite's wal_buffers for its shared buffers (PostgreSQL's own default: 1/32 of them, at most 16 MB): an eighth, 1 to
 * 64 MB (16 MB for the hub's 128, 64 MB for a bulk load's 512). Large enough for a slice's WAL (~20 MB for 5,000 STIX
 * objects), which the check between slices then writes in a few large writes instead of one write per 8 kB page
 * (pglite.wal.ts).
 */
export function pgliteWalBuffersMb(sharedBuffersMb: number): number {
  return Math.min(64, Math.max(1, Math.round(sharedBuffersMb / 8)));
}

/** The WAL PGlite may write before the hub checkpoints it (pglite.wal.ts): PostgreSQL's own default max_wal_size. */
export const PGLITE_MAX_WAL_MB = 1024;
