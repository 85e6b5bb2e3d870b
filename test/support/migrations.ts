import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { migrationsAfter } from '../../src/db/migrator.ts';

/**
 * Runs `fn` with every migration later than `name` taken down (newest first), then takes them up again (oldest first),
 * also when `fn` throws: a test of an older migration's down and up sees the schema of its version, and the database
 * is whole again afterwards (a reused test database is checked against the template's schema).
 * @example await withLaterMigrationsDown(db, '2026-12-05T20-00-contribution-seen-key-set-wise', async () => { await down(db); await up(db); })
 */
export async function withLaterMigrationsDown<T>(db: Kysely<Database>, name: string, fn: () => Promise<T>): Promise<T> {
  const later = migrationsAfter(name);
  for (const [, m] of [...later].reverse()) await m.down!(db);
  try {
    return await fn();
  } finally {
    for (const [, m] of later) await m.up(db);
  }
}
