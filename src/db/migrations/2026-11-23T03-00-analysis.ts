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

  // role 0: an object holding the value (observable, indicator); 1: an incident, malware, report or
  // sighting connected to it. derived: reached through a URL's host, a registrable domain or an ASN.
  await db.schema
    .createTable('analysis_root_evidence')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('role', 'smallint', (c) => c.notNull())
    .addColumn('derived', 'boolean', (c) => c.notNull())
    .addColumn('seen_at', 'timestamptz')
    .addPrimaryKeyConstraint('analysis_root_evidence_pk', ['key', 'object_id'])
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
    'analysis_root_evidence',
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
