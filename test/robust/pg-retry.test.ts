import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Storage } from '../../src/db/database.ts';
import { retryableRead } from '../../src/db/storage.faults.ts';
import { AppError } from '../../src/shared/errors.ts';
import { backends } from '../support/storage.ts';

// Issue 10.6: a connection broken under a statement (what a PostgreSQL restart does to every busy
// connection). A read outside a transaction runs again on a fresh connection; a write, or anything
// inside a transaction, is never repeated: it answers 503 and leaves nothing behind. PostgreSQL only:
// PGlite runs in the process and has no connection to lose.

describe('which statements are safe to run again', () => {
  it('plain reads are; writes, locks, notifications and sequences are not', () => {
    expect(retryableRead('select "id", "updated_at" from "subscriptions" where "org_id" = $1')).toBe(true);
    expect(retryableRead('  WITH x AS (select 1) select * from x')).toBe(true);
    expect(retryableRead('with moved as (update "outbox" set "status" = $1 returning *) select * from moved')).toBe(false);
    expect(retryableRead('insert into "orgs" ("name") values ($1)')).toBe(false);
    expect(retryableRead('select * from "outbox" where "status" = $1 for update skip locked')).toBe(false);
    expect(retryableRead('select pg_notify($1, $2)')).toBe(false);
    expect(retryableRead('select pg_advisory_xact_lock(42)')).toBe(false);
    expect(retryableRead('select nextval(\'x\')')).toBe(false);
    expect(retryableRead('delete from "sessions" where "expires_at" < now()')).toBe(false);
  });
});

const pgBackend = backends().find((b) => b.name === 'postgres');

describe.skipIf(!pgBackend)('PostgreSQL: a connection broken under a statement', () => {
  let storage: Storage;
  let admin: pg.Client;

  beforeAll(async () => {
    storage = await pgBackend!.open();
    admin = new pg.Client({ connectionString: inject('pgTemplateUrl') ?? undefined });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await storage?.close();
  });

  /** Terminates the backend running a statement that contains `marker`, once it is running. */
  async function terminateWhenRunning(marker: string): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const r = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where query like $1 and pid <> pg_backend_pid()`, [`%${marker}%`]);
      if (r.rows.length) {
        for (const row of r.rows) await admin.query('select pg_terminate_backend($1)', [row.pid]);
        return r.rows.length;
      }
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`no backend ran ${marker}`);
  }

  it('a read outside a transaction is run again on a fresh connection and answers', async () => {
    const read = sql<{ n: number; marker: string }>`select 7 as n, 'retry-read-marker' as marker, pg_sleep(0.8)::text as slept`.execute(storage.db);
    expect(await terminateWhenRunning('retry-read-marker')).toBe(1);
    const r = await read;
    expect(r.rows[0]!.n).toBe(7);
    // The fault was recorded and is over: readiness says nothing is wrong.
    expect(storage.faults?.current).toBeNull();
  });

  it('a write inside a transaction is not repeated: 503, and nothing was written', async () => {
    await sql`create table retry_probe (v int)`.execute(storage.db);
    const write = storage.db.transaction().execute(async (trx) => {
      await sql`insert into retry_probe values (1)`.execute(trx);
      await sql`select 'retry-write-marker', pg_sleep(0.8)`.execute(trx);
    });
    const failed = write.then(
      () => null,
      (e: unknown) => e,
    );
    await terminateWhenRunning('retry-write-marker');
    const err = await failed;
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('unavailable');
    expect((err as AppError).message).toContain('nothing was stored; retry shortly');
    const rows = await sql<{ n: number }>`select count(*)::int as n from retry_probe`.execute(storage.db);
    expect(rows.rows[0]!.n).toBe(0);
  });

  it('a plain write outside a transaction is not repeated either', async () => {
    await sql`create table retry_probe2 (v int)`.execute(storage.db);
    const write = sql`insert into retry_probe2 select 1 from (select 'retry-insert-marker', pg_sleep(0.8)) s`.execute(storage.db).then(
      () => null,
      (e: unknown) => e,
    );
    await terminateWhenRunning('retry-insert-marker');
    expect(((await write) as AppError).code).toBe('unavailable');
    expect((await sql<{ n: number }>`select count(*)::int as n from retry_probe2`.execute(storage.db)).rows[0]!.n).toBe(0);
  });
});
