import { sql, type Kysely } from 'kysely';

// Sense (issue 14): which scanners already became an indicator of an organisation on a day. Kept in the
// database, not in one node's memory, so a restart or a second node does not make the indicator again.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sensor_scanner_claims')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('day', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sensor_scanner_claims_pk', ['org_id', 'day', 'subject'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sensor_scanner_claims').execute();
}
