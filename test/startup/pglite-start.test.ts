// PGlite's shared buffers (issue 17: an import's index pages; issue 17.3: each MiB costs start time) sized by
// KESSETSU_PGLITE_SHARED_BUFFERS_MB, and its settings (db.settings.ts), reach PGlite on either thread; a bad value is a
// clear configuration error.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openStorage, PGLITE_SHARED_BUFFERS_MB } from '../../src/db/database.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pglite-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function settings(env: Record<string, string>): Promise<{ shared_buffers: string; wal_init_zero: string }> {
  const storage = await openStorage(loadConfig(env, { dataDir: dir }));
  try {
    const r = await sql<{ shared_buffers: string; wal_init_zero: string }>`select current_setting('shared_buffers') as shared_buffers, current_setting('wal_init_zero') as wal_init_zero`.execute(storage.db);
    return r.rows[0]!;
  } finally {
    await storage.close();
  }
}

it('PGlite runs with the configured shared buffers, 128 MB by default, and its settings, on a new and on an existing folder, on either thread', async () => {
  expect(PGLITE_SHARED_BUFFERS_MB).toBe(128);
  // wal_init_zero off: single-user PostgreSQL starts a new WAL segment every 16 MB, which it would first fill with zeros
  expect(await settings({})).toEqual({ shared_buffers: '128MB', wal_init_zero: 'off' }); // a new folder (initdb), in PGlite's worker …
  expect(await settings({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: '8' })).toEqual({ shared_buffers: '8MB', wal_init_zero: 'off' }); // … the same folder again …
  expect(await settings({ KESSETSU_PGLITE_THREAD: 'main' })).toEqual({ shared_buffers: '128MB', wal_init_zero: 'off' }); // … and on the main thread
}, 300_000); // three PGlite starts, one of them initdb, on a loaded machine

it('a bad KESSETSU_PGLITE_SHARED_BUFFERS_MB is a configuration error naming it', () => {
  for (const bad of ['0', 'lots', '16MB', '5000']) {
    expect(() => loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(/KESSETSU_PGLITE_SHARED_BUFFERS_MB/);
  }
  expect(loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: '128' }).pgliteSharedBuffersMb).toBe(128);
});
