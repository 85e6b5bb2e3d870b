import { sql, type Kysely } from 'kysely';

// Feed back: subscriptions, alerts with read state, the delivery outbox, stable signature ids of
// the council feeds, and public advisories.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    // Null: the whole organisation subscribes; otherwise one person.
    .addColumn('user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('asset','sector','indicator','shared_sighting','cluster_priority','advisory')`),
    )
    .addColumn('rule', 'jsonb', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('email', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('subscriptions_org_idx').on('subscriptions').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('subscription_id', 'uuid', (c) => c.references('subscriptions.id').onDelete('set null'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'uuid')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('alerts_org_idx').on('alerts').columns(['org_id', 'id']).execute();
  await db.schema.createIndex('alerts_subscription_idx').on('alerts').columns(['subscription_id', 'id']).execute();

  // Objects an alert named (capped per alert), for "what happened to what I shared".
  await db.schema
    .createTable('alert_objects')
    .addColumn('alert_id', 'bigint', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_objects_pk', ['alert_id', 'object_id'])
    .execute();
  await db.schema.createIndex('alert_objects_object_idx').on('alert_objects').column('object_id').execute();

  await db.schema
    .createTable('alert_reads')
    .addColumn('alert_id', 'bigint', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('read_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('alert_reads_pk', ['alert_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('alert_id', 'bigint', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('subscription_id', 'uuid')
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('webhook','email')`))
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('recipient_user_id', 'uuid')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','delivered','dead')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  await sql`create index outbox_due_idx on outbox (next_attempt_at) where status = 'pending'`.execute(db);
  await db.schema.createIndex('outbox_alert_idx').on('outbox').column('alert_id').execute();
  await db.schema.createIndex('outbox_subscription_idx').on('outbox').columns(['subscription_id', 'id']).execute();

  // Suricata/Snort signature ids: derived from the value, kept forever once given.
  await db.schema
    .createTable('feed_sids')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('sid', 'bigint', (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable('advisories')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft').check(sql`status in ('draft','published','withdrawn')`))
    .addColumn('title_ja', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('title_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_ja', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('object_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('report_id', 'text')
    .addColumn('created_by', 'uuid', (c) => c.notNull())
    .addColumn('published_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('advisories_status_idx').on('advisories').columns(['status', 'published_at']).execute();

  // Feed ETags depend on the next indicator expiry; this keeps asking for it cheap.
  await sql`create index feedback_indicator_valid_until_idx on stix_objects (valid_until) where type = 'indicator'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists feedback_indicator_valid_until_idx`.execute(db);
  for (const t of ['advisories', 'feed_sids', 'outbox', 'alert_reads', 'alert_objects', 'alerts', 'subscriptions']) await db.schema.dropTable(t).execute();
}
