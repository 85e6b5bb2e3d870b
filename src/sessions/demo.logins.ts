import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { SessionsService } from './sessions.service.ts';

/**
 * Gives the demo world's people a web sign-in: username = their user name, one generated password for all
 * (printed once by `serve --demo`). Hub analysts, investigators and admins enrol TOTP at first sign-in.
 * @example const password = await demoLogins(db, app.sessions, ['sakura-analyst', 'hub-analyst'])
 */
export async function demoLogins(db: Kysely<Database>, sessions: SessionsService, userNames: readonly string[]): Promise<string> {
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  if (userNames.length === 0) return password;
  const users = await db.selectFrom('users').select(['id', 'name']).where('name', 'in', [...userNames]).execute();
  for (const u of users) await sessions.setPassword(null, u.id, { username: u.name, password });
  return password;
}
