import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Storage } from '../db/database.ts';
import { describeStorage } from '../../test/support/storage.ts';
import { unnestRows } from './unnest-rows.ts';

// Rows of a batch with the values they share sent once (issue 17): every row comes back as sent, whether a column
// varies (an array) or not (one parameter), for each type the re-import's look-up uses.
describeStorage('rows unnested, shared values sent once', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
  });
  afterAll(async () => storage?.close());

  interface Row {
    readonly id: string;
    readonly org: string;
    readonly keep: boolean;
    readonly at: string | null;
    readonly n: number | null;
    readonly note: string | null;
  }
  const cols = {
    id: { type: 'text', pick: (r: Row) => r.id },
    org: { type: 'uuid', pick: (r: Row) => r.org },
    keep: { type: 'boolean', pick: (r: Row) => r.keep },
    at: { type: 'timestamptz', pick: (r: Row) => r.at },
    n: { type: 'smallint', pick: (r: Row) => r.n },
    note: { type: 'text', pick: (r: Row) => r.note },
  };
  const org = '00000000-0000-4000-8000-000000000001';
  const at = '2026-12-05T17:00:00.000Z';
  const back = async (rows: readonly Row[]) => {
    const r = await sql<{ i: number | string; id: string; org: string; keep: boolean; at: Date | string | null; n: number | null; note: string | null }>`
      select x.i, x.id, x.org, x.keep, x.at, x.n, x.note from ${unnestRows(rows, cols, 'x')} order by x.i`.execute(storage.db);
    return r.rows.map((x) => ({ i: Number(x.i), id: x.id, org: x.org, keep: x.keep, at: x.at === null ? null : new Date(x.at).toISOString(), n: x.n, note: x.note }));
  };

  it('gives every row back, in order, columns shared or not', async () => {
    const shared: Row[] = [0, 1, 2].map((i) => ({ id: `a"${i}`, org, keep: false, at, n: null, note: null }));
    expect(await back(shared)).toEqual(shared.map((r, i) => ({ ...r, i: i + 1 })));
    const mixed: Row[] = [
      { id: 'x', org, keep: true, at: null, n: 3, note: 'it\'s "quoted"' },
      { id: 'y', org: '00000000-0000-4000-8000-000000000002', keep: false, at, n: null, note: null },
    ];
    expect(await back(mixed)).toEqual(mixed.map((r, i) => ({ ...r, i: i + 1 })));
    // One row: the first column is an array, the others parameters.
    expect(await back([mixed[0]!])).toEqual([{ ...mixed[0]!, i: 1 }]);
  });
});
