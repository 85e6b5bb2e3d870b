import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, isOrgAdmin, type Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { addMembers, findGroup, groupMembers, insertGroup, listGroupsFor, removeMember, type GroupRow } from './groups.repository.ts';
import { findInvitation, invitationsOfOrg, inviteOrgs, pendingOfGroup, respondToInvitation, type InvitationRow } from './invitations.repository.ts';

/** A group as a viewer may see it: a confidential group's members are known only to its owner and the hub. */
export interface GroupView extends GroupRow {
  readonly members: { id: string; name: string }[] | null;
  readonly member_count: number | null;
  /** Organisations invited and not yet answered (owner and hub only; others: null). */
  readonly invited: { id: string; name: string }[] | null;
}

/** An invitation as the API shows it. */
export interface InvitationView {
  readonly group_id: string;
  readonly group_name: string;
  readonly owner_org_id: string;
  readonly owner_org_name: string;
  readonly org_id: string;
  readonly org_name: string;
  readonly status: InvitationRow['status'];
  readonly invited_at: string;
  readonly responded_at: string | null;
}

function presentInvitation(r: InvitationRow): InvitationView {
  return {
    group_id: r.group_id,
    group_name: r.group_name,
    owner_org_id: r.owner_org_id,
    owner_org_name: r.owner_org_name,
    org_id: r.org_id,
    org_name: r.org_name,
    status: r.status,
    invited_at: r.invited_at.toISOString(),
    responded_at: r.responded_at ? r.responded_at.toISOString() : null,
  };
}

/** Only the organisation's own admin (org_admin) answers for it; the hub cannot consent on its behalf. */
function mayAnswerFor(viewer: Viewer, orgId: string): boolean {
  return isOrgAdmin(viewer, orgId);
}

/**
 * Sharing groups: named sets of organisations that AMBER contributions can name. Taking another
 * organisation in needs its consent: the owner invites, the invited organisation's admin accepts.
 */
export class GroupsService {
  readonly #db: Kysely<Database>;
  readonly #onAccessChange: () => void;

  constructor(db: Kysely<Database>, onAccessChange: () => void) {
    this.#db = db;
    this.#onAccessChange = onAccessChange;
  }

