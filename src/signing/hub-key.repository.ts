import type { Kysely } from 'kysely';
import type { Database, HubSigningKeysTable } from '../db/schema.ts';
import type { Insertable, Selectable } from 'kysely';

/** The stored key of that name, if any. */
export function readHubKey(db: Kysely<Database>, name: string): Promise<Selectable<HubSigningKeysTable> | undefined> {
  return db.selectFrom('hub_signing_keys').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Stores a key unless one of that name exists (the first writer wins). */
export async function insertHubKeyIfAbsent(db: Kysely<Database>, row: Insertable<HubSigningKeysTable>): Promise<void> {
  await db.insertInto('hub_signing_keys').values(row).onConflict((oc) => oc.column('name').doNothing()).execute();
}
