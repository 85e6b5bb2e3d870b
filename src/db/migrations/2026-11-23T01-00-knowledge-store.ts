import { sql, type Kysely } from 'kysely';

// STIX objects with their versions, contributions (provenance and visibility), the graph, ingests, sharing groups.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence change_seq`.execute(db);

  await db.schema
    .createTable('sharing_groups')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('owner_org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('confidential', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('sharing_groups_owner_name_uq', ['owner_org_id', 'name'])
    .execute();
  await db.schema
    .createTable('sharing_group_members')
    .addColumn('group_id', 'uuid', (c) => c.notNull().references('sharing_groups.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addPrimaryKeyConstraint('sharing_group_members_pk', ['group_id', 'org_id'])
    .execute();
  await db.schema.createIndex('sgm_org_idx').on('sharing_group_members').column('org_id').execute();

  await db.schema
    .createTable('ingests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'uuid')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('filename', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('errors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('ingests_org_idx').on('ingests').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('stix_objects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('spec_version', 'text', (c) => c.notNull().defaultTo('2.1'))
    .addColumn('created', 'timestamptz')
    .addColumn('modified', 'timestamptz')
    .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('value', 'text')
    .addColumn('display', 'text')
    .addColumn('name', 'text')
    .addColumn('confidence', 'smallint')
    .addColumn('valid_until', 'timestamptz')
    .addColumn('pattern_usable', 'boolean')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('stix_objects_type_idx').on('stix_objects').columns(['type', 'seq']).execute();
  await db.schema.createIndex('stix_objects_value_idx').on('stix_objects').column('value').execute();
  await db.schema.createIndex('stix_objects_seq_idx').on('stix_objects').column('seq').execute();

  await db.schema
    .createTable('stix_versions')
    .addColumn('object_id', 'text', (c) => c.notNull().references('stix_objects.id').onDelete('cascade'))
    .addColumn('modified', 'timestamptz', (c) => c.notNull())
    .addColumn('modified_text', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('stix_versions_pk', ['object_id', 'modified_text'])
    .execute();
  await db.schema.createIndex('stix_versions_seq_idx').on('stix_versions').column('seq').execute();

  await db.schema
    .createTable('contributions')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('object_id', 'text', (c) => c.notNull().references('stix_objects.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'uuid')
    .addColumn('ingest_id', 'uuid')
    .addColumn('tlp', 'text', (c) => c.notNull().check(sql`tlp in ('clear','green','amber','amber+strict','red')`))
    .addColumn('tlp_rank', 'smallint', (c) => c.notNull())
    .addColumn('pap', 'text')
    .addColumn('anonymous', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('allow_count', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('confidence', 'smallint')
    .addColumn('recipient_orgs', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('recipient_groups', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('recipient_users', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('scope_key', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen', 'timestamptz', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('contributions_scope_uq', ['object_id', 'org_id', 'scope_key'])
    .execute();
  await db.schema.createIndex('contributions_org_idx').on('contributions').columns(['org_id', 'seq']).execute();
  await db.schema.createIndex('contributions_seq_idx').on('contributions').column('seq').execute();

  // Edges of the graph: relationships, sightings and embedded *_ref(s) properties.
  await db.schema
    .createTable('object_edges')
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('via_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('object_edges_pk', ['via_id', 'source_id', 'target_id', 'label'])
    .execute();
  await db.schema.createIndex('object_edges_source_idx').on('object_edges').column('source_id').execute();
  await db.schema.createIndex('object_edges_target_idx').on('object_edges').column('target_id').execute();

  // Observable keys ("ipv4-addr:198.51.100.3", "file:sha-256:…") of observables and of the patterns
  // of indicators: what lookup, correlation and the in-memory index match on.
  await db.schema
    .createTable('object_keys')
    .addColumn('object_id', 'text', (c) => c.notNull().references('stix_objects.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('object_keys_pk', ['object_id', 'key'])
    .execute();
  await db.schema.createIndex('object_keys_key_idx').on('object_keys').column('key').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'object_keys',
    'object_edges',
    'contributions',
    'stix_versions',
    'stix_objects',
    'ingests',
    'sharing_group_members',
    'sharing_groups',
  ])
    await db.schema.dropTable(t).execute();
  await sql`drop sequence change_seq`.execute(db);
}
