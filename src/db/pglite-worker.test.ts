import { cpSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPglite, type Storage } from './database.ts';
import { copyRows, copyText } from './copy.ts';
import { PgliteWorker } from './pglite-worker.client.ts';
import { AppError } from '../shared/errors.ts';

// PGlite in its own thread (issue 17): everything the hub relied on with PGlite on the main thread must hold across
// the messages: PostgreSQL's error fields, transactions spanning messages, COPY, notifications, the parsers,
// parameters of every kind, the order of concurrent callers, and a worker that dies answering as a storage fault.

function templateCopy(): string {
  const dir = mkdtempSync(path.join(inject('testTmp'), 'pglite-worker-'));
  cpSync(inject('pgliteTemplate'), dir, { recursive: true });
  return dir;
}

describe('PGlite in a worker thread', () => {
  let worker: PgliteWorker;
  let storage: Storage;
  const count = async (): Promise<number> => (await sql<{ n: number }>`select count(*) as n from w_test`.execute(storage.db)).rows[0]!.n;

  beforeAll(async () => {
    worker = await PgliteWorker.start(templateCopy(), 16);
    storage = await openPglite('(test)', worker);
    await sql`create table w_test (n int primary key, t text, b bytea, at timestamptz, tags text[])`.execute(storage.db);
  });
  afterAll(async () => {
    await storage?.close();
    await worker?.close();
  });

  it('passes PostgreSQL error fields to the caller', async () => {
    await sql`insert into w_test (n) values (1)`.execute(storage.db);
    const dup = await sql`insert into w_test (n) values (1)`.execute(storage.db).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Error);
    expect(dup).toMatchObject({ message: 'duplicate key value violates unique constraint "w_test_pkey"', code: '23505', constraint: 'w_test_pkey', detail: 'Key (n)=(1) already exists.', table: 'w_test', severity: 'ERROR' });
    const syntax = await sql`select from where`.execute(storage.db).catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: '42601', position: '13' });
    await sql`delete from w_test`.execute(storage.db);
  });

  it('applies the int8 and numeric parsers and round-trips dates, bytes, arrays and JSON', async () => {
    const at = new Date('2026-12-05T10:11:12.345Z');
    const r = await sql<{ big: number; num: number; at: Date; b: Uint8Array; tags: string[]; j: unknown }>`
      select 9007199254740991::int8 as big, 12.5::numeric as num, ${at}::timestamptz as at, ${Buffer.from([0, 1, 255])}::bytea as b,
             ${['a', 'b"c']}::text[] as tags, ${JSON.stringify({ x: [1, null] })}::jsonb as j`.execute(storage.db);
    expect(r.rows[0]).toEqual({ big: 9007199254740991, num: 12.5, at, b: new Uint8Array([0, 1, 255]), tags: ['a', 'b"c'], j: { x: [1, null] } });
  });

  it('commits a transaction that spans messages, and rolls back one that throws', async () => {
    await storage.db.transaction().execute(async (trx) => {
      await sql`insert into w_test (n) values (10)`.execute(trx);
      await sql`insert into w_test (n) values (11)`.execute(trx);
    });
    expect(await count()).toBe(2);
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await sql`insert into w_test (n) values (12)`.execute(trx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await sql`insert into w_test (n) values (13)`.execute(trx);
        await sql`insert into w_test (n) values (10)`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await count()).toBe(2);
    await sql`delete from w_test`.execute(storage.db);
  });

  it('undoes the transaction of a failing COPY, and goes on', async () => {
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await copyRows(trx, 'w_test', ['n', 't'], copyText([[1, 'first']]));
        await copyRows(trx, 'w_test', ['n', 't'], Buffer.from(copyText([[2, 'second'], [1, 'again']])));
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await count()).toBe(0);
    await copyRows(storage.db, 'w_test', ['n', 't', 'tags'], copyText([[5, 'tab\there', '{x,y}']]));
    expect((await sql`select n, t, tags from w_test`.execute(storage.db)).rows).toEqual([{ n: 5, t: 'tab\there', tags: ['x', 'y'] }]);
    await sql`delete from w_test`.execute(storage.db);
  });

  it('makes statements outside a transaction wait for it, and answers concurrent callers in order', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = storage.db.transaction().execute(async (trx) => {
      await sql`insert into w_test (n) values (20)`.execute(trx);
      await held;
      await sql`insert into w_test (n) values (21)`.execute(trx);
    });
    await new Promise((r) => setTimeout(r, 20));
    const outside = worker.query<{ n: number }>('select count(*)::int as n from w_test');
    let seen: number | undefined;
    void outside.then((r) => (seen = r.rows[0]!.n));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toBeUndefined(); // still waiting for the transaction
    release();
    await tx;
    expect((await outside).rows[0]!.n).toBe(2);
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => worker.query<{ i: number }>('select $1::int as i', [i])));
    expect(many.map((r) => r.rows[0]!.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await sql`delete from w_test`.execute(storage.db);
  });

  it('delivers notifications to listeners until they unsubscribe, after the commit', async () => {
    const got: string[] = [];
    const off = await storage.listen('w_chan', (p) => got.push(`a:${p}`));
    const off2 = await storage.listen('w_chan', (p) => got.push(`b:${p}`));
    await storage.db.transaction().execute(async (trx) => {
      await sql`select pg_notify('w_chan', 'in tx')`.execute(trx);
      expect(got).toEqual([]);
    });
    await sql`notify w_chan, 'plain'`.execute(storage.db);
    await off();
    await sql`notify w_chan, 'after'`.execute(storage.db);
    await off2();
    await sql`notify w_chan, 'none'`.execute(storage.db);
    await worker.query('select 1');
    expect(got).toEqual(['a:in tx', 'b:in tx', 'a:plain', 'b:plain', 'b:after']);
    // Listening again after everyone left: each notification once.
    const again: string[] = [];
    const off3 = await storage.listen('w_chan', (p) => again.push(p));
    await sql`notify w_chan, 'once'`.execute(storage.db);
    await worker.query('select 1');
    expect(again).toEqual(['once']);
    await off3();
  });

  it('refuses a parameter that cannot cross, and goes on', async () => {
    await expect(worker.query('select $1::text', [() => 1])).rejects.toThrow(/could not be cloned/);
    expect((await worker.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });
});

