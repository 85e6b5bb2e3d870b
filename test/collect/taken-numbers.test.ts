import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Storage } from '../../src/db/database.ts';
import { numbersTaken, TAKEN_NUMBERS } from '../../src/store/feed-lines.repository.ts';
import { describeStorage } from '../support/storage.ts';

// A batch of feed lines takes its sequence numbers and ids in one probe; the server answers a consecutive run by its
// first number (issue 17: the whole array, parsed from text, was ~1.4 KB of the importer's garbage a line), and every
// number when another session took some meanwhile.
describeStorage('feed lines: the numbers a batch takes', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
  });
  afterAll(async () => storage?.close());

  const answer = async (values: readonly number[]) =>
    (await sql<{ n: (string | number)[] }>`select ${TAKEN_NUMBERS} as n from unnest(cast(${`{${values.join(',')}}`} as bigint[])) as n(s)`.execute(storage.db)).rows[0]!.n;

  it('answers a consecutive run by its first number, and the numbers read back as the run', async () => {
    const got = await answer([43, 41, 42, 44]);
    expect(got.map(Number)).toEqual([41]);
    expect(numbersTaken(got, 4)).toEqual([41, 42, 43, 44]);
  });

  it('answers every number, in order, when the run has a gap (another session took one)', async () => {
    const got = await answer([9, 7, 11]);
    expect(got.map(Number)).toEqual([7, 9, 11]);
    expect(numbersTaken(got, 3)).toEqual([7, 9, 11]);
    expect(numbersTaken(await answer([5]), 1)).toEqual([5]);
  });

  it('refuses an answer that stands for another count of numbers', async () => {
    expect(() => numbersTaken(['1', '2'], 3)).toThrow(/2 sequence numbers answered for 3/);
    expect(() => numbersTaken(null, 2)).toThrow(/0 sequence numbers answered for 2/);
  });

  it('takes real sequence numbers that way', async () => {
    const r = await sql<{ n: (string | number)[] }>`select ${TAKEN_NUMBERS} as n from (select nextval('change_seq') as s from generate_series(1, 6)) x`.execute(storage.db);
    const taken = numbersTaken(r.rows[0]!.n, 6);
    expect(r.rows[0]!.n).toHaveLength(1);
    expect(taken.map((s) => s - taken[0]!)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
