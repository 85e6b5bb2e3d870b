import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'; // web interface (issue 13): word search index

import { rememberMissingFsm } from './pglite.fsm-lookups.ts';
import { NUMBER_OIDS, parseInt8, PGLITE_SETTINGS, PGLITE_SHARED_BUFFERS_MB, pgliteWalBuffersMb } from './db.settings.ts';

/**
 * Starts PGlite on a folder, on this thread, with the parsers and extensions the store needs (no folder checks), its
 * shared buffers, WAL buffers and settings (db.settings.ts), and its folder's missing free-space maps remembered.
 * Used by the main thread (`KESSETSU_PGLITE_THREAD=main`) and by the PGlite worker (pglite-worker.ts).
 * @example const pglite = await startPglite('./data')
 */
export async function startPglite(dataDir: string, sharedBuffersMb = PGLITE_SHARED_BUFFERS_MB): Promise<PGlite> {
  const pglite = await PGlite.create({
    dataDir,
    parsers: Object.fromEntries(NUMBER_OIDS.map((oid) => [oid, parseInt8])),
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`, '-c', `wal_buffers=${pgliteWalBuffersMb(sharedBuffersMb)}MB`, ...PGLITE_SETTINGS.flatMap(([k, v]) => ['-c', `${k}=${v}`])],
  });
  rememberMissingFsm(pglite); // index page splits' free-space-map look-ups (pglite.fsm-lookups.ts)
  return pglite;
}
