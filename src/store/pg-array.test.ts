import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Storage } from '../db/database.ts';
import { describeStorage } from '../../test/support/storage.ts';
import { columns, pgArray } from './pg-array.ts';

// Batches travel as array literals (issue 17): every value must come back exactly as sent.
describeStorage('array literals of a batch', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
  });
  afterAll(async () => storage?.close());

  it('round-trips hostile texts, nulls, JSON contents and typed columns', async () => {
    const texts = ['plain', '', 'NULL', 'with "quotes"', 'back\\slash', '{braces},commas', ' spaced ', 'ünïcødé 結節', 'line\nbreak\ttab', null];
    const r = await sql<{ t: string | null; n: number }>`select t, n from unnest(cast(${pgArray(texts)} as text[])) with ordinality as x(t, n) order by n`.execute(storage.db);
    expect(r.rows.map((x) => x.t)).toEqual(texts);

    const data = [{ type: 'indicator', pattern: "[url:value = 'http://x/\\\\a\"b']", name: 'ä "q" \\' }, { type: 'x', list: [1, null, true], nested: { '}': '{' } }];
    const rows = data.map((d, i) => ({ d, i, ok: i === 0, at: '2026-12-04T17:00:00.000Z', ids: i === 0 ? [] : ['00000000-0000-4000-8000-000000000001'] }));
    const a = columns(rows, { d: (x) => JSON.stringify(x.d), i: (x) => x.i, ok: (x) => x.ok, at: (x) => x.at, ids: (x) => `{${x.ids.join(',')}}` });
    const back = await sql<{ d: unknown; i: number; ok: boolean; at: Date; ids: string[] }>`
      select cast(d as jsonb) as d, i, ok, at, cast(ids as uuid[]) as ids
      from unnest(cast(${a.d} as text[]), cast(${a.i} as int[]), cast(${a.ok} as boolean[]), cast(${a.at} as timestamptz[]), cast(${a.ids} as text[])) as x(d, i, ok, at, ids)
      order by i`.execute(storage.db);
    expect(back.rows.map((x) => x.d)).toEqual(data);
    expect(back.rows.map((x) => x.ok)).toEqual([true, false]);
    expect(back.rows.map((x) => new Date(x.at).toISOString())).toEqual([rows[0]!.at, rows[1]!.at]);
    expect(back.rows.map((x) => x.ids.length)).toEqual([0, 1]);
  });

  it('round-trips any storable texts and nulls, mixed columns and the JSON fast path alike', async () => {
    // Storable: no NUL, no lone surrogate (the ingest refuses those first). Array syntax and escapes are drawn often.
    const char = fc.oneof(fc.constantFrom('"', '\\', '{', '}', ',', ' ', '\n', '\t', '\u0001', '\u001f', 'N', 'u', 'l', '😀', '\u2028'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !c.includes('\u0000')));
    const text = fc.oneof(fc.string({ unit: char, maxLength: 12 }), fc.constantFrom('NULL', 'null', ''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 8 }), async (texts) => {
        const r = await sql<{ t: string | null; n: number }>`select t, n from unnest(cast(${pgArray(texts)} as text[])) with ordinality as x(t, n) order by n`.execute(storage.db);
        expect(r.rows.map((x) => x.t)).toEqual(texts);
      }),
      { numRuns: 150 },
    );
  });

  it('an empty batch is an empty array', async () => {
    const r = await sql<{ n: number }>`select cardinality(cast(${pgArray([])} as text[])) as n`.execute(storage.db);
    expect(Number(r.rows[0]!.n)).toBe(0);
  });
});