  async #checkOrgs(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const found = await this.#db.selectFrom('orgs').select('id').where('id', 'in', ids).execute();
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new AppError('validation_failed', `members: unknown organisation ${missing.join(', ')}`, { field: 'members', ids: missing });
  }

  async #view(viewer: Viewer, g: GroupRow): Promise<GroupView> {
    const members = await groupMembers(this.#db, g.id);
    const canSee = !g.confidential || isHub(viewer) || g.owner_org_id === viewer.orgId;
    const invited = this.#mayManage(viewer, g) ? (await pendingOfGroup(this.#db, g.id)).map((i) => ({ id: i.org_id, name: i.org_name })) : null;
    return { ...g, members: canSee ? members : null, member_count: canSee ? members.length : null, invited };
  }

  #mayManage(viewer: Viewer, g: GroupRow): boolean {
    return isHub(viewer) || g.owner_org_id === viewer.orgId;
  }

  /** Creates a group owned by the viewer's organisation (hub analysts: the hub's). */
  async create(viewer: Viewer, input: { name: string; description?: string; confidential?: boolean; members: readonly string[] }): Promise<GroupView> {
    const members = [...new Set(input.members)];
    await this.#checkOrgs(members);
    const g = await this.#db.transaction().execute(async (trx) => {
      const dup = await trx.selectFrom('sharing_groups').select('id').where('owner_org_id', '=', viewer.orgId).where('name', '=', input.name).executeTakeFirst();
      if (dup) throw new AppError('conflict', `your organisation already has a group named "${input.name}"`, { field: 'name' });
      const own = members.filter((id) => id === viewer.orgId);
      const others = members.filter((id) => id !== viewer.orgId);
      const row = await insertGroup(trx, { name: input.name, description: input.description ?? '', owner_org_id: viewer.orgId, confidential: input.confidential ?? false, created_by: viewer.userId }, own);
      await inviteOrgs(trx, row.id, others, viewer.userId);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'group.create', targetType: 'sharing_group', targetId: row.id, details: { name: row.name, members: own, invited: others } }]);
      return row;
    });
    this.#onAccessChange();
    return this.#view(viewer, g);
  }

  /** Groups the viewer's organisation owns or belongs to (the hub: all). */
  async list(viewer: Viewer): Promise<GroupView[]> {
    const rows = await listGroupsFor(this.#db, isHub(viewer) ? null : viewer.orgId);
    return Promise.all(rows.map((g) => this.#view(viewer, g)));
  }

  /** One group; 404 when the viewer's organisation neither owns nor belongs to it. */
  async get(viewer: Viewer, id: string): Promise<GroupView> {
    const g = await findGroup(this.#db, id);
    if (!g) throw notFound('sharing group', id);
    if (!isHub(viewer) && g.owner_org_id !== viewer.orgId) {
      const member = await this.#db.selectFrom('sharing_group_members').select('org_id').where('group_id', '=', id).where('org_id', '=', viewer.orgId).executeTakeFirst();
      if (!member) throw notFound('sharing group', id);
    }
    return this.#view(viewer, g);
  }

  /**
   * Adds organisations (owner or hub): the owner's own organisation joins at once, any other is invited
   * and becomes a member only when its admin accepts.
   */
  async addMembers(viewer: Viewer, id: string, orgIds: readonly string[]): Promise<GroupView> {
    const g = await this.get(viewer, id);
    if (!this.#mayManage(viewer, g)) throw new AppError('forbidden', 'only the owning organisation or the hub manages this group');
    const ids = [...new Set(orgIds)];
    await this.#checkOrgs(ids);
    const own = ids.filter((o) => o === g.owner_org_id);
    const current = new Set((await groupMembers(this.#db, id)).map((m) => m.id));
    const others = ids.filter((o) => o !== g.owner_org_id && !current.has(o));
    await this.#db.transaction().execute(async (trx) => {
      await addMembers(trx, id, own);
      await inviteOrgs(trx, id, others, viewer.userId);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'group.invite', targetType: 'sharing_group', targetId: id, details: { members: own, invited: others } }]);
    });
    if (own.length) this.#onAccessChange();
    return this.get(viewer, id);
  }

  /** Invitations of the viewer's organisation (newest first), optionally of one status. */
  async invitations(viewer: Viewer, status?: InvitationRow['status']): Promise<InvitationView[]> {
    return (await invitationsOfOrg(this.#db, viewer.orgId, status)).map(presentInvitation);
  }

  /**
   * The invited organisation's admin accepts (it becomes a member) or declines; 404 when the viewer's
   * organisation has no invitation to that group, 409 when it was already answered or withdrawn.
   */
  async respond(viewer: Viewer, groupId: string, answer: 'accept' | 'decline'): Promise<InvitationView> {
    const inv = await findInvitation(this.#db, groupId, viewer.orgId);
    if (!inv) throw notFound('invitation', groupId);
    if (!mayAnswerFor(viewer, viewer.orgId)) throw new AppError('forbidden', 'only your organisation’s admin (org_admin) answers an invitation into a sharing group');
    await this.#db.transaction().execute(async (trx) => {
      const status = answer === 'accept' ? 'accepted' : 'declined';
      if (!(await respondToInvitation(trx, groupId, viewer.orgId, status, viewer.userId))) throw new AppError('conflict', `this invitation is ${inv.status}, not pending`, { status: inv.status });
      if (answer === 'accept') await addMembers(trx, groupId, [viewer.orgId]);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: `group.invitation_${status}`, targetType: 'sharing_group', targetId: groupId, details: { orgId: viewer.orgId } }]);
    });
    if (answer === 'accept') this.#onAccessChange();
    return presentInvitation((await findInvitation(this.#db, groupId, viewer.orgId))!);
  }

  /** The owner (or hub) withdraws a pending invitation. */
  async withdraw(viewer: Viewer, groupId: string, orgId: string): Promise<GroupView> {
    const g = await this.get(viewer, groupId);
    if (!this.#mayManage(viewer, g)) throw new AppError('forbidden', 'only the owning organisation or the hub manages this group');
    await this.#db.transaction().execute(async (trx) => {
      if (!(await respondToInvitation(trx, groupId, orgId, 'withdrawn', viewer.userId))) throw notFound('pending invitation', orgId);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'group.invitation_withdrawn', targetType: 'sharing_group', targetId: groupId, details: { orgId } }]);
    });
    return this.get(viewer, groupId);
  }

  /** Removes a member organisation (owner or hub); a member's own admin may also take it out (consent withdrawn). */
  async removeMember(viewer: Viewer, id: string, orgId: string): Promise<GroupView | null> {
    const g = await this.get(viewer, id);
    const leaving = orgId === viewer.orgId && mayAnswerFor(viewer, orgId) && !this.#mayManage(viewer, g);
    if (!this.#mayManage(viewer, g) && !leaving) throw new AppError('forbidden', 'only the owning organisation, the hub or the member’s own admin takes a member out');
    await this.#db.transaction().execute(async (trx) => {
      if (!(await removeMember(trx, id, orgId))) throw notFound('member', orgId);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'group.remove_member', targetType: 'sharing_group', targetId: id, details: { orgId } }]);
    });
    this.#onAccessChange();
    return leaving ? null : this.get(viewer, id);
  }
}
