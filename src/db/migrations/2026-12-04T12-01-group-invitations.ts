import { sql, type Kysely } from 'kysely';

// Keys and sessions (issue 10.7): taking an organisation into a sharing group needs its consent. The owner
// invites; the invited organisation's admin accepts (it becomes a member) or declines. Until then it is
// not a member and sees nothing shared to the group.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sharing_group_invitations')
    .addColumn('group_id', 'uuid', (c) => c.notNull().references('sharing_groups.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','accepted','declined','withdrawn')`))
    .addColumn('invited_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('invited_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('responded_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('responded_at', 'timestamptz')
    .addPrimaryKeyConstraint('sharing_group_invitations_pk', ['group_id', 'org_id'])
    .execute();
  await db.schema.createIndex('sharing_group_invitations_org_idx').on('sharing_group_invitations').columns(['org_id', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sharing_group_invitations').execute();
}
