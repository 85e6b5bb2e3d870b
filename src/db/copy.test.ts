import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Storage } from './database.ts';
import { describeStorage } from '../../test/support/storage.ts';
import { copyBuffer, copyLine, copyRows, copyText } from './copy.ts';

// Bulk rows travel by COPY (issue 17) through Kysely on both drivers: every value must come back exactly as sent,
// inside the caller's transaction, and a failing COPY must leave the transaction and the connection as any
// failing statement does.
describeStorage('COPY through Kysely', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
    await sql`create table copy_test (n int primary key, t text, d jsonb, at timestamptz, ids uuid[], ok boolean)`.execute(storage.db);
  });
  afterAll(async () => {
    await sql`drop table if exists copy_test`.execute(storage.db);
    await storage?.close();
  });
  const cols = ['n', 't', 'd', 'at', 'ids', 'ok'];
  const read = async () => (await sql<{ n: number; t: string | null; d: unknown; at: Date | null; ids: string[] | null; ok: boolean | null }>`select * from copy_test order by n`.execute(storage.db)).rows;

  it('round-trips hostile texts, nulls, JSON contents and typed columns', async () => {
    const texts = ['plain', '', 'NULL', '\\N', '\\.', 'with "quotes"', 'back\\slash', 'line\nbreak\ttab\rreturn', 'ünïcødé 結節 😀', null];
    const data = { type: 'indicator', pattern: "[url:value = 'http://x/\\\\a\"b\tc']", name: 'ä "q" \\\n', list: [1, null, true] };
    await sql`delete from copy_test`.execute(storage.db);
    await copyRows(storage.db, 'copy_test', cols, copyText(texts.map((t, i) => [i, t, JSON.stringify(data), i % 2 ? '2026-12-05T11:00:00.000Z' : null, i % 3 ? '{00000000-0000-4000-8000-000000000001}' : '{}', i % 2 === 0])));
    const back = await read();
    expect(back.map((r) => r.t)).toEqual(texts);
    expect(back.map((r) => r.d)).toEqual(texts.map(() => data));
    expect(back.map((r) => (r.at ? new Date(r.at).toISOString() : null))).toEqual(texts.map((_, i) => (i % 2 ? '2026-12-05T11:00:00.000Z' : null)));
    expect(back.map((r) => r.ids?.length)).toEqual(texts.map((_, i) => (i % 3 ? 1 : 0)));
    expect(back.map((r) => r.ok)).toEqual(texts.map((_, i) => i % 2 === 0));
  });

  it('round-trips any storable texts', async () => {
    const char = fc.oneof(fc.constantFrom('"', '\\', '\n', '\t', '\r', '.', 'N', '\u0001', '😀', '\u2028'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !c.includes('\u0000')));
    const text = fc.oneof(fc.string({ unit: char, maxLength: 12 }), fc.constantFrom('\\N', '\\.', ''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 8 }), async (texts) => {
        await sql`delete from copy_test`.execute(storage.db);
        // As one string, or as lines written into one UTF-8 buffer (what the write path sends), some of them encoded
        // ahead (a feed line's row built while the batch before is written).
        const rows = texts.map((t, i) => [i, t] as const);
        const lines = rows.map((r, i) => (i % 3 === 1 ? Buffer.from(copyLine(r)) : copyLine(r)));
        await copyRows(storage.db, 'copy_test', ['n', 't'], texts.length % 2 ? copyText(rows) : copyBuffer(lines));
        expect((await read()).map((r) => r.t)).toEqual(texts);
      }),
      { numRuns: 100 },
    );
  });

  it('belongs to the transaction: a failing COPY undoes what came before it, and the connection goes on', async () => {
    await sql`delete from copy_test`.execute(storage.db);
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await copyRows(trx, 'copy_test', ['n', 't'], copyText([[1, 'first']]));
        await copyRows(trx, 'copy_test', ['n', 't'], copyText([[2, 'second'], [1, 'duplicate key']]));
      }),
    ).rejects.toThrow(/duplicate key|copy_test_pkey/);
    expect(await read()).toEqual([]);
    await storage.db.transaction().execute(async (trx) => {
      await copyRows(trx, 'copy_test', ['n', 't'], copyText([[3, 'third']]));
      await sql`insert into copy_test (n, t) values (4, 'fourth')`.execute(trx);
    });
    expect((await read()).map((r) => r.t)).toEqual(['third', 'fourth']);
  });

  it('refuses a malformed row with the server’s error, naming the line', async () => {
    await expect(copyRows(storage.db, 'copy_test', ['n', 't'], 'not a number\tx\n')).rejects.toThrow(/integer|invalid input/);
  });
});
