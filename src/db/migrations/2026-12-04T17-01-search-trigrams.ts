import { sql, type Kysely } from 'kysely';

// Word search (GET /api/v1/objects?text=, issue 13 point 4) matches `ilike '%…%'` over an object's value, its
// contributions' names and descriptions. Without an index a rare word reads every head contribution; trigram
// GIN indexes (pg_trgm: PostgreSQL's contrib, PGlite's bundled extension) answer `ilike` with a leading
// wildcard from the index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index if not exists stix_objects_value_trgm on stix_objects using gin (value gin_trgm_ops)`.execute(db);
  await sql`create index if not exists contributions_name_trgm on contributions using gin (name gin_trgm_ops)`.execute(db);
  await sql`create index if not exists contributions_description_trgm on contributions using gin ((data->>'description') gin_trgm_ops)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists contributions_description_trgm`.execute(db);
  await sql`drop index if exists contributions_name_trgm`.execute(db);
  await sql`drop index if exists stix_objects_value_trgm`.execute(db);
}
