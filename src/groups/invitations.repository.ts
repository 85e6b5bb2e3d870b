import { sql, type Kysely } from 'kysely';
import type { Database, InvitationStatus } from '../db/schema.ts';

/** An invitation with the names a person deciding on it needs. */
export interface InvitationRow {
  readonly group_id: string;
  readonly group_name: string;
  readonly owner_org_id: string;
  readonly owner_org_name: string;
  readonly org_id: string;
  readonly org_name: string;
  readonly status: InvitationStatus;
  readonly invited_by: string | null;
  readonly invited_at: Date;
  readonly responded_by: string | null;
  readonly responded_at: Date | null;
}

function joined(db: Kysely<Database>) {
  return db
    .selectFrom('sharing_group_invitations as i')
    .innerJoin('sharing_groups as g', 'g.id', 'i.group_id')
    .innerJoin('orgs as owner', 'owner.id', 'g.owner_org_id')
    .innerJoin('orgs as o', 'o.id', 'i.org_id')
    .select(['i.group_id', 'g.name as group_name', 'g.owner_org_id', 'owner.name as owner_org_name', 'i.org_id', 'o.name as org_name', 'i.status', 'i.invited_by', 'i.invited_at', 'i.responded_by', 'i.responded_at']);
}

/** Invites organisations (again, after a decline or withdrawal); invitations already accepted stay as they are. */
export async function inviteOrgs(db: Kysely<Database>, groupId: string, orgIds: readonly string[], invitedBy: string | null): Promise<void> {
  if (orgIds.length === 0) return;
  await db
    .insertInto('sharing_group_invitations')
    .values(orgIds.map((org_id) => ({ group_id: groupId, org_id, invited_by: invitedBy })))
    .onConflict((oc) =>
      oc
        .columns(['group_id', 'org_id'])
        .doUpdateSet({ status: 'pending', invited_by: invitedBy, invited_at: sql`now()`, responded_by: null, responded_at: null })
        .where('sharing_group_invitations.status', '<>', 'accepted'),
    )
    .execute();
}

/** One invitation. */
export function findInvitation(db: Kysely<Database>, groupId: string, orgId: string): Promise<InvitationRow | undefined> {
  return joined(db).where('i.group_id', '=', groupId).where('i.org_id', '=', orgId).executeTakeFirst();
}

/** Sets where an invitation stands; false when it was not pending. */
export async function respondToInvitation(db: Kysely<Database>, groupId: string, orgId: string, status: Exclude<InvitationStatus, 'pending'>, by: string | null): Promise<boolean> {
  const r = await db
    .updateTable('sharing_group_invitations')
    .set({ status, responded_by: by, responded_at: new Date() })
    .where('group_id', '=', groupId)
    .where('org_id', '=', orgId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The invitations of an organisation, newest first (one status, or all). */
export function invitationsOfOrg(db: Kysely<Database>, orgId: string, status: InvitationStatus | undefined): Promise<InvitationRow[]> {
  let q = joined(db).where('i.org_id', '=', orgId).orderBy('i.invited_at', 'desc');
  if (status) q = q.where('i.status', '=', status);
  return q.execute();
}

/** The pending invitations of a group. */
export function pendingOfGroup(db: Kysely<Database>, groupId: string): Promise<InvitationRow[]> {
  return joined(db).where('i.group_id', '=', groupId).where('i.status', '=', 'pending').orderBy('o.name').execute();
}
