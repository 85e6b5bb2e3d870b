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

  // date_added (TAXII) of a version is when it was written, read from the clock at write time: writers hold the
  // knowledge write lock, so it grows with the sequence (now(), the transaction start, need not). The current
  // version's date_added is both stix_objects.updated_at and its stix_versions.added_at, kept equal here, so a
  // collection can be read from stix_objects alone when only current versions are asked for.
  await sql`alter table stix_objects alter column added_at set default clock_timestamp()`.execute(db);
  await sql`alter table stix_objects alter column updated_at set default clock_timestamp()`.execute(db);
  await sql`create function kessetsu_object_stamp() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' or new.seq is distinct from old.seq then
        new.updated_at := clock_timestamp();
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger stix_objects_stamp before insert or update on stix_objects for each row execute function kessetsu_object_stamp()`.execute(db);
  await sql`create function kessetsu_version_stamp() returns trigger language plpgsql as $$
    begin
      -- The current version, and every version written together with its object (one ingest), take the object's
      -- stamp; they then follow each other in sequence order, as they were given.
      new.added_at := coalesce((select o.updated_at from stix_objects o where o.id = new.object_id
          and (o.modified = new.modified or o.xmin = (pg_current_xact_id()::text::bigint % 4294967296)::text::xid)), clock_timestamp());
      return new;
    end $$`.execute(db);
  await sql`create trigger stix_versions_stamp before insert on stix_versions for each row execute function kessetsu_version_stamp()`.execute(db);
  // Collections are read in (date_added, seq) order: current versions from stix_objects, every version of
  // SDOs/SROs from stix_versions, and SCOs (which have no versions) from stix_objects.
  await db.schema.createIndex('stix_objects_updated_idx').on('stix_objects').columns(['updated_at', 'seq']).execute();
  await db.schema.createIndex('stix_versions_added_idx').on('stix_versions').columns(['added_at', 'seq']).execute();
  await db.schema.createIndex('stix_objects_sco_added_idx').on('stix_objects').columns(['updated_at', 'seq']).where(sql.ref('modified'), 'is', null).execute();
  // Every entry of a page is checked against the policy by object id: a hash index is a quarter of the size of
  // the unique (object_id, org_id, scope_key) btree and stays in memory for much larger stores.
  await db.schema.createIndex('contributions_object_hash').on('contributions').using('hash').column('object_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('contributions_object_hash').execute();
  await db.schema.dropIndex('stix_objects_sco_added_idx').execute();
  await db.schema.dropIndex('stix_versions_added_idx').execute();
  await db.schema.dropIndex('stix_objects_updated_idx').execute();
  await sql`drop trigger stix_versions_stamp on stix_versions`.execute(db);
  await sql`drop function kessetsu_version_stamp()`.execute(db);
  await sql`drop trigger stix_objects_stamp on stix_objects`.execute(db);
  await sql`drop function kessetsu_object_stamp()`.execute(db);
  await sql`alter table stix_objects alter column updated_at set default now()`.execute(db);
  await sql`alter table stix_objects alter column added_at set default now()`.execute(db);
  await db.schema.dropTable('taxii_push_state').execute();
  await db.schema.dropTable('taxii_remotes').execute();
  await db.schema.dropTable('taxii_statuses').execute();
}
