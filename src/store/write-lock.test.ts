import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Storage } from '../db/database.ts';
import { describeStorage } from '../../test/support/storage.ts';
import { lockKnowledgeWrites } from './knowledge.writer.ts';

// The write lock's transaction compiles nothing with PostgreSQL's JIT (issue 17: LLVM took 40–60 ms of each ~90 ms
// batch statement of a re-import), and only that transaction: the setting is local to it.
describeStorage('knowledge write lock', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
  });
  afterAll(async () => storage?.close());

  const jit = async (db: Storage['db']): Promise<string> => (await sql<{ v: string }>`select current_setting('jit') as v`.execute(db)).rows[0]!.v;

  it('turns JIT off inside the writing transaction, not after it', async () => {
    const before = await jit(storage.db);
    const inside = await storage.db.transaction().execute(async (trx) => {
      await lockKnowledgeWrites(trx);
      return jit(trx);
    });
    expect(inside).toBe('off');
    expect(await jit(storage.db)).toBe(before);
  });
});