describe('PGlite worker lifecycle', () => {
  it('closes: the folder opens again, and calls after close fail', async () => {
    const dir = templateCopy();
    const storage = await openPglite(dir);
    await sql`create table kept (n int)`.execute(storage.db);
    await sql`insert into kept values (7)`.execute(storage.db);
    await storage.close();
    await expect(sql`select 1`.execute(storage.db)).rejects.toThrow();
    const again = await openPglite(dir);
    expect((await sql`select n from kept`.execute(again.db)).rows).toEqual([{ n: 7 }]);
    await again.close();
  });

  it('answers a worker that dies as a storage fault (503), for pending and later calls, without hanging', async () => {
    const worker = await PgliteWorker.start(templateCopy(), 16);
    const storage = await openPglite('(test)', worker);
    const pending = sql`select pg_sleep(0.5)`.execute(storage.db).catch((e: unknown) => e);
    await worker.kill();
    const err = await pending;
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'unavailable' });
    await expect(sql`select 1`.execute(storage.db)).rejects.toMatchObject({ code: 'unavailable' });
    expect(storage.faults?.current?.kind).toBe('unreachable');
    await expect(worker.transaction(async () => 1)).rejects.toMatchObject({ code: '57P02' });
    expect(worker.closed).toBe(true);
    await storage.close();
  });

  it('reports PGlite failing to open a folder with its error', async () => {
    const dir = templateCopy();
    cpSync(path.join(dir, 'PG_VERSION'), path.join(dir, 'global', 'pg_control'), { force: true }); // a broken control file
    await expect(openPglite(dir)).rejects.toThrow(/could not be opened/);
  });
});
