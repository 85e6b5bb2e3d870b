// Start time (issue 17.3): PGlite starts with small shared buffers (PostgreSQL zeroes them at every start),
// sized by KESSETSU_PGLITE_SHARED_BUFFERS_MB; a bad value is a clear configuration error.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openStorage, PGLITE_SHARED_BUFFERS_MB } from '../../src/db/database.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pglite-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sharedBuffers(env: Record<string, string>): Promise<string> {
  const storage = await openStorage(loadConfig(env, { dataDir: dir }));
  try {
    const r = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(storage.db);
    return r.rows[0]!.shared_buffers;
  } finally {
    await storage.close();
  }
}

it('PGlite runs with the configured shared buffers, 16 MB by default, on a new and on an existing folder', async () => {
  expect(PGLITE_SHARED_BUFFERS_MB).toBe(16);
  expect(await sharedBuffers({})).toBe('16MB'); // a new folder (initdb) …
  expect(await sharedBuffers({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: '8' })).toBe('8MB'); // … and the same folder again
}, 300_000); // two PGlite starts, one of them initdb, on a loaded machine

it('a bad KESSETSU_PGLITE_SHARED_BUFFERS_MB is a configuration error naming it', () => {
  for (const bad of ['0', 'lots', '16MB', '5000']) {
    expect(() => loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(/KESSETSU_PGLITE_SHARED_BUFFERS_MB/);
  }
  expect(loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: '128' }).pgliteSharedBuffersMb).toBe(128);
});
