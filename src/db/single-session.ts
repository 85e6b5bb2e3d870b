import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

// PGlite is PostgreSQL in single-user mode: one session, so no other transaction can insert a row beside this one's
// or take a snapshot while it runs. It starts with kessetsu.single_session=on (db.settings.ts PGLITE_SETTINGS); a
// PostgreSQL server has no such setting. Writers that may take a shortcut only there ask the connection.

const known = new WeakMap<object, boolean>();

/**
 * Whether the connection is PGlite's single session (asked once per connection or transaction object).
 * @example if (await isSingleSession(trx)) …
 */
export async function isSingleSession(db: Kysely<Database>): Promise<boolean> {
  const cached = known.get(db);
  if (cached !== undefined) return cached;
  const r = await sql<{ on: boolean }>`select current_setting('kessetsu.single_session', true) is not distinct from 'on' as on`.execute(db);
  const on = r.rows[0]!.on === true;
  known.set(db, on);
  return on;
}

/** A unique constraint or index refused a row (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
