import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.ts';
import { isAdmin, type Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { groupIdsOfOrg } from '../auth/keys.repository.ts';
import { findUser } from '../orgs/users.repository.ts';
import { PASSWORD_SCRYPT, dummyHash, checkPasswordStrength, hashPassword, verifyPassword, type ScryptCost } from './password.ts';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.ts';
import * as repo from './sessions.repository.ts';
import type { SessionPrincipalRow } from './sessions.repository.ts';

/** Roles that must pass a second factor (TOTP) before a session is usable. */
export const TOTP_ROLES: ReadonlySet<Role> = new Set<Role>(['hub_analyst', 'investigator', 'admin']);

/** Options of the sign-in service. */
export interface SessionOptions {
  /** Failed passwords or codes in a row before the login locks. */
  readonly lockThreshold?: number;
  /** How long a lock lasts, in ms. */
  readonly lockMs?: number;
  /** A session ends after this long without requests, in ms. */
  readonly idleMs?: number;
  /** The clock (tests move it). */
  readonly now?: () => number;
  /**
   * The scrypt cost of passwords set from now on (PASSWORD_SCRYPT unless told). Test hubs set a low one, as their
   * factory keys have (test speed, issue 11.7); stored hashes are verified at the cost they record, whatever this is.
   */
  readonly passwordCost?: ScryptCost;
}

/** A session as the API shows it. */
export interface SessionView {
  readonly stage: 'totp' | 'enrol' | 'full';
  readonly csrf_token: string;
  readonly expires_at: string;
  readonly totp_required: boolean;
  readonly totp_enrolled: boolean;
  readonly user: { readonly id: string; readonly name: string; readonly username: string | null; readonly role: string; readonly locale: string };
  readonly org: { readonly id: string; readonly name: string; readonly kind: string; readonly sector: string | null; readonly nda_accepted: boolean };
}

/** What sign-in answers: the cookie token (never stored) and the session. */
export interface SignedIn {
  readonly token: string;
  readonly session: SessionView;
}

/** The SHA-256 of a session token: the only form in which tokens are stored. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

const WRONG = 'username or password is wrong';

/** Sign-in for people: passwords, lock-out, TOTP, browser sessions, sign-out everywhere. */
export class SessionsService {
  readonly #db: Kysely<Database>;
  readonly #threshold: number;
  readonly #lockMs: number;
  readonly #idleMs: number;
  readonly #now: () => number;
  readonly #passwordCost: ScryptCost;

  constructor(db: Kysely<Database>, opts: SessionOptions = {}) {
    this.#db = db;
    this.#threshold = opts.lockThreshold ?? 5;
    this.#lockMs = opts.lockMs ?? 15 * 60_000;
    this.#idleMs = opts.idleMs ?? 12 * 3600_000;
    this.#now = opts.now ?? Date.now;
    this.#passwordCost = opts.passwordCost ?? PASSWORD_SCRYPT;
  }

  /** Makes the unknown-user hash now (the server calls this at start, so the first wrong user name costs what later ones do). */
  prepare(): Promise<void> {
    return dummyHash(this.#passwordCost).then(() => undefined);
  }

  /** Checks a username and password; answers a new session (stage `totp` or `enrol` when a second factor is due). */
  async signIn(username: string, password: string, userAgent: string | null): Promise<SignedIn> {
    const login = await repo.findLoginByUsername(this.#db, username);
    if (!login) {
      await verifyPassword(password, await dummyHash(this.#passwordCost));
      throw new AppError('unauthorized', WRONG);
    }
    this.#refuseLocked(login);
    if (login.disabled_at) throw new AppError('unauthorized', WRONG);
    if (!(await verifyPassword(password, login.password_hash))) {
      await this.#fail(login.user_id, 'password');
      throw new AppError('unauthorized', WRONG);
    }
    await repo.clearFailures(this.#db, login.user_id);
    const stage = login.totp_confirmed_at ? 'totp' : TOTP_ROLES.has(login.role) ? 'enrol' : 'full';
    const token = randomBytes(32).toString('base64url');
    const id = sessionIdOf(token);
    await repo.insertSession(this.#db, { id, user_id: login.user_id, stage, csrf_token: randomBytes(24).toString('base64url'), expires_at: this.#expiry(stage), user_agent: userAgent?.slice(0, 300) ?? null });
    if (stage === 'full') await this.#audit(login.user_id, 'session.sign_in', { factors: 'password' });
    return { token, session: await this.#view(id) };
  }

  /** The session of a cookie token, or null when unknown or expired; extends the idle expiry. */
  async resolve(token: string): Promise<SessionPrincipalRow | null> {
    if (token.length < 20 || token.length > 100) return null;
    const id = sessionIdOf(token);
    const row = await repo.findSessionPrincipal(this.#db, id);
    if (!row) return null;
    const now = this.#now();
    if (row.expires_at.getTime() <= now || row.disabled_at) {
      await repo.deleteSession(this.#db, id);
      return null;
    }
    // Write the idle expiry at most once a minute, not on every request.
    if (now - row.last_seen_at.getTime() > 60_000) await repo.touchSession(this.#db, id, this.#expiry(row.stage));
    return row;
  }

  /** The viewer the access policy sees for a full session. */
  async viewerOf(row: SessionPrincipalRow): Promise<Viewer> {
    return {
      kind: 'user',
      userId: row.user_id,
      orgId: row.org_id,
      orgKind: row.org_kind,
      sector: row.sector,
      role: row.role,
      ndaAccepted: row.nda_accepted_at !== null,
      groupIds: await groupIdsOfOrg(this.#db, row.org_id),
      keyId: null,
    };
  }

  /** The API's view of a session. */
  view(row: SessionPrincipalRow): SessionView {
    return {
      stage: row.stage,
      csrf_token: row.csrf_token,
      expires_at: row.expires_at.toISOString(),
      totp_required: TOTP_ROLES.has(row.role),
      totp_enrolled: row.totp_confirmed_at !== null,
      user: { id: row.user_id, name: row.user_name, username: row.username, role: row.role, locale: row.locale },
      org: { id: row.org_id, name: row.org_name, kind: row.org_kind, sector: row.sector, nda_accepted: row.nda_accepted_at !== null },
    };
  }

  /** Second factor: a TOTP code turns a `totp` session into a full one; wrong codes count towards the lock. */
  async passTotp(row: SessionPrincipalRow, code: string): Promise<SessionView> {
    if (row.stage !== 'totp') throw new AppError('conflict', `this session is at stage ${row.stage}, not totp`);
    const login = await repo.findLoginOfUser(this.#db, row.user_id);
    if (!login?.totp_secret) throw new AppError('conflict', 'no second factor enrolled');
    this.#refuseLocked(login);
    const step = verifyTotp(login.totp_secret, code.trim(), this.#now(), Number(login.totp_last_step));
    if (step === null || !(await repo.useTotpStep(this.#db, row.user_id, step, false))) {
      const locked = await this.#fail(row.user_id, 'totp');
      if (locked) await repo.deleteSession(this.#db, row.session_id);
      throw new AppError('unauthorized', 'the code is wrong or was used already');
    }
    await repo.clearFailures(this.#db, row.user_id);
    await repo.setSessionStage(this.#db, row.session_id, 'full', this.#expiry('full'));
    await this.#audit(row.user_id, 'session.sign_in', { factors: 'password+totp' });
    return this.#view(row.session_id);
  }

  /** Starts TOTP enrolment for the session's user (not when one is confirmed already): answers the secret once. */
  async startEnrolment(row: SessionPrincipalRow): Promise<{ secret: string; otpauth_uri: string }> {
    if (row.stage === 'totp') throw new AppError('conflict', 'pass the second factor first');
    if (row.totp_confirmed_at) throw new AppError('conflict', 'a second factor is enrolled already; an admin can reset it');
    if (!row.username) throw new AppError('conflict', 'this user has no login');
    const secret = newTotpSecret();
    await repo.setTotpSecret(this.#db, row.user_id, secret);
    return { secret, otpauth_uri: otpauthUri(secret, row.username) };
  }

  /** Confirms enrolment with a first code; an `enrol` session becomes full. */
  async confirmEnrolment(row: SessionPrincipalRow, code: string): Promise<SessionView> {
    if (row.stage === 'totp') throw new AppError('conflict', 'pass the second factor first');
    const login = await repo.findLoginOfUser(this.#db, row.user_id);
    if (!login?.totp_secret || login.totp_confirmed_at) throw new AppError('conflict', 'no enrolment in progress');
    const step = verifyTotp(login.totp_secret, code.trim(), this.#now(), Number(login.totp_last_step));
    if (step === null || !(await repo.useTotpStep(this.#db, row.user_id, step, true))) throw new AppError('unauthorized', 'the code is wrong or was used already');
    await repo.setSessionStage(this.#db, row.session_id, 'full', this.#expiry('full'));
    await this.#audit(row.user_id, 'session.totp_enrolled', {});
    return this.#view(row.session_id);
  }

  /** Ends one session. */
  async signOut(row: SessionPrincipalRow): Promise<void> {
    await repo.deleteSession(this.#db, row.session_id);
  }

  /** Ends every session of a user, on every device; returns how many ended. */
  async signOutEverywhere(userId: string): Promise<number> {
    const n = await repo.deleteSessionsOfUser(this.#db, userId);
    await this.#audit(userId, 'session.sign_out_everywhere', { sessions: n });
    return n;
  }

  /**
   * Sets a user's username and password: admins for anyone (actor null: the CLI on the database), people for
   * themselves with their current password. Ends the user's sessions.
   */
  async setPassword(actor: Viewer | null, userId: string, input: { username: string; password: string; currentPassword?: string | undefined }): Promise<void> {
    const user = await findUser(this.#db, userId);
    if (!user) throw notFound('user', userId);
    const self = actor !== null && actor.userId === userId;
    if (actor && !isAdmin(actor) && !self) throw notFound('user', userId);
    if (!/^[A-Za-z0-9._@-]{3,64}$/.test(input.username)) throw new AppError('validation_failed', 'username: 3 to 64 letters, digits or . _ @ -', { field: 'username' });
    checkPasswordStrength(input.password);
    const existing = await repo.findLoginOfUser(this.#db, userId);
    if (actor && !isAdmin(actor) && existing && !(await verifyPassword(input.currentPassword ?? '', existing.password_hash)))
      throw new AppError('forbidden', 'current_password is wrong');
    const taken = await repo.findLoginByUsername(this.#db, input.username);
    if (taken && taken.user_id !== userId) throw new AppError('conflict', `username "${input.username.toLowerCase()}" is taken`, { field: 'username' });
    await repo.upsertPassword(this.#db, userId, input.username, await hashPassword(input.password, this.#passwordCost));
    await repo.deleteSessionsOfUser(this.#db, userId);
    await appendAudit(this.#db, [{ actorUserId: actor?.userId ?? null, actorOrgId: actor?.orgId ?? null, action: 'user.password_set', targetType: 'user', targetId: userId, details: { username: input.username.toLowerCase() } }]);
  }

  /** Admin enrolment (CLI): a new confirmed TOTP secret for a user, answered once; `reset` removes it instead. */
  async adminTotp(actor: Viewer | null, userId: string, reset: boolean): Promise<{ secret: string; otpauth_uri: string } | null> {
    if (actor && !isAdmin(actor)) throw new AppError('forbidden', 'this action needs the admin role');
    const login = await repo.findLoginOfUser(this.#db, userId);
    if (!login) throw new AppError('conflict', 'set a username and password first', { field: 'user' });
    await repo.setTotpSecret(this.#db, userId, null);
    await repo.deleteSessionsOfUser(this.#db, userId);
    await appendAudit(this.#db, [{ actorUserId: actor?.userId ?? null, actorOrgId: actor?.orgId ?? null, action: reset ? 'user.totp_reset' : 'user.totp_enrolled', targetType: 'user', targetId: userId }]);
    if (reset) return null;
    const secret = newTotpSecret();
    await repo.setTotpSecret(this.#db, userId, secret);
    await this.#db.updateTable('user_logins').set({ totp_confirmed_at: new Date() }).where('user_id', '=', userId).execute();
    return { secret, otpauth_uri: otpauthUri(secret, login.username) };
  }

  /** Removes expired sessions. */
  async sweep(): Promise<void> {
    await repo.deleteExpiredSessions(this.#db, new Date(this.#now()));
  }

  /** Compares a presented CSRF token with the session's, in constant time. */
  static csrfMatches(row: SessionPrincipalRow, presented: string | undefined): boolean {
    if (!presented) return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(row.csrf_token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  #refuseLocked(login: { locked_until: Date | null }): void {
    if (login.locked_until && login.locked_until.getTime() > this.#now())
      throw new AppError('rate_limited', 'too many failed attempts; sign-in is locked for a while', { locked_until: login.locked_until.toISOString() });
  }

  async #fail(userId: string, factor: 'password' | 'totp'): Promise<boolean> {
    const count = await repo.recordFailure(this.#db, userId, this.#threshold, new Date(this.#now() + this.#lockMs));
    const locked = count >= this.#threshold;
    await this.#audit(userId, locked ? 'session.locked' : 'session.sign_in_failed', { factor });
    return locked;
  }

  #expiry(stage: 'totp' | 'enrol' | 'full'): Date {
    // A half-signed-in session lives five minutes: long enough to type a code.
    return new Date(this.#now() + (stage === 'full' ? this.#idleMs : 5 * 60_000));
  }

  async #view(id: string): Promise<SessionView> {
    const row = await repo.findSessionPrincipal(this.#db, id);
    if (!row) throw new AppError('unauthorized', 'session ended');
    return this.view(row);
  }

  async #audit(userId: string, action: string, details: Record<string, unknown>): Promise<void> {
    const user = await findUser(this.#db, userId);
    await appendAudit(this.#db, [{ actorUserId: userId, actorOrgId: user?.org_id ?? null, action, targetType: 'user', targetId: userId, via: 'web', details }]);
  }
}
