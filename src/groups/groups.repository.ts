import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** A sharing group row. */
export type GroupRow = { id: string; name: string; description: string; owner_org_id: string; confidential: boolean; created_at: Date };

/** Inserts a group with its members. */
export async function insertGroup(db: Kysely<Database>, g: { name: string; description: string; owner_org_id: string; confidential: boolean; created_by: string }, members: readonly string[]): Promise<GroupRow> {
  const row = await db.insertInto('sharing_groups').values(g).returning(['id', 'name', 'description', 'owner_org_id', 'confidential', 'created_at']).executeTakeFirstOrThrow();
  if (members.length) await db.insertInto('sharing_group_members').values(members.map((org_id) => ({ group_id: row.id, org_id }))).onConflict((oc) => oc.doNothing()).execute();
  return row;
}

/** One group. */
export function findGroup(db: Kysely<Database>, id: string): Promise<GroupRow | undefined> {
  return db.selectFrom('sharing_groups').select(['id', 'name', 'description', 'owner_org_id', 'confidential', 'created_at']).where('id', '=', id).executeTakeFirst();
}

/** Groups an organisation owns or belongs to (all when orgId is null). */
export function listGroupsFor(db: Kysely<Database>, orgId: string | null): Promise<GroupRow[]> {
  let q = db.selectFrom('sharing_groups as g').select(['g.id', 'g.name', 'g.description', 'g.owner_org_id', 'g.confidential', 'g.created_at']).orderBy('g.name');
  if (orgId)
    q = q.where((eb) => eb.or([eb('g.owner_org_id', '=', orgId), eb.exists(eb.selectFrom('sharing_group_members as m').select('m.org_id').whereRef('m.group_id', '=', 'g.id').where('m.org_id', '=', orgId))]));
  return q.execute();
}

/** Member organisations of a group. */
export async function groupMembers(db: Kysely<Database>, groupId: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('sharing_group_members as m').innerJoin('orgs as o', 'o.id', 'm.org_id').select(['o.id', 'o.name']).where('m.group_id', '=', groupId).orderBy('o.name').execute();
}

/** Adds organisations to a group. */
export async function addMembers(db: Kysely<Database>, groupId: string, orgIds: readonly string[]): Promise<void> {
  if (orgIds.length) await db.insertInto('sharing_group_members').values(orgIds.map((org_id) => ({ group_id: groupId, org_id }))).onConflict((oc) => oc.doNothing()).execute();
}

/** Removes an organisation from a group; false when it was not a member. */
export async function removeMember(db: Kysely<Database>, groupId: string, orgId: string): Promise<boolean> {
  const r = await db.deleteFrom('sharing_group_members').where('group_id', '=', groupId).where('org_id', '=', orgId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
