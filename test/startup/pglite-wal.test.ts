// PGlite is single-user PostgreSQL, which never checkpoints by itself while it runs: without the hub's own
// checkpoints its WAL grows with every write until the hub stops, and a killed hub replays all of it at its next start
// (issue 17: ~0.9 GB per 100,000 CSV rows). The hub checkpoints once the WAL since the last checkpoint passes
// KESSETSU_PGLITE_MAX_WAL_MB — between an ingest's slices too, inside its transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openPglite } from '../../src/db/database.ts';
import { walSinceCheckpoint } from '../../src/db/pglite.wal.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { migratedFolder } from '../support/cli.ts';
import { as, makeMember, startHub } from '../support/app.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pglite-wal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MB = 2 ** 20;

it('a checkpoint through an open transaction brings the WAL since the last one under the bound; the transaction commits', async () => {
  const storage = await openPglite(migratedFolder(path.join(tmp, 'unit')), undefined, { maxWalMb: 16 });
  try {
    const db = storage.db;
    await sql`create table wal_probe (n int, pad text)`.execute(db);
    await db.transaction().execute(async (trx) => {
      await sql`insert into wal_probe select g, repeat('x', 200) from generate_series(1, 150000) g`.execute(trx);
      expect(await walSinceCheckpoint(trx)).toBeGreaterThan(16 * MB);
      await storage.walCheck!(trx);
      expect(await walSinceCheckpoint(trx)).toBeLessThan(MB);
      await sql`insert into wal_probe values (0, 'after the checkpoint')`.execute(trx);
    });
    expect((await sql<{ n: number }>`select count(*)::int as n from wal_probe`.execute(db)).rows[0]!.n).toBe(150_001);
    // (That count set the rows' hint bits: with data checksums each page is logged whole again, ~36 MB.)
    await storage.walCheck!(db);
    // Under the bound nothing is done.
    const before = await walSinceCheckpoint(db);
    expect(before).toBeLessThan(MB);
    await sql`insert into wal_probe values (1, 'small')`.execute(db);
    await storage.walCheck!(db);
    expect(await walSinceCheckpoint(db)).toBeGreaterThan(before);
  } finally {
    await storage.close();
  }
}, 120_000);

it('the check between slices writes out the WAL PostgreSQL holds in its buffers (one flush, not a write per 8 kB page), under the bound too', async () => {
  const storage = await openPglite(migratedFolder(path.join(tmp, 'flush')));
  try {
    const lsns = sql<{ insert: string; flush: string }>`select (pg_current_wal_insert_lsn() - '0/0')::bigint as insert, (pg_current_wal_flush_lsn() - '0/0')::bigint as flush`;
    await sql`create table wal_flush_probe (n int, pad text)`.execute(storage.db);
    await storage.db.transaction().execute(async (trx) => {
      await sql`insert into wal_flush_probe select g, repeat('x', 200) from generate_series(1, 20000) g`.execute(trx); // ~5 MB of WAL, in the 16 MB of buffers
      const before = (await lsns.execute(trx)).rows[0]!;
      expect(Number(before.insert) - Number(before.flush)).toBeGreaterThan(2 * MB); // held in the buffers: nothing commits, and single-user PostgreSQL has no WAL writer
      await storage.walCheck!(trx);
      const after = (await lsns.execute(trx)).rows[0]!;
      expect(Number(after.flush)).toBeGreaterThanOrEqual(Number(before.insert)); // all of it written, and no checkpoint (under the bound)
      expect(await walSinceCheckpoint(trx)).toBeGreaterThan(2 * MB);
    });
    expect((await sql<{ n: number }>`select count(*)::int as n from wal_flush_probe`.execute(storage.db)).rows[0]!.n).toBe(20_000);
  } finally {
    await storage.close();
  }
}, 120_000);

it('an ingest of a large CSV feed checkpoints between its slices: what a crash would replay stays near the bound', async () => {
  const hub = await startHub(
    { name: 'pglite', open: () => openPglite(migratedFolder(path.join(tmp, 'hub')), undefined, { maxWalMb: 16 }) },
    { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_INGEST_SLICE_OBJECTS: '1500', ...STORED_ONLY },
  );
  try {
    const m = await makeMember(hub);
    const rows = 12_000;
    const csv = ['value,type', ...Array.from({ length: rows }, (_, i) => `wal-${i}.example.net,domain-name`), ''].join('\n');
    const lsn = async () => Number((await sql<{ n: string }>`select (pg_current_wal_insert_lsn() - '0/0')::bigint as n`.execute(hub.app.storage.db)).rows[0]!.n);
    const start = await lsn();
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(m.key), 'content-type': 'text/csv' }, payload: csv });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.json().counts.objects).toBe(3 * rows);
    // Since the last checkpoint: at most the bound, a slice or two and what followed the commit — without the
    // checkpoints between slices, all of the ingest's WAL.
    const written = (await lsn()) - start;
    expect(written).toBeGreaterThan(90 * MB);
    expect(await walSinceCheckpoint(hub.app.storage.db)).toBeLessThan(48 * MB);
  } finally {
    await hub.close();
  }
}, 300_000);

it('a bad KESSETSU_PGLITE_MAX_WAL_MB is a configuration error naming it', () => {
  for (const bad of ['0', '8', 'lots', '1GB']) expect(() => loadConfig({ KESSETSU_PGLITE_MAX_WAL_MB: bad })).toThrow(ConfigError);
  expect(() => loadConfig({ KESSETSU_PGLITE_MAX_WAL_MB: '8' })).toThrow(/KESSETSU_PGLITE_MAX_WAL_MB/);
  expect(loadConfig({}).pgliteMaxWalMb).toBe(1024);
  expect(loadConfig({ KESSETSU_PGLITE_MAX_WAL_MB: '256' }).pgliteMaxWalMb).toBe(256);
});
