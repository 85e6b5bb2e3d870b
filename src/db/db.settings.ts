// Settings shared by both backends and by PGlite on either thread, in a module of their own: the main thread reads
// them without loading PGlite when PGlite runs in its worker (pglite-worker.ts).

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** bigint columns hold sequence numbers and counters far below 2^53. */
export const parseInt8 = (value: string): number => Number(value);

/** The type oids parsed as numbers (parseInt8): int8 and numeric. */
export const NUMBER_OIDS: readonly number[] = [INT8_OID, NUMERIC_OID];

/** Start time (issue 17.3): PGlite's shared_buffers unless told otherwise (PostgreSQL's 128 MB cost ~1 CPU-s per start). */
export const PGLITE_SHARED_BUFFERS_MB = 16;
