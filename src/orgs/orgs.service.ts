import type { Kysely } from 'kysely';
import type { Database, OrgKind, OrgRow, Role, Sector, Tlp, UserRow } from '../db/schema.ts';
import { isAdmin, type Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { mintKey } from '../auth/api-key.ts';
import { insertKey, listKeysOfUser, revokeKey } from '../auth/keys.repository.ts';
import { findOrg, findOrgByName, insertOrg, listOrgs, updateOrg } from './orgs.repository.ts';
import { findUser, insertUser, listUsersOfOrg, updateUser } from './users.repository.ts';

/** Fields of a new organisation. */
export interface OrgInput {
  readonly name: string;
  readonly kind: OrgKind;
  readonly sector?: Sector | null | undefined;
  readonly subsector?: string | null | undefined;
  readonly country?: string | null | undefined;
  readonly defaultTlp?: Tlp | undefined;
}

/** Fields of a new user. */
export interface UserInput {
  readonly name: string;
  readonly email?: string | null | undefined;
  readonly role: Role;
  readonly locale?: string | undefined;
}

function checkSector(kind: OrgKind, sector: Sector | null | undefined, subsector: string | null | undefined): void {
  if (kind === 'industry' && !sector) throw new AppError('validation_failed', 'sector: required for an industry organisation', { field: 'sector' });
  if (kind !== 'industry' && sector) throw new AppError('validation_failed', 'sector: only industry organisations have a sector', { field: 'sector' });
  if (subsector && sector !== 'critical_infrastructure')
    throw new AppError('validation_failed', 'subsector: only critical infrastructure has subsectors', { field: 'subsector' });
}

function requireAdmin(v: Viewer): void {
  if (!isAdmin(v)) throw new AppError('forbidden', 'this action needs the admin role');
}

/** Organisations, their people and their keys; every change audited. */
export class OrgsService {
  readonly #db: Kysely<Database>;
  readonly #onAccessChange: () => void | Promise<void>;

  constructor(db: Kysely<Database>, onAccessChange: () => void | Promise<void>) {
    this.#db = db;
    this.#onAccessChange = onAccessChange;
  }

  /** Creates an organisation (admin only, or the system itself when actor is null). */
  async createOrg(actor: Viewer | null, input: OrgInput): Promise<OrgRow> {
    if (actor) requireAdmin(actor);
    checkSector(input.kind, input.sector, input.subsector);
    if (await findOrgByName(this.#db, input.name)) throw new AppError('conflict', `an organisation named "${input.name}" exists`, { field: 'name' });
    return this.#db.transaction().execute(async (trx) => {
      const org = await insertOrg(trx, {
        name: input.name,
        kind: input.kind,
        sector: input.sector ?? null,
        subsector: input.subsector ?? null,
        country: input.country ?? null,
        ...(input.defaultTlp ? { default_tlp: input.defaultTlp } : {}),
        nda_accepted_at: null,
        nda_accepted_by: null,
      });
      await appendAudit(trx, [{ actorUserId: actor?.userId, actorOrgId: actor?.orgId, action: 'org.create', targetType: 'org', targetId: org.id, details: { name: org.name, kind: org.kind } }]);
      return org;
    });
  }

  /** Organisations any member may see (the directory used to name AMBER recipients). */
  listOrgs(_actor: Viewer, after: string | undefined, limit: number): Promise<OrgRow[]> {
    return listOrgs(this.#db, { after, limit });
  }

  /** One organisation. */
  async getOrg(_actor: Viewer, id: string): Promise<OrgRow> {
    const org = await findOrg(this.#db, id);
    if (!org) throw notFound('organisation', id);
    return org;
  }

  /** Changes an organisation (admin only). */
  async updateOrg(actor: Viewer, id: string, patch: Partial<OrgInput>): Promise<OrgRow> {
    requireAdmin(actor);
    const current = await this.getOrg(actor, id);
    const kind = patch.kind ?? current.kind;
    const sector = patch.sector === undefined ? current.sector : patch.sector;
    const subsector = patch.subsector === undefined ? current.subsector : patch.subsector;
    checkSector(kind, sector, subsector);
    if (patch.name && patch.name !== current.name && (await findOrgByName(this.#db, patch.name)))
      throw new AppError('conflict', `an organisation named "${patch.name}" exists`, { field: 'name' });
    const updated = await this.#db.transaction().execute(async (trx) => {
      const row = await updateOrg(trx, id, {
        name: patch.name ?? current.name,
        kind,
        sector,
        subsector,
        country: patch.country === undefined ? current.country : patch.country,
        default_tlp: patch.defaultTlp ?? current.default_tlp,
      });
      await appendAudit(trx, [{ actorUserId: actor.userId, actorOrgId: actor.orgId, action: 'org.update', targetType: 'org', targetId: id, details: { ...patch } }]);
      return row!;
    });
    this.#onAccessChange();
    return updated;
  }

  /** Adds a user to an organisation (admin only, or the system when actor is null). */
  async addUser(actor: Viewer | null, orgId: string, input: UserInput): Promise<UserRow> {
    if (actor) requireAdmin(actor);
    const org = await findOrg(this.#db, orgId);
    if (!org) throw notFound('organisation', orgId);
    if (input.role === 'hub_analyst' && org.kind !== 'hub')
      throw new AppError('validation_failed', 'role: hub analysts belong to the hub organisation', { field: 'role' });
    return this.#db.transaction().execute(async (trx) => {
      if (input.email) {
        const dup = await trx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
        if (dup) throw new AppError('conflict', `a user with e-mail ${input.email} exists`, { field: 'email' });
      }
      const user = await insertUser(trx, { org_id: orgId, name: input.name, email: input.email ?? null, role: input.role, locale: input.locale ?? 'en', disabled_at: null });
      await appendAudit(trx, [{ actorUserId: actor?.userId, actorOrgId: actor?.orgId, action: 'user.create', targetType: 'user', targetId: user.id, details: { orgId, role: input.role } }]);
      return user;
    });
  }

  /** Users of an organisation (admins, or the organisation's own users). */
  async listUsers(actor: Viewer, orgId: string): Promise<UserRow[]> {
    if (!isAdmin(actor) && actor.orgId !== orgId) throw notFound('organisation', orgId);
    await this.getOrg(actor, orgId);
    return listUsersOfOrg(this.#db, orgId);
  }

  /** One user, if the actor is an admin or that user's colleague. */
  async getUser(actor: Viewer, userId: string): Promise<UserRow> {
    const user = await findUser(this.#db, userId);
    if (!user || (!isAdmin(actor) && user.org_id !== actor.orgId)) throw notFound('user', userId);
    return user;
  }

  /** Changes a user's name, locale, role or disabled state (role and disabling: admin only). */
  async updateUser(actor: Viewer, userId: string, patch: { name?: string; locale?: string; role?: Role; disabled?: boolean }): Promise<UserRow> {
    const user = await this.getUser(actor, userId);
    if (!isAdmin(actor) && actor.userId !== userId) throw new AppError('forbidden', 'only admins change other users');
    if ((patch.role !== undefined || patch.disabled !== undefined) && !isAdmin(actor)) throw new AppError('forbidden', 'only admins change roles or disable users');
    const updated = await this.#db.transaction().execute(async (trx) => {
      const row = await updateUser(trx, userId, {
        name: patch.name ?? user.name,
        locale: patch.locale ?? user.locale,
        role: patch.role ?? user.role,
        disabled_at: patch.disabled === undefined ? user.disabled_at : patch.disabled ? new Date() : null,
      });
      await appendAudit(trx, [{ actorUserId: actor.userId, actorOrgId: actor.orgId, action: 'user.update', targetType: 'user', targetId: userId, details: { ...patch } }]);
      return row!;
    });
    this.#onAccessChange();
    return updated;
  }

  /** Creates an API key for a user (admin or the user); the key is in the answer and nowhere else. */
  async createKey(actor: Viewer | null, userId: string, name: string) {
    if (actor && !isAdmin(actor) && actor.userId !== userId) throw notFound('user', userId);
    const user = await findUser(this.#db, userId);
    if (!user) throw notFound('user', userId);
    const minted = await mintKey();
    return this.storeKey(actor, userId, name, minted);
  }

  /** Stores an already minted key (bootstrap) and audits it. */
  async storeKey(actor: Viewer | null, userId: string, name: string, minted: { key: string; prefix: string; hash: string }) {
    return this.#db.transaction().execute(async (trx) => {
      const row = await insertKey(trx, { user_id: userId, name, prefix: minted.prefix, hash: minted.hash });
      await appendAudit(trx, [{ actorUserId: actor?.userId ?? null, actorOrgId: actor?.orgId ?? null, action: 'key.create', targetType: 'api_key', targetId: row.id, details: { userId, prefix: row.prefix } }]);
      return { id: row.id, user_id: userId, name: row.name, prefix: row.prefix, created_at: row.created_at, key: minted.key };
    });
  }

  /** Keys of a user without their secrets. */
  async listKeys(actor: Viewer, userId: string) {
    if (!isAdmin(actor) && actor.userId !== userId) throw notFound('user', userId);
    return listKeysOfUser(this.#db, userId);
  }

  /** Revokes a key (the user, an admin, or the system when actor is null): the next request with it is refused and its live streams end. */
  async revokeKey(actor: Viewer | null, userId: string, keyId: string, via: string | null = null) {
    if (actor && !isAdmin(actor) && actor.userId !== userId) throw notFound('user', userId);
    const row = await this.#db.transaction().execute(async (trx) => {
      const r = await revokeKey(trx, userId, keyId);
      if (!r) throw notFound('API key', keyId);
      await appendAudit(trx, [{ actorUserId: actor?.userId ?? null, actorOrgId: actor?.orgId ?? null, action: 'key.revoke', targetType: 'api_key', targetId: keyId, via, details: { userId, prefix: r.prefix } }]);
      return r;
    });
    await this.#onAccessChange();
    return row;
  }
}
