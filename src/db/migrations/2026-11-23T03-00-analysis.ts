import { sql, type Kysely } from 'kysely';

// Analyse: warninglists, offline enrichment, settings, analysis runs, clusters with stable ids and
// their history, per-value root-source aggregates with their evidence, per-ingest correlation summaries.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('analysis_warninglists')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('cidr','hostname','string','substring','regex')`))
    .addColumn('matching_attributes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('entries', sql`text[]`, (c) => c.notNull())
    .addColumn('entry_count', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('source', 'text')
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('enrichment_datasets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('ranges', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Addresses as fixed-width hex (8 digits for IPv4, 32 for IPv6): text order is numeric order.
  await db.schema
    .createTable('enrichment_ranges')
    .addColumn('dataset', 'text', (c) => c.notNull().references('enrichment_datasets.name').onDelete('cascade'))
    .addColumn('family', 'smallint', (c) => c.notNull())
    .addColumn('start_hex', 'text', (c) => c.notNull())
    .addColumn('end_hex', 'text', (c) => c.notNull())
    .addColumn('asn', 'bigint')
    .addColumn('country', 'text')
    .addColumn('holder', 'text')
    .execute();
  await db.schema.createIndex('enrichment_ranges_dataset_idx').on('enrichment_ranges').columns(['dataset', 'family', 'start_hex']).execute();

  await db.schema
    .createTable('analysis_settings')
    .addColumn('id', 'smallint', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('analysis_runs')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('stats', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  await db.schema
    .createTable('analysis_clusters')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active','merged','split','dissolved')`))
    .addColumn('members', 'integer', (c) => c.notNull())
    .addColumn('evidence', 'real', (c) => c.notNull())
    .addColumn('hub_score', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('referral_candidate', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('merged_into', 'bigint')
    .addColumn('merged_from', sql`bigint[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('split_from', sql`bigint[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('split_into', sql`bigint[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('first_seen', 'timestamptz')
    .addColumn('last_seen', 'timestamptz')
    .addColumn('created_run', 'bigint')
    .addColumn('updated_run', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('analysis_clusters_score_idx').on('analysis_clusters').columns(['status', 'hub_score']).execute();

  await db.schema
    .createTable('analysis_cluster_members')
    .addColumn('object_id', 'text', (c) => c.primaryKey())
    .addColumn('cluster_id', 'bigint', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('sig', 'text', (c) => c.notNull())
    .addColumn('amount_jpy', 'bigint')
    .addColumn('victims', 'bigint')
    .addColumn('records', 'bigint')
    .addColumn('seen_at', 'timestamptz')
    .addColumn('confidence', 'smallint')
    .execute();
  await db.schema.createIndex('analysis_cluster_members_cluster_idx').on('analysis_cluster_members').column('cluster_id').execute();

  // Why members are together: shared values (kind 'key', ref = the observable key) and
  // relationships between members (kind 'edge', ref = the relationship or referencing object).
  await db.schema
    .createTable('analysis_cluster_links')
    .addColumn('cluster_id', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('weight', 'real', (c) => c.notNull())
    .addColumn('members', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('analysis_cluster_links_pk', ['cluster_id', 'kind', 'ref'])
    .execute();

  await db.schema
    .createTable('analysis_cluster_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('run_id', 'bigint')
    .addColumn('cluster_id', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('other_ids', sql`bigint[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('members', 'integer')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('analysis_cluster_events_cluster_idx').on('analysis_cluster_events').columns(['cluster_id', 'id']).execute();

  await db.schema
    .createTable('analysis_root_sources')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('hub_score', 'real', (c) => c.notNull())
    .addColumn('too_common', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('connections', 'integer', (c) => c.notNull())
    .addColumn('evidence_hash', 'text', (c) => c.notNull())
    .addColumn('run_id', 'bigint')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('analysis_root_sources_score_idx').on('analysis_root_sources').column('hub_score').execute();

  // Who contributed what, as "signatures": the set of contribution scopes of one object (org, user,
  // TLP, recipients, counting, confidence), one row per scope, id = hash of the set. Facts below are
  // counted per signature, so a read applies THE policy to a few signature rows instead of to every
  // object and contribution, and stays exact: each object has exactly one signature.
  await db.schema
    .createTable('analysis_signatures')
    .addColumn('sig', 'text', (c) => c.notNull())
    .addColumn('ord', 'smallint', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('tlp', 'text', (c) => c.notNull())
    .addColumn('tlp_rank', 'smallint', (c) => c.notNull())
    .addColumn('recipient_orgs', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('recipient_groups', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('recipient_users', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('allow_count', 'boolean', (c) => c.notNull())
    .addColumn('confidence', 'smallint')
    .addPrimaryKeyConstraint('analysis_signatures_pk', ['sig', 'ord'])
    .execute();

  // What points at a root-source value, counted by signature. role 0: objects holding the value
  // (observables, indicators); 1: incidents, malware, reports, sightings connected to them. derived:
  // reached only through a URL's host, a registrable domain or an IP's AS.
  await db.schema
    .createTable('analysis_root_facts')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('sig', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('role', 'smallint', (c) => c.notNull())
    .addColumn('derived', 'boolean', (c) => c.notNull())
    .addColumn('objects', 'integer', (c) => c.notNull())
    .addColumn('last_seen', 'timestamptz')
    .addPrimaryKeyConstraint('analysis_root_facts_pk', ['key', 'sig', 'object_type', 'role', 'derived'])
    .execute();

  // A cluster's members counted by signature and type, with their damage summed.
  await db.schema
    .createTable('analysis_cluster_facts')
    .addColumn('cluster_id', 'bigint', (c) => c.notNull())
    .addColumn('sig', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('objects', 'integer', (c) => c.notNull())
    .addColumn('amount_jpy', 'bigint', (c) => c.notNull())
    .addColumn('victims', 'bigint', (c) => c.notNull())
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addColumn('first_seen', 'timestamptz')
    .addColumn('last_seen', 'timestamptz')
    .addPrimaryKeyConstraint('analysis_cluster_facts_pk', ['cluster_id', 'sig', 'object_type'])
    .execute();

  await db.schema
    .createTable('analysis_ingest_correlations')
    .addColumn('ingest_id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('checked', 'integer', (c) => c.notNull())
    .addColumn('correlated', 'integer', (c) => c.notNull())
    .addColumn('warninglisted', 'integer', (c) => c.notNull())
    .addColumn('too_common', 'integer', (c) => c.notNull())
    .addColumn('items', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('analysis_ingest_correlations_org_idx').on('analysis_ingest_correlations').columns(['org_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'analysis_ingest_correlations',
    'analysis_cluster_facts',
    'analysis_root_facts',
    'analysis_signatures',
    'analysis_root_sources',
    'analysis_cluster_events',
    'analysis_cluster_links',
    'analysis_cluster_members',
    'analysis_clusters',
    'analysis_runs',
    'analysis_settings',
    'enrichment_ranges',
    'enrichment_datasets',
    'analysis_warninglists',
  ])
    await db.schema.dropTable(t).ifExists().execute();
}
