// PGlite's shared buffers (issue 17: an import's index pages; issue 17.3: each MiB costs start time) sized by
// KESSETSU_PGLITE_SHARED_BUFFERS_MB, and its settings (db.settings.ts), reach PGlite on either thread; a bad value is a
// clear configuration error.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openStorage, PGLITE_SHARED_BUFFERS_MB } from '../../src/db/database.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { useCliEnv, withDirectApp } from '../../src/cli/cli-context.ts';
import { BULK_MIN_BYTES, inputBytes } from '../../src/cli/import.command.ts';
import { PGLITE_BULK_SHARED_BUFFERS_MB } from '../../src/db/db.settings.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pglite-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function settings(env: Record<string, string>): Promise<{ shared_buffers: string; wal_buffers: string; wal_init_zero: string }> {
  const storage = await openStorage(loadConfig(env, { dataDir: dir }));
  try {
    const r = await sql<{ shared_buffers: string; wal_buffers: string; wal_init_zero: string }>`select current_setting('shared_buffers') as shared_buffers,
      current_setting('wal_buffers') as wal_buffers, current_setting('wal_init_zero') as wal_init_zero`.execute(storage.db);
    return r.rows[0]!;
  } finally {
    await storage.close();
  }
}

it('PGlite runs with the configured shared buffers, 128 MB by default, and its settings, on a new and on an existing folder, on either thread', async () => {
  expect(PGLITE_SHARED_BUFFERS_MB).toBe(128);
  // wal_init_zero off: single-user PostgreSQL starts a new WAL segment every 16 MB, which it would first fill with zeros
  // wal_buffers an eighth of the shared buffers (PostgreSQL's default would be 4 MB of 128): a slice's WAL, written out at once between slices
  expect(await settings({})).toEqual({ shared_buffers: '128MB', wal_buffers: '16MB', wal_init_zero: 'off' }); // a new folder (initdb), in PGlite's worker …
  expect(await settings({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: '8' })).toEqual({ shared_buffers: '8MB', wal_buffers: '1MB', wal_init_zero: 'off' }); // … the same folder again …
  expect(await settings({ KESSETSU_PGLITE_THREAD: 'main' })).toEqual({ shared_buffers: '128MB', wal_buffers: '16MB', wal_init_zero: 'off' }); // … and on the main thread
}, 300_000); // three PGlite starts, one of them initdb, on a loaded machine

it('a bad KESSETSU_PGLITE_SHARED_BUFFERS_MB is a configuration error naming it', () => {
  for (const bad of ['0', 'lots', '16MB', '5000']) {
    expect(() => loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: bad })).toThrow(/KESSETSU_PGLITE_SHARED_BUFFERS_MB/);
  }
  expect(loadConfig({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: '128' }).pgliteSharedBuffersMb).toBe(128);
});

it('`kessetsu import` (a bulk load) gives PGlite the bulk shared buffers unless KESSETSU_PGLITE_SHARED_BUFFERS_MB names its own; other commands keep the default', async () => {
  const buffers = async (env: Record<string, string>, bulk: boolean): Promise<string> => {
    const undo = useCliEnv(env);
    try {
      const q = sql<{ v: string }>`select current_setting('shared_buffers') || ' ' || current_setting('wal_buffers') as v`;
      return await withDirectApp({ data: dir }, async (app) => (await q.execute(app.storage.db)).rows[0]!.v, { bulk });
    } finally {
      undo();
    }
  };
  expect(PGLITE_BULK_SHARED_BUFFERS_MB).toBe(512);
  expect(await buffers({}, true)).toBe('512MB 64MB');
  expect(await buffers({ KESSETSU_PGLITE_SHARED_BUFFERS_MB: '64' }, true)).toBe('64MB 8MB');
  expect(await buffers({}, false)).toBe('128MB 16MB');
}, 300_000);

it('an import is a bulk load by the bytes of its files and feed folders', () => {
  const f = path.join(dir, 'in');
  mkdirSync(path.join(f, 'nested'), { recursive: true });
  writeFileSync(path.join(f, 'a.json'), 'x'.repeat(1000));
  writeFileSync(path.join(f, 'nested', 'b.json'), 'x'.repeat(5000));
  writeFileSync(path.join(dir, 'c.csv'), 'x'.repeat(300));
  expect(inputBytes([f, path.join(dir, 'c.csv')])).toBe(1300); // the folder's files, not nested folders
  expect(BULK_MIN_BYTES).toBe(16 * 1024 * 1024);
});
