import type { Kysely } from 'kysely';
import type { Database, OrgRow } from '../db/schema.ts';
import { isAdmin, isOrgAdmin, type Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { findOrg } from './orgs.repository.ts';
import { findUser } from './users.repository.ts';
import { findNdaVersion, insertNdaAcceptance, insertNdaVersion, listNdaVersions, ndaHistory, type NdaAcceptanceRow, type NdaVersionRow } from './nda.repository.ts';

/** What recording an acceptance needs: the NDA's version (default: the newest) and who signed it. */
export interface NdaRecordInput {
  readonly version?: string | undefined;
  /** The signer: a user of the organisation. Default: the caller, when the caller belongs to it. */
  readonly signerUserId?: string | undefined;
}

/**
 * NDAs: the hub publishes versions; an organisation's own admin (org_admin) or the hub's admin records that
 * the organisation accepted one, naming the version and the signing user, never free text. Every
 * acceptance is kept (history) and audited.
 */
export class NdaService {
  readonly #db: Kysely<Database>;
  readonly #onAccessChange: () => void | Promise<void>;

  constructor(db: Kysely<Database>, onAccessChange: () => void | Promise<void>) {
    this.#db = db;
    this.#onAccessChange = onAccessChange;
  }

  /** Published NDA versions, newest first. */
  versions(): Promise<NdaVersionRow[]> {
    return listNdaVersions(this.#db);
  }

  /** Publishes a new NDA version (hub admin). */
  async publish(actor: Viewer, input: { version: string; title: string }): Promise<NdaVersionRow> {
    if (!isAdmin(actor)) throw new AppError('forbidden', 'only the hub’s admins publish NDA versions');
    if (await findNdaVersion(this.#db, input.version)) throw new AppError('conflict', `NDA version ${input.version} exists`, { field: 'version' });
    return this.#db.transaction().execute(async (trx) => {
      const row = await insertNdaVersion(trx, { version: input.version, title: input.title, published_by: actor.userId });
      await appendAudit(trx, [{ actorUserId: actor.userId, actorOrgId: actor.orgId, action: 'nda.publish', targetType: 'nda_version', targetId: row.version, details: { title: row.title } }]);
      return row;
    });
  }

  /**
   * Records that an organisation accepted an NDA version, signed by one of its users. The actor is the
   * organisation's own admin or the hub's admin; null is the system (bootstrap, demo, CLI on the database).
   * @example await nda.record(orgAdmin, orgId, { version: '2026-1' })
   */
  async record(actor: Viewer | null, orgId: string, input: NdaRecordInput): Promise<{ org: OrgRow; acceptance: NdaAcceptanceRow }> {
    const org = await findOrg(this.#db, orgId);
    if (!org || (actor && !isAdmin(actor) && actor.orgId !== orgId)) throw notFound('organisation', orgId);
    if (actor && !isAdmin(actor) && !isOrgAdmin(actor, orgId)) throw new AppError('forbidden', 'only the organisation’s admin (org_admin) or the hub’s admin records its NDA');
    const signerId = input.signerUserId ?? (actor && actor.orgId === orgId ? actor.userId : undefined);
    if (!signerId) throw new AppError('validation_failed', 'signer_user_id: name the user of the organisation who signed the NDA', { field: 'signer_user_id' });
    const signer = await findUser(this.#db, signerId);
    if (!signer || signer.org_id !== orgId) throw new AppError('validation_failed', `signer_user_id: ${signerId} is not a user of this organisation`, { field: 'signer_user_id' });
    if (signer.disabled_at) throw new AppError('validation_failed', 'signer_user_id: that user is disabled', { field: 'signer_user_id' });
    const version = await findNdaVersion(this.#db, input.version);
    if (!version) throw new AppError('validation_failed', input.version === undefined ? 'version: no NDA version is published' : `version: no NDA version "${input.version}" (GET /api/v1/ndas lists them)`, { field: 'version' });
    const result = await this.#db.transaction().execute(async (trx) => {
      const acceptance = await insertNdaAcceptance(trx, { org_id: orgId, version: version.version, signer_user_id: signer.id, recorded_by: actor?.userId ?? null });
      await appendAudit(trx, [
        {
          actorUserId: actor?.userId ?? null,
          actorOrgId: actor?.orgId ?? null,
          action: 'org.nda_accept',
          targetType: 'org',
          targetId: orgId,
          details: { version: version.version, signerUserId: signer.id, acceptanceId: acceptance.id },
        },
      ]);
      return { org: (await findOrg(trx, orgId))!, acceptance };
    });
    await this.#onAccessChange();
    return result;
  }

  /** An organisation's NDA acceptances, newest first (its own users or the hub's admin). */
  async history(actor: Viewer, orgId: string): Promise<NdaAcceptanceRow[]> {
    if (!isAdmin(actor) && actor.orgId !== orgId) throw notFound('organisation', orgId);
    if (!(await findOrg(this.#db, orgId))) throw notFound('organisation', orgId);
    return ndaHistory(this.#db, orgId);
  }
}
