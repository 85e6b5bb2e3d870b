import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isAdmin, type Viewer } from '../access/viewer.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { AppError } from '../shared/errors.ts';
import { addRemote, listRemoteViews, removeRemote, requireEnabled, requireRemote, setRemoteEnabled, viewRemote, type RemoteInput, type RemoteView } from './remotes.service.ts';
import { planRemoteEdit, type RemotePatch } from './remotes.edit.ts';
import { clearPushState, updateRemoteRow } from './remotes.repository.ts';
import { pullRemote, type PullReport, type SyncDeps } from './taxii.sync.ts';

/** How a pull asked for over HTTP went: the report, or why it failed (also kept on the remote as last_error). */
export type PullOutcome = { readonly ok: true; readonly report: PullReport; readonly remote: RemoteView } | { readonly ok: false; readonly error: string; readonly remote: RemoteView };

function requireHubAdmin(v: Viewer): void {
  if (!isAdmin(v)) throw new AppError('forbidden', 'only hub admins manage TAXII remotes');
}

/**
 * TAXII remotes for the web interface and the API (issue 13): the hub admin lists, adds, edits, enables,
 * disables and removes remote collections and pulls one now; every change and pull is audited, secrets are
 * never answered or audited.
 * @example await new RemotesAdmin(deps).add(admin, { name: 'peer-a', url, partner: orgId, secret })
 */
export class RemotesAdmin {
  readonly #deps: SyncDeps;
  readonly #timeoutMs: number;
  readonly #backoffMs: number;

  constructor(deps: SyncDeps, opts: { timeoutMs?: number; backoffMs?: number } = {}) {
    this.#deps = deps;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#backoffMs = opts.backoffMs ?? 1000;
  }

  get #db(): Kysely<Database> {
    return this.#deps.db;
  }

  /** Every remote, without secrets. */
  async list(v: Viewer): Promise<RemoteView[]> {
    requireHubAdmin(v);
    return listRemoteViews(this.#db);
  }

  /** Adds a remote collection (checked by the same rules as `kessetsu taxii remotes add`). */
  async add(v: Viewer, input: RemoteInput): Promise<RemoteView> {
    requireHubAdmin(v);
    const r = await addRemote(this.#db, input);
    await appendAudit(this.#db, [{ actorUserId: v.userId, actorOrgId: v.orgId, action: 'taxii.remote.add', targetType: 'taxii_remote', targetId: r.id, via: 'api', details: { name: r.name, url: r.collection_url, partner_org_id: r.partner_org_id, auth: r.auth, max_tlp: r.max_tlp, interval_seconds: r.interval_seconds } }]);
    return r;
  }

  /** Removes a remote by name or id. */
  async remove(v: Viewer, ref: string): Promise<void> {
    requireHubAdmin(v);
    const r = await requireRemote(this.#db, ref);
    await removeRemote(this.#db, r.id);
    await appendAudit(this.#db, [{ actorUserId: v.userId, actorOrgId: v.orgId, action: 'taxii.remote.remove', targetType: 'taxii_remote', targetId: r.id, via: 'api', details: { name: r.name, url: r.collection_url } }]);
  }

  /**
   * Changes a remote's settings (name, URL, partner, credentials, TLPs, schedule) in one transaction with its
   * audit entry; a new collection URL starts pull and push state again. A change to nothing is no change.
   */
  async update(v: Viewer, ref: string, patch: RemotePatch): Promise<RemoteView> {
    requireHubAdmin(v);
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const r = await requireRemote(trx, ref);
        const plan = await planRemoteEdit(trx, r, patch);
        if (Object.keys(plan.changes).length === 0) return viewRemote(r);
        const row = await updateRemoteRow(trx, r.id, plan.set);
        if (!row) throw new AppError('not_found', `no TAXII remote "${ref}"`);
        if (plan.urlChanged) await clearPushState(trx, r.id);
        await appendAudit(trx, [{ actorUserId: v.userId, actorOrgId: v.orgId, action: 'taxii.remote.update', targetType: 'taxii_remote', targetId: r.id, via: 'api', details: { name: row.name, changes: plan.changes } }]);
        return viewRemote(row);
      });
    } catch (err) {
      // Two renames to one name at once: the unique index decides, the loser hears why.
      if ((err as { code?: unknown }).code === '23505') throw new AppError('conflict', `a remote named ${patch.name ?? ''} exists already`);
      throw err;
    }
  }

  /** Enables or disables a remote: a disabled one is neither pulled on its schedule nor by hand. */
  async setEnabled(v: Viewer, ref: string, enabled: boolean): Promise<RemoteView> {
    requireHubAdmin(v);
    return this.#db.transaction().execute(async (trx) => {
      const { remote: r, changed } = await setRemoteEnabled(trx, ref, enabled);
      if (changed) await appendAudit(trx, [{ actorUserId: v.userId, actorOrgId: v.orgId, action: enabled ? 'taxii.remote.enable' : 'taxii.remote.disable', targetType: 'taxii_remote', targetId: r.id, via: 'api', details: { name: r.name } }]);
      return viewRemote(r);
    });
  }

  /** Pulls a remote now; a remote that cannot be reached is an outcome, not an error of the request. */
  async pull(v: Viewer, ref: string): Promise<PullOutcome> {
    requireHubAdmin(v);
    const r = requireEnabled(await requireRemote(this.#db, ref));
    let outcome: PullOutcome;
    try {
      const report = await pullRemote(this.#deps, r, { timeoutMs: this.#timeoutMs, backoffMs: this.#backoffMs });
      outcome = { ok: true, report, remote: viewRemote(await requireRemote(this.#db, r.id)) };
    } catch (err) {
      outcome = { ok: false, error: (err as Error).message.slice(0, 1000), remote: viewRemote(await requireRemote(this.#db, r.id)) };
    }
    const details = outcome.ok ? { name: r.name, stored: outcome.report.stored, rejected: outcome.report.rejected, above_agreed_tlp: outcome.report.above_agreed_tlp } : { name: r.name, error: outcome.error };
    await appendAudit(this.#db, [{ actorUserId: v.userId, actorOrgId: v.orgId, action: 'taxii.remote.pull', targetType: 'taxii_remote', targetId: r.id, via: 'api', details }]);
    return outcome;
  }
}
