import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'; // web interface (issue 13): word search index

import { NUMBER_OIDS, parseInt8, PGLITE_SHARED_BUFFERS_MB } from './db.settings.ts';

/**
 * Starts PGlite on a folder, on this thread, with the parsers and extensions the store needs (no folder checks).
 * Start time (issue 17.3): PostgreSQL zeroes its shared buffers at every start, and in WebAssembly that costs
 * ~9 ms a MiB (PGlite's data files stay in the operating system's page cache, so fewer buffers cost little).
 * Used by the main thread (`KESSETSU_PGLITE_THREAD=main`) and by the PGlite worker (pglite-worker.ts).
 * @example const pglite = await startPglite('./data')
 */
export async function startPglite(dataDir: string, sharedBuffersMb = PGLITE_SHARED_BUFFERS_MB): Promise<PGlite> {
  return PGlite.create({
    dataDir,
    parsers: Object.fromEntries(NUMBER_OIDS.map((oid) => [oid, parseInt8])),
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`], // start time (issue 17.3)
  });
}
