import { sql, type Kysely } from 'kysely';

// Statistics and reports (issue 16): statistic series (published tables, imports) with hierarchical
// categories and values per period, and the periodic reports the hub generated.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stat_series')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('title_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('title_ja', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    // seed: shipped with the code (its revision is the hash of its file); import: a CSV a hub analyst loaded.
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('seed','import')`))
    .addColumn('revision', 'text', (c) => c.notNull().defaultTo(''))
    // Published series are public (everyone, without a key); the others are for hub analysts.
    .addColumn('published', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('stat_categories')
    .addColumn('series_key', 'text', (c) => c.notNull().references('stat_series.key').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('parent', 'text')
    .addColumn('label_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('label_ja', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('aggregate', 'text', (c) => c.notNull().defaultTo('none').check(sql`aggregate in ('sum','of_which','none')`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('stat_categories_pk', ['series_key', 'key'])
    .execute();

  await db.schema
    .createTable('stat_values')
    .addColumn('series_key', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('period_kind', 'text', (c) => c.notNull().check(sql`period_kind in ('year','fiscal_year','half_year','month','day')`))
    // Calendar days YYYY-MM-DD (text: no time zone to convert, and they sort).
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('note_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('note_ja', 'text', (c) => c.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('stat_values_pk', ['series_key', 'category', 'period'])
    .addForeignKeyConstraint('stat_values_category_fk', ['series_key', 'category'], 'stat_categories', ['series_key', 'key'], (f) => f.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('stat_values_start_idx').on('stat_values').columns(['series_key', 'period_start']).execute();

  await db.schema
    .createTable('stat_reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull().check(sql`lang in ('en','ja')`))
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('html','pdf')`))
    // running rows are the lock: one node generates a report; a lease that ran out may be taken over.
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running','done','failed')`))
    .addColumn('lease_until', 'timestamptz')
    .addColumn('content', 'bytea')
    .addColumn('content_type', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('stat_reports_period_uq', ['period', 'lang', 'format'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stat_reports').execute();
  await db.schema.dropTable('stat_values').execute();
  await db.schema.dropTable('stat_categories').execute();
  await db.schema.dropTable('stat_series').execute();
}
