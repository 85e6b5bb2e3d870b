import type { Kysely } from 'kysely';
import type { ApiKeyRow, Database, OrgKind, Role, Sector } from '../db/schema.ts';

/** A key joined with what authentication needs of its user and organisation. */
export interface KeyPrincipalRow {
  readonly key_id: string;
  readonly hash: string;
  readonly revoked_at: Date | null;
  readonly user_id: string;
  readonly role: Role;
  readonly disabled_at: Date | null;
  readonly org_id: string;
  readonly org_kind: OrgKind;
  readonly sector: Sector | null;
  readonly nda_accepted_at: Date | null;
}

/** Stores a new key's hash. */
export function insertKey(db: Kysely<Database>, k: { user_id: string; name: string; prefix: string; hash: string }): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(k).returningAll().executeTakeFirstOrThrow();
}

/** The key with a visible prefix, joined with its user and organisation. */
export function findKeyPrincipal(db: Kysely<Database>, prefix: string): Promise<KeyPrincipalRow | undefined> {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .innerJoin('orgs as o', 'o.id', 'u.org_id')
    .select([
      'k.id as key_id',
      'k.hash',
      'k.revoked_at',
      'u.id as user_id',
      'u.role',
      'u.disabled_at',
      'o.id as org_id',
      'o.kind as org_kind',
      'o.sector',
      'o.nda_accepted_at',
    ])
    .where('k.prefix', '=', prefix)
    .executeTakeFirst();
}

/** Sharing groups an organisation belongs to. */
export async function groupIdsOfOrg(db: Kysely<Database>, orgId: string): Promise<string[]> {
  const rows = await db.selectFrom('sharing_group_members').select('group_id').where('org_id', '=', orgId).execute();
  return rows.map((r) => r.group_id);
}

/** Keys of a user, newest first (hashes left out). */
export function listKeysOfUser(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Marks a key revoked; returns it, or undefined when it is not that user's. */
export function revokeKey(db: Kysely<Database>, userId: string, keyId: string) {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', keyId)
    .where('user_id', '=', userId)
    .returning(['id', 'prefix', 'revoked_at'])
    .executeTakeFirst();
}

/** Records when keys were last used, in one statement. */
export async function touchKeys(db: Kysely<Database>, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', 'in', ids).execute();
}

/** Of the given keys and users, those still usable: keys not revoked of enabled users, and enabled users. */
export async function liveCredentials(db: Kysely<Database>, keyIds: readonly string[], userIds: readonly string[]): Promise<{ keys: Set<string>; users: Set<string> }> {
  const [keys, users] = await Promise.all([
    keyIds.length
      ? db.selectFrom('api_keys as k').innerJoin('users as u', 'u.id', 'k.user_id').select('k.id').where('k.id', 'in', keyIds).where('k.revoked_at', 'is', null).where('u.disabled_at', 'is', null).execute()
      : Promise.resolve([]),
    userIds.length ? db.selectFrom('users').select('id').where('id', 'in', userIds).where('disabled_at', 'is', null).execute() : Promise.resolve([]),
  ]);
  return { keys: new Set(keys.map((k) => k.id)), users: new Set(users.map((u) => u.id)) };
}
