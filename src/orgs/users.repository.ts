import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, UserRow, UsersTable } from '../db/schema.ts';

/** Inserts a user and returns it. */
export function insertUser(db: Kysely<Database>, user: Insertable<UsersTable>): Promise<UserRow> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
}

/** One user by id. */
export function findUser(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Users of one organisation, by name. */
export function listUsersOfOrg(db: Kysely<Database>, orgId: string): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).orderBy('name').orderBy('id').execute();
}

/** Updates a user and returns the new row. */
export function updateUser(db: Kysely<Database>, id: string, patch: Updateable<UsersTable>): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ ...patch, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
