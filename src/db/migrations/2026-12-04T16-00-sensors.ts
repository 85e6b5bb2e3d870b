import { sql, type Kysely } from 'kysely';

// Sense (issue 14): registered sensors with their keys and sharing, per-minute aggregates rolled up
// to hours and days in tables partitioned by time (partitions are made ahead and dropped at the end
// of their retention by the sensors area), the queue of roll-ups to redo, and detections.
const RESOLUTIONS = ['minute', 'hour', 'day'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sensors')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('telescope').check(sql`kind in ('telescope','honeypot','ids','other')`))
    // CIDRs the sensor watches (its own addresses): detail for its owner and the hub only.
    .addColumn('address_space', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // Who sees the sensor's aggregates: a TLP with AMBER recipients, as for any contribution.
    .addColumn('share_tlp', 'text', (c) => c.notNull().defaultTo('amber').check(sql`share_tlp in ('clear','green','amber','amber+strict','red')`))
    .addColumn('share_orgs', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('share_groups', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // May the hub's published observation summaries count this sensor (aggregates only)?
    .addColumn('public_summary', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('key_prefix', 'text', (c) => c.notNull().unique())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('rate_limit', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_event_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('sensors_org_idx').on('sensors').column('org_id').execute();

  for (const r of RESOLUTIONS) {
    await sql`create table ${sql.id(`sensor_stats_${r}`)} (
      sensor_id uuid not null,
      bucket timestamptz not null,
      packets bigint not null,
      bytes bigint not null,
      unique_sources integer not null,
      approximate boolean not null default false,
      sources bytea,
      primary key (sensor_id, bucket)
    ) partition by range (bucket)`.execute(db);
    await sql`create table ${sql.id(`sensor_counts_${r}`)} (
      sensor_id uuid not null,
      bucket timestamptz not null,
      dim text not null,
      key text not null,
      count bigint not null,
      primary key (sensor_id, bucket, dim, key)
    ) partition by range (bucket)`.execute(db);
  }

  await db.schema
    .createTable('sensor_rollups')
    .addColumn('sensor_id', 'uuid', (c) => c.notNull())
    .addColumn('resolution', 'text', (c) => c.notNull().check(sql`resolution in ('hour','day')`))
    .addColumn('bucket', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('sensor_rollups_pk', ['sensor_id', 'resolution', 'bucket'])
    .execute();

  await db.schema
    .createTable('sensor_detections')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('sensor_id', 'uuid', (c) => c.notNull().references('sensors.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('bucket', 'timestamptz', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('sensor_detections_sensor_idx').on('sensor_detections').columns(['sensor_id', 'bucket']).execute();
  await db.schema.createIndex('sensor_detections_bucket_idx').on('sensor_detections').columns(['bucket']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sensor_detections').ifExists().execute();
  await db.schema.dropTable('sensor_rollups').ifExists().execute();
  for (const r of RESOLUTIONS) {
    await sql`drop table if exists ${sql.id(`sensor_counts_${r}`)}`.execute(db);
    await sql`drop table if exists ${sql.id(`sensor_stats_${r}`)}`.execute(db);
  }
  await db.schema.dropTable('sensors').ifExists().execute();
}
