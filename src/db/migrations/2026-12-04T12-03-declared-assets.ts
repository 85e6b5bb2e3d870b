import { sql, type Kysely } from 'kysely';

// Keys and sessions (issue 10.7): subscriptions to assets (ranges, domains, AS numbers, brands) are limited
// to the organisation's own declared assets (recorded by the hub); anything else waits for a hub analyst.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('org_assets')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('cidr','domain','asn','keyword')`))
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('org_assets_pk', ['org_id', 'kind', 'value'])
    .execute();
  await db.schema
    .createTable('subscription_approvals')
    .addColumn('subscription_id', 'uuid', (c) => c.primaryKey().references('subscriptions.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending','approved')`))
    .addColumn('outside', 'jsonb', (c) => c.notNull())
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('decided_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('decided_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('subscription_approvals').execute();
  await db.schema.dropTable('org_assets').execute();
}
