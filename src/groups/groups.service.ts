import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { addMembers, findGroup, groupMembers, insertGroup, listGroupsFor, removeMember, type GroupRow } from './groups.repository.ts';

/** A group as a viewer may see it: a confidential group's members are known only to its owner and the hub. */
export interface GroupView extends GroupRow {
  readonly members: { id: string; name: string }[] | null;
  readonly member_count: number | null;
}

/** Sharing groups: named sets of organisations that AMBER contributions can name. */
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
    return { ...g, members: canSee ? members : null, member_count: canSee ? members.length : null };
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
      const row = await insertGroup(trx, { name: input.name, description: input.description ?? '', owner_org_id: viewer.orgId, confidential: input.confidential ?? false, created_by: viewer.userId }, members);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'group.create', targetType: 'sharing_group', targetId: row.id, details: { name: row.name, members } }]);
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

  /** Adds member organisations (owner or hub). */
  async addMembers(viewer: Viewer, id: string, orgIds: readonly string[]): Promise<GroupView> {
    const g = await this.get(viewer, id);
    if (!this.#mayManage(viewer, g)) throw new AppError('forbidden', 'only the owning organisation or the hub manages this group');
    await this.#checkOrgs(orgIds);
    await this.#db.transaction().execute(async (trx) => {
      await addMembers(trx, id, orgIds);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'group.add_members', targetType: 'sharing_group', targetId: id, details: { orgIds } }]);
    });
    this.#onAccessChange();
    return this.get(viewer, id);
  }

  /** Removes a member organisation (owner or hub). */
  async removeMember(viewer: Viewer, id: string, orgId: string): Promise<GroupView> {
    const g = await this.get(viewer, id);
    if (!this.#mayManage(viewer, g)) throw new AppError('forbidden', 'only the owning organisation or the hub manages this group');
    await this.#db.transaction().execute(async (trx) => {
      if (!(await removeMember(trx, id, orgId))) throw notFound('member', orgId);
      await appendAudit(trx, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'group.remove_member', targetType: 'sharing_group', targetId: id, details: { orgId } }]);
    });
    this.#onAccessChange();
    return this.get(viewer, id);
  }
}
