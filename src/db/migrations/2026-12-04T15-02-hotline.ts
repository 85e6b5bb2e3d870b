import { sql, type Kysely } from 'kysely';

// Hotline (issue 15): public and volunteer reports of illegal and harmful content (URLs and metadata
// only, never the content), grouped into one entry per normalised URL with a count; the operators'
// classification with its legal basis; the actions taken on an entry; the removal checker's results.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hotline_entries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('url', 'text', (c) => c.notNull().unique())
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('report_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('new').check(sql`status in ('new','classified','actioned','removed')`))
    .addColumn('classification', 'text', (c) => c.check(sql`classification in ('illegal','harmful','not_actionable')`))
    .addColumn('legal_basis', 'text')
    .addColumn('decision_note', 'text')
    .addColumn('classified_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('classified_at', 'timestamptz')
    .addColumn('host_ip', 'text')
    .addColumn('country', 'text')
    .addColumn('case_id', 'uuid', (c) => c.references('cases.id'))
    .addColumn('indicator_id', 'text')
    .addColumn('removed_at', 'timestamptz')
    .addColumn('last_checked_at', 'timestamptz')
    .addColumn('last_check', 'text')
    .addColumn('check_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('hotline_entries_site_idx').on('hotline_entries').columns(['site', 'last_reported_at']).execute();
  await db.schema.createIndex('hotline_entries_status_idx').on('hotline_entries').columns(['status', 'priority']).execute();

  await db.schema
    .createTable('hotline_reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('receipt', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'uuid', (c) => c.notNull().references('hotline_entries.id').onDelete('cascade'))
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('contact', 'text')
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('ja'))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('public','volunteer','member')`))
    .addColumn('reporter_user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('group_org_id', 'uuid', (c) => c.references('orgs.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('hotline_reports_receipt_idx').on('hotline_reports').column('receipt').execute();
  await db.schema.createIndex('hotline_reports_entry_idx').on('hotline_reports').columns(['entry_id', 'created_at']).execute();

  await db.schema
    .createTable('hotline_entry_actions')
    .addColumn('entry_id', 'uuid', (c) => c.notNull().references('hotline_entries.id').onDelete('cascade'))
    .addColumn('action_id', 'uuid', (c) => c.notNull().references('actions.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('hotline_entry_actions_pk', ['entry_id', 'action_id'])
    .execute();

  await db.schema
    .createTable('hotline_checks')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('entry_id', 'uuid', (c) => c.notNull().references('hotline_entries.id').onDelete('cascade'))
    .addColumn('checked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .execute();
  await db.schema.createIndex('hotline_checks_entry_idx').on('hotline_checks').columns(['entry_id', 'checked_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hotline_checks').execute();
  await db.schema.dropTable('hotline_entry_actions').execute();
  await db.schema.dropTable('hotline_reports').execute();
  await db.schema.dropTable('hotline_entries').execute();
}
