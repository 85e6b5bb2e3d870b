// Start time (issue 17.3): a database whose recorded migrations are exactly this build's is recognised by two
// small queries; every other state still goes through Kysely's Migrator and answers as before.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest, migrationNames, pendingMigrations } from '../../src/db/migrator.ts';
import { describeStorage } from '../support/storage.ts';

describeStorage('migrations on start', (backend) => {
  it('a current database: nothing pending, nothing applied; a missing record is pending again; an unknown one is refused as before', async () => {
    const storage = await backend.open();
    const db = storage.db;
    const last = migrationNames.at(-1)!;
    const row = (await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration where name = ${last}`.execute(db)).rows[0]!;
    expect(row.name).toBe(last);
    try {
      expect(await migrateToLatest(db)).toEqual([]);
      expect(await pendingMigrations(db)).toEqual([]);

      // The harness keeps kysely_* tables across tests, so every change below is undone in finally.
      await sql`delete from kysely_migration where name = ${last}`.execute(db);
      expect(await pendingMigrations(db)).toEqual([last]);
      await sql`insert into kysely_migration (name, timestamp) values (${row.name}, ${row.timestamp})`.execute(db);
      expect(await pendingMigrations(db)).toEqual([]);

      await sql`insert into kysely_migration (name, timestamp) values ('2099-01-01T00-00-from-a-newer-build', ${row.timestamp})`.execute(db);
      await expect(migrateToLatest(db)).rejects.toThrow(/previously executed migration 2099-01-01T00-00-from-a-newer-build is missing/);
    } finally {
      await sql`delete from kysely_migration where name = '2099-01-01T00-00-from-a-newer-build'`.execute(db);
      await sql`insert into kysely_migration (name, timestamp) select ${row.name}, ${row.timestamp} where not exists (select 1 from kysely_migration where name = ${row.name})`.execute(db);
      await storage.close();
    }
  });
});
