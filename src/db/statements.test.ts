import { CompiledQuery, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Storage } from './database.ts';
import type { Database } from './schema.ts';
import { describeStorage } from '../../test/support/storage.ts';
import { STATEMENT_CACHE } from './statement.cache.ts';
import { copyRows, copyText } from './copy.ts';

// The hub's reads are sent as named prepared statements (statement.cache.ts) so that PostgreSQL keeps their plans
// (issue 17: the knowledge views cost 4-10× their execution in planning). On both drivers a read must answer exactly
// as an unnamed one, the statements a connection holds stay bounded, and a table changed under a statement, a failed
// transaction or a bad statement behave as without them.
describeStorage('reads as named prepared statements', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
    await sql`create table statements_test (n int primary key, t text)`.execute(storage.db);
    await sql`insert into statements_test values (1, 'one'), (2, 'two')`.execute(storage.db);
  });
  afterAll(async () => {
    await sql`drop table if exists statements_test`.execute(storage.db);
    await storage?.close();
  });

  // pg_prepared_statements is the connection's own: the reads and the look-up share one (a pool's, on PostgreSQL).
  const onOne = <T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> => storage.db.connection().execute(fn);
  const held = async (db: Kysely<Database>, text: string) =>
    (await sql<{ name: string; generic_plans: number; custom_plans: number }>`select name, generic_plans::int, custom_plans::int from pg_prepared_statements where statement = ${text}`.execute(db)).rows;

  it('sends a read as one named statement that keeps a generic plan after five custom ones', async () => {
    const text = 'select t from statements_test where n = $1';
    await onOne(async (db) => {
      for (let i = 0; i < 8; i++) expect((await db.executeQuery<{ t: string }>(CompiledQuery.raw(text, [1 + (i % 2)]))).rows).toEqual([{ t: i % 2 ? 'two' : 'one' }]);
      const [s, more] = await held(db, text);
      expect(more).toBeUndefined();
      expect(s).toMatchObject({ custom_plans: 5, generic_plans: 3 });
      expect(s!.name).toMatch(/^k\d+$/);
    });
  });

  it('prepares its reads again after a bulk write (COPY), whichever connection sent it', async () => {
    const text = 'select t from statements_test where n = $1';
    const read = (db: Kysely<Database>) => db.executeQuery<{ t: string }>(CompiledQuery.raw(text, [1]));
    const name = () => onOne(async (db) => {
      await read(db);
      return (await held(db, text)).map((s) => s.name);
    });
    const before = await name();
    expect(await name()).toEqual(before);
    await copyRows(storage.db, 'statements_test', ['n', 't'], copyText([[3, 'three']]));
    const after = await name();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect(await name()).toEqual(after);
  });

  it('answers with the same values and types as an unnamed statement, prepared and then bound', async () => {
    const at = new Date('2026-12-06T05:00:00.123Z');
    const params = [2 ** 50 + 7, at, JSON.stringify({ a: [1, 'x', null] }), ['a', 'b "c"', null], 'tëxt \\ \' "', null, true];
    const text = 'select $1::bigint as n, $2::timestamptz as at, $3::jsonb as j, $4::text[] as a, $5::text as t, $6::int as z, $7::boolean as b';
    const expected = { n: 2 ** 50 + 7, at, j: { a: [1, 'x', null] }, a: ['a', 'b "c"', null], t: 'tëxt \\ \' "', z: null, b: true };
    // The same statement with a leading comment is not a read by the rule (`^select|with`): sent unnamed.
    const unnamed = (await storage.db.executeQuery(CompiledQuery.raw(`/* unnamed */ ${text}`, params))).rows;
    expect(unnamed).toEqual([expected]);
    await onOne(async (db) => {
      for (let i = 0; i < 3; i++) expect((await db.executeQuery(CompiledQuery.raw(text, params))).rows).toEqual([expected]);
      expect(await held(db, text)).toHaveLength(1);
    });
  });

  it('holds at most the cache capacity of statements on a connection', async () => {
    await onOne(async (db) => {
      for (let i = 0; i < STATEMENT_CACHE.capacity + 30; i++) await db.executeQuery(CompiledQuery.raw(`select ${i} as i, t from statements_test where n = $1`, [1]));
      // The deallocations of the last closed ones are queued ahead of this read, which is a named statement too.
      const n = (await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(db)).rows[0]!.n;
      expect(n).toBeLessThanOrEqual(STATEMENT_CACHE.capacity);
      expect(n).toBeGreaterThan(STATEMENT_CACHE.capacity / 2);
    });
  });

  it('prepares a read again when its table changed under it, repeating it when no transaction is open', async () => {
    await sql`create table statements_ddl (a int)`.execute(storage.db);
    try {
      await sql`insert into statements_ddl values (1)`.execute(storage.db);
      const text = 'select * from statements_ddl where a = $1';
      await onOne(async (db) => {
        const read = async (on: Kysely<Database>) => (await on.executeQuery(CompiledQuery.raw(text, [1]))).rows;
        expect(await read(db)).toEqual([{ a: 1 }]);
        await sql`alter table statements_ddl add column b text default 'b'`.execute(db);
        expect(await read(db)).toEqual([{ a: 1, b: 'b' }]);
        await sql`alter table statements_ddl add column c int`.execute(db);
        // In a transaction the read cannot be repeated (PostgreSQL aborted it): it fails once, and is prepared again after.
        await expect(db.transaction().execute((trx) => read(trx))).rejects.toMatchObject({ code: '0A000' });
        expect(await read(db)).toEqual([{ a: 1, b: 'b', c: null }]);
      });
    } finally {
      await sql`drop table statements_ddl`.execute(storage.db);
    }
  });

  it('keeps a statement prepared in a transaction rolled back, and gives a failed transaction and bad reads their own errors', async () => {
    const text = 'select t from statements_test where n = $1';
    const read = (db: Kysely<Database>, n: unknown) => db.executeQuery<{ t: string }>(CompiledQuery.raw(text, [n]));
    await onOne(async (db) => {
      await sql`deallocate all`.execute(db); // the statement is prepared again (a DEALLOCATE ALL is survived)
      await expect(
        db.transaction().execute(async (trx) => {
          expect((await read(trx, 1)).rows).toEqual([{ t: 'one' }]);
          await expect(sql`select 1 / 0`.execute(trx)).rejects.toMatchObject({ code: '22012' });
          await read(trx, 2);
        }),
      ).rejects.toMatchObject({ code: '25P02' });
      expect((await read(db, 2)).rows).toEqual([{ t: 'two' }]);
      expect(await held(db, text)).toHaveLength(1);
      // A bad parameter, a failing and a malformed read: the same errors each time, prepared or not.
      for (let i = 0; i < 2; i++) {
        await expect(read(db, 'x')).rejects.toMatchObject({ code: '22P02' });
        await expect(db.executeQuery(CompiledQuery.raw('select 1 / $1::int as x', [0]))).rejects.toMatchObject({ code: '22012' });
        await expect(db.executeQuery(CompiledQuery.raw('select from from statements_test', []))).rejects.toMatchObject({ code: '42601' });
      }
      expect((await read(db, 1)).rows).toEqual([{ t: 'one' }]);
    });
  });
});
