import { sql, type Kysely } from 'kysely';

// Keys and sessions (issue 10.7): an organisation-level admin role (org_admin; `admin` stays the hub-wide
// admin), NDA versions published by the hub, and the record of every NDA acceptance (version, signer's
// user id, who recorded it), kept as history.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop constraint if exists users_role_check`.execute(db);
  await sql`alter table users add constraint users_role_check check (role in ('member','hub_analyst','investigator','hotline_operator','volunteer','admin','org_admin'))`.execute(db);

  await db.schema
    .createTable('nda_versions')
    .addColumn('version', 'text', (c) => c.primaryKey().check(sql`version ~ '^[A-Za-z0-9._-]{1,40}$'`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('published_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.insertInto('nda_versions').values({ version: '2026-1', title: 'Kessetsu member non-disclosure agreement' }).execute();

  await db.schema
    .createTable('nda_acceptances')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('version', 'text', (c) => c.notNull().references('nda_versions.version'))
    .addColumn('signer_user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('recorded_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('accepted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('nda_acceptances_org_idx').on('nda_acceptances').columns(['org_id', 'id']).execute();
  await db.schema.alterTable('orgs').addColumn('nda_version', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orgs').dropColumn('nda_version').execute();
  await db.schema.dropTable('nda_acceptances').execute();
  await db.schema.dropTable('nda_versions').execute();
  await sql`alter table users drop constraint if exists users_role_check`.execute(db);
  await sql`alter table users add constraint users_role_check check (role in ('member','hub_analyst','investigator','hotline_operator','volunteer','admin'))`.execute(db);
}
