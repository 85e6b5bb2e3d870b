import { sql, type Kysely } from 'kysely';

// TAXII 2.1: status resources of POSTs, remote collections this hub pulls from or pushes to, and the
// indexes that make a collection page an index range scan in date_added order.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('taxii_statuses')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('collection_id', 'uuid', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'complete')`))
    .addColumn('request_timestamp', 'timestamptz', (c) => c.notNull())
    .addColumn('total_count', 'integer', (c) => c.notNull())
    .addColumn('success_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failure_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('successes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('failures', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('pendings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('ingest_id', 'uuid')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('taxii_statuses_pending_idx').on('taxii_statuses').column('updated_at').where(sql.ref('status'), '=', 'pending').execute();

  await db.schema
    .createTable('taxii_remotes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('collection_url', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull().check(sql`auth in ('none', 'basic', 'bearer')`))
    .addColumn('username', 'text')
    // The secret is needed in clear to call the remote; it is never logged nor listed.
    .addColumn('secret', 'text')
    .addColumn('partner_org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('default_tlp', 'text', (c) => c.notNull().defaultTo('amber').check(sql`default_tlp in ('clear','green','amber','amber+strict','red')`))
    .addColumn('max_tlp', 'text', (c) => c.notNull().defaultTo('amber').check(sql`max_tlp in ('clear','green','amber','amber+strict','red')`))
    .addColumn('interval_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('added_after', 'text')
    .addColumn('last_pull_at', 'timestamptz')
    .addColumn('last_pull_count', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('taxii_push_state')
    .addColumn('remote_id', 'uuid', (c) => c.notNull().references('taxii_remotes.id').onDelete('cascade'))
    .addColumn('collection_id', 'uuid', (c) => c.notNull())
    .addColumn('cursor', 'text', (c) => c.notNull())
    .addColumn('pushed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('taxii_push_state_pk', ['remote_id', 'collection_id'])
    .execute();

  // date_added of a version is when it was written: every writer holds the knowledge write lock while
  // inserting, so the clock read at insert time grows with the sequence, unlike now() (transaction start).
  await sql`alter table stix_versions alter column added_at set default clock_timestamp()`.execute(db);
  await sql`alter table stix_objects alter column added_at set default clock_timestamp()`.execute(db);
  await sql`alter table stix_objects alter column updated_at set default clock_timestamp()`.execute(db);
  // Collections are read in (date_added, seq) order: versions of SDOs/SROs, and SCOs (no versions).
  await db.schema.createIndex('stix_versions_added_idx').on('stix_versions').columns(['added_at', 'seq']).execute();
  await db.schema.createIndex('stix_objects_sco_added_idx').on('stix_objects').columns(['updated_at', 'seq']).where(sql.ref('modified'), 'is', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('stix_objects_sco_added_idx').execute();
  await db.schema.dropIndex('stix_versions_added_idx').execute();
  await sql`alter table stix_objects alter column updated_at set default now()`.execute(db);
  await sql`alter table stix_objects alter column added_at set default now()`.execute(db);
  await sql`alter table stix_versions alter column added_at set default now()`.execute(db);
  await db.schema.dropTable('taxii_push_state').execute();
  await db.schema.dropTable('taxii_remotes').execute();
  await db.schema.dropTable('taxii_statuses').execute();
}
