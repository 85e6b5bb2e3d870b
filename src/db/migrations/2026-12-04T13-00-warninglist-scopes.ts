import { sql, type Kysely } from 'kysely';

// Warninglists with scopes (issue 11.1): what a list suppresses — never_correlate (no correlation,
// cluster link or root source), never_blocklist (no feed), warn (kept, with a warning and a lower
// score) — whether an admin chose it, and where the list came from (built into Kessetsu or
// imported). Values found on a list are recorded (never deleted from the store) so that the hub can
// list what was suppressed and why. Root sources remember the warning lists that lowered their score.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('analysis_warninglists')
    .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{never_correlate,never_blocklist}'`))
    .execute();
  await db.schema.alterTable('analysis_warninglists').addColumn('scopes_by_admin', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema
    .alterTable('analysis_warninglists')
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('import').check(sql`origin in ('builtin', 'import')`))
    .execute();
  // Lists imported before scopes existed: cloud ranges and dynamic DNS warn, scanners only stay out of correlation.
  await sql`update analysis_warninglists set scopes = '{warn}'
    where slug ~ '(amazon|aws|azure|gcp|google-cloud|cloudflare|oracle|ovh|digitalocean|linode|vultr|hetzner|akamai|fastly|cdn|dynamic-dns|dyndns|ddns)'`.execute(db);
  await sql`update analysis_warninglists set scopes = '{never_correlate}' where slug ~ 'scanning'`.execute(db);

  await db.schema
    .createTable('analysis_warninglist_hits')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('analysis_warninglist_hits_pk', ['list', 'key'])
    .execute();
  await db.schema.createIndex('analysis_warninglist_hits_key_idx').on('analysis_warninglist_hits').column('key').execute();

  await db.schema.alterTable('analysis_root_sources').addColumn('score_factor', 'real', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema
    .alterTable('analysis_root_sources')
    .addColumn('warninglists', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analysis_root_sources').dropColumn('warninglists').execute();
  await db.schema.alterTable('analysis_root_sources').dropColumn('score_factor').execute();
  await db.schema.dropTable('analysis_warninglist_hits').execute();
  await db.schema.alterTable('analysis_warninglists').dropColumn('origin').execute();
  await db.schema.alterTable('analysis_warninglists').dropColumn('scopes_by_admin').execute();
  await db.schema.alterTable('analysis_warninglists').dropColumn('scopes').execute();
}
