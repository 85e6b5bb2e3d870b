import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { describeStorage } from '../../test/support/storage.ts';
import type { Storage } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { IngestSide } from './ingest.side.ts';

const pidOf = async (db: Kysely<Database>): Promise<number> => Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid);
const keysLike = async (db: Kysely<Database>, prefix: string): Promise<number> => (await db.selectFrom('feed_sids').select('key').where('key', 'like', `${prefix}%`).execute()).length;

describeStorage('IngestSide', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
  });
  afterAll(async () => {
    await storage.close();
  });

  it('hands the work to a transaction of its own connection (PostgreSQL), or runs it at once in the ingest\'s (PGlite)', async () => {
    const prefix = `side-${crypto.randomUUID()}:`;
    let side: IngestSide | undefined;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pids: number[] = [];
    await storage.db.transaction().execute(async (trx) => {
      side = new IngestSide(storage.side, trx);
      const mainPid = await pidOf(trx);
      const run = side.run(async (db) => {
        pids.push(await pidOf(db));
        if (storage.side) await gate; // handed over: the ingest goes on while this waits
        await db.insertInto('feed_sids').values({ key: `${prefix}a`, sid: 1 }).execute();
      });
      if (storage.side) {
        await run; // returns before the work is done
        expect(await keysLike(trx, prefix)).toBe(0); // the ingest's transaction does not see the side's rows
        release();
        await side.drain();
        expect(pids).toHaveLength(1);
        expect(pids[0]).not.toBe(mainPid);
        expect(await keysLike(storage.db, prefix)).toBe(0); // not committed yet
      } else {
        await run;
        expect(pids).toEqual([mainPid]);
        expect(await keysLike(trx, prefix)).toBe(1);
      }
    });
    await side!.commit();
    expect(await keysLike(storage.db, prefix)).toBe(1);
  });

  it('throws a failure of the work handed over at the next run and at drain, and rolls the side back', async () => {
    if (!storage.side) return; // PGlite: the work's failure is the ingest's at once
    const prefix = `side-${crypto.randomUUID()}:`;
    const outcome = await storage.db
      .transaction()
      .execute(async (trx) => {
        const side = new IngestSide(storage.side, trx);
        await side.run((db) => db.insertInto('feed_sids').values({ key: `${prefix}kept-until-rollback`, sid: 2 }).execute().then(() => undefined));
        await side.run(async () => {
          throw new Error('simulated');
        });
        await expect(side.drain()).rejects.toThrow('simulated');
        await expect(side.run(async () => {})).rejects.toThrow('simulated');
        await side.rollback();
        return 'rolled back';
      });
    expect(outcome).toBe('rolled back');
    expect(await keysLike(storage.db, prefix)).toBe(0);
  });
});
