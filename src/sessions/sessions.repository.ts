import type { Kysely } from 'kysely';
import type { Database, OrgKind, Role, Sector } from '../db/schema.ts';

/** A login joined with what sign-in needs of its user. */
export interface LoginRow {
  readonly user_id: string;
  readonly username: string;
  readonly password_hash: string;
  readonly totp_secret: string | null;
  readonly totp_confirmed_at: Date | null;
  readonly totp_last_step: string | number;
  readonly failed_attempts: number;
  readonly locked_until: Date | null;
  readonly role: Role;
  readonly disabled_at: Date | null;
}

/** A live session joined with the user and organisation the access policy needs. */
export interface SessionPrincipalRow {
  readonly session_id: string;
  readonly stage: 'totp' | 'enrol' | 'full';
  readonly csrf_token: string;
  readonly expires_at: Date;
  readonly last_seen_at: Date;
  readonly user_id: string;
  readonly user_name: string;
  readonly locale: string;
  readonly role: Role;
  readonly disabled_at: Date | null;
  readonly org_id: string;
  readonly org_name: string;
  readonly org_kind: OrgKind;
  readonly sector: Sector | null;
  readonly nda_accepted_at: Date | null;
  readonly username: string | null;
  readonly totp_confirmed_at: Date | null;
}

/** The login of a username (case-insensitive: usernames are stored lower-case). */
export function findLoginByUsername(db: Kysely<Database>, username: string): Promise<LoginRow | undefined> {
  return db
    .selectFrom('user_logins as l')
    .innerJoin('users as u', 'u.id', 'l.user_id')
    .select(['l.user_id', 'l.username', 'l.password_hash', 'l.totp_secret', 'l.totp_confirmed_at', 'l.totp_last_step', 'l.failed_attempts', 'l.locked_until', 'u.role', 'u.disabled_at'])
    .where('l.username', '=', username.toLowerCase())
    .executeTakeFirst();
}

/** The login of a user. */
export function findLoginOfUser(db: Kysely<Database>, userId: string): Promise<LoginRow | undefined> {
  return db
    .selectFrom('user_logins as l')
    .innerJoin('users as u', 'u.id', 'l.user_id')
    .select(['l.user_id', 'l.username', 'l.password_hash', 'l.totp_secret', 'l.totp_confirmed_at', 'l.totp_last_step', 'l.failed_attempts', 'l.locked_until', 'u.role', 'u.disabled_at'])
    .where('l.user_id', '=', userId)
    .executeTakeFirst();
}

/** Creates or replaces a user's username and password (resets failures and the lock). */
export async function upsertPassword(db: Kysely<Database>, userId: string, username: string, hash: string): Promise<void> {
  await db
    .insertInto('user_logins')
    .values({ user_id: userId, username: username.toLowerCase(), password_hash: hash })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ username: username.toLowerCase(), password_hash: hash, failed_attempts: 0, locked_until: null, password_changed_at: new Date() }))
    .execute();
}

/** Records a failed attempt; locks the login until `lockUntil` when the count reaches `threshold`. Returns the new count. */
export async function recordFailure(db: Kysely<Database>, userId: string, threshold: number, lockUntil: Date): Promise<number> {
  const row = await db
    .updateTable('user_logins')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('user_id', '=', userId)
    .returning('failed_attempts')
    .executeTakeFirst();
  const count = row?.failed_attempts ?? 0;
  if (count >= threshold) await db.updateTable('user_logins').set({ locked_until: lockUntil, failed_attempts: 0 }).where('user_id', '=', userId).execute();
  return count;
}

/** Clears the failure count after a successful password. */
export async function clearFailures(db: Kysely<Database>, userId: string): Promise<void> {
  await db.updateTable('user_logins').set({ failed_attempts: 0, locked_until: null }).where('user_id', '=', userId).execute();
}

/** Stores a TOTP secret not yet confirmed (enrolment started). */
export async function setTotpSecret(db: Kysely<Database>, userId: string, secret: string | null): Promise<void> {
  await db.updateTable('user_logins').set({ totp_secret: secret, totp_confirmed_at: null, totp_last_step: 0 }).where('user_id', '=', userId).execute();
}

/** Marks a step used (and the secret confirmed); false when another request used that step or a later one first. */
export async function useTotpStep(db: Kysely<Database>, userId: string, step: number, confirm: boolean): Promise<boolean> {
  const res = await db
    .updateTable('user_logins')
    .set({ totp_last_step: step, ...(confirm ? { totp_confirmed_at: new Date() } : {}) })
    .where('user_id', '=', userId)
    .where('totp_last_step', '<', step)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Stores a new session. */
export async function insertSession(db: Kysely<Database>, s: { id: string; user_id: string; stage: 'totp' | 'enrol' | 'full'; csrf_token: string; expires_at: Date; user_agent: string | null }): Promise<void> {
  await db.insertInto('web_sessions').values(s).execute();
}

/** A session by the hash of its token, with its user and organisation. */
export function findSessionPrincipal(db: Kysely<Database>, id: string): Promise<SessionPrincipalRow | undefined> {
  return db
    .selectFrom('web_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('orgs as o', 'o.id', 'u.org_id')
    .leftJoin('user_logins as l', 'l.user_id', 'u.id')
    .select([
      's.id as session_id',
      's.stage',
      's.csrf_token',
      's.expires_at',
      's.last_seen_at',
      'u.id as user_id',
      'u.name as user_name',
      'u.locale',
      'u.role',
      'u.disabled_at',
      'o.id as org_id',
      'o.name as org_name',
      'o.kind as org_kind',
      'o.sector',
      'o.nda_accepted_at',
      'l.username',
      'l.totp_confirmed_at',
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

/** Moves a session to another stage (after the second factor). */
export async function setSessionStage(db: Kysely<Database>, id: string, stage: 'totp' | 'enrol' | 'full', expiresAt: Date): Promise<void> {
  await db.updateTable('web_sessions').set({ stage, expires_at: expiresAt, last_seen_at: new Date() }).where('id', '=', id).execute();
}

/** Extends a session's idle expiry. */
export async function touchSession(db: Kysely<Database>, id: string, expiresAt: Date): Promise<void> {
  await db.updateTable('web_sessions').set({ last_seen_at: new Date(), expires_at: expiresAt }).where('id', '=', id).execute();
}

/** Deletes one session. */
export async function deleteSession(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id', '=', id).execute();
}

/** Deletes every session of a user (sign-out everywhere); returns how many. */
export async function deleteSessionsOfUser(db: Kysely<Database>, userId: string): Promise<number> {
  const res = await db.deleteFrom('web_sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Deletes expired sessions. */
export async function deleteExpiredSessions(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('web_sessions').where('expires_at', '<', now).execute();
}
