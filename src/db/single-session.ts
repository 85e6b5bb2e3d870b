import { sql, type Kysely, type QueryResult, type RawBuilder } from 'kysely';
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
function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Runs an insert written without ON CONFLICT, for rows expected new, in PGlite's single session (issue 17): ON
 * CONFLICT's speculative insertion (a probe of the key before the insert, a token, a confirming WAL record) costs a
 * third of such a statement on PGlite's thread (5,000-row batches into tables of 1,000,000: the id registry 14.3–21.2
 * against 18.2–30.6 µs a row, warninglist hits 7.5 against 10.5). Under a savepoint: a row already there fails it with
 * 23505, the savepoint is rolled back and null answers, for the caller to run its ON CONFLICT statement. Not on
 * PostgreSQL: a transaction with more than 64 subtransactions that wrote slows every other session's snapshots, and
 * an ingest would take one a batch: there it answers null at once.
 * @example const r = await insertWithoutConflicts(trx, sql`insert into t select …`) ?? await sql`insert into t select … on conflict do nothing`.execute(trx)
 */
export async function insertWithoutConflicts<R>(db: Kysely<Database>, statement: RawBuilder<R>): Promise<QueryResult<R> | null> {
  // A savepoint needs a transaction (an ingest's); a statement on its own goes the ON CONFLICT way.
  if (!db.isTransaction || !(await isSingleSession(db))) return null;
  await sql`savepoint kessetsu_without_conflicts`.execute(db);
  try {
    const r = await statement.execute(db);
    await sql`release savepoint kessetsu_without_conflicts`.execute(db);
    return r;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    await sql`rollback to savepoint kessetsu_without_conflicts`.execute(db);
    await sql`release savepoint kessetsu_without_conflicts`.execute(db);
    return null;
  }
}
