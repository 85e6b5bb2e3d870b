import { sql, type Kysely } from 'kysely';

// Ingest write path (issue 17.1): index entries written per CSV row. A feed line becomes three objects (observable,
// indicator, based-on relationship), each a stix_objects row and a contribution; every index below took an entry
// for each of them and no reader needs those entries:
// - the trigram indexes of word search held an entry for every NULL value, name and description (GIN indexes
//   NULLs): two of the three objects of a feed line have no value in stix_objects, two have no name, two no
//   description. Search only asks `ilike`, which is never true of NULL, so the partial indexes answer it the same
//   (the planner proves `x ilike p` implies `x is not null`); the same holds for stix_objects_value_idx (a btree
//   keeps NULLs too), read only by `value = $1`;
// - contributions_object_hash (hash on object_id) repeats the leading column of contributions_scope_uq
//   (object_id, org_id, scope_key), which answers every look-up by object id;
// - contributions_head_idx (seq where not superseded) repeats contributions_seq_idx for all but the few
//   superseded contributions, and only the hub's policy (`not superseded`) could use it; the others read by seq
//   through contributions_seq_idx already;
// - stix_objects_seq_idx: nothing reads stix_objects by seq (the analysis job reads whole tables; lists, feeds,
//   TAXII and the lookup index read contributions.seq).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists contributions_object_hash`.execute(db);
  await sql`drop index if exists contributions_head_idx`.execute(db);
  await sql`drop index if exists stix_objects_seq_idx`.execute(db);
  await sql`drop index if exists stix_objects_value_idx`.execute(db);
  await sql`create index stix_objects_value_idx on stix_objects (value) where value is not null`.execute(db);
  await sql`drop index if exists stix_objects_value_trgm`.execute(db);
  await sql`create index stix_objects_value_trgm on stix_objects using gin (value gin_trgm_ops) where value is not null`.execute(db);
  await sql`drop index if exists contributions_name_trgm`.execute(db);
  await sql`create index contributions_name_trgm on contributions using gin (name gin_trgm_ops) where name is not null`.execute(db);
  await sql`drop index if exists contributions_description_trgm`.execute(db);
  await sql`create index contributions_description_trgm on contributions using gin ((data->>'description') gin_trgm_ops) where data->>'description' is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists contributions_description_trgm`.execute(db);
  await sql`create index contributions_description_trgm on contributions using gin ((data->>'description') gin_trgm_ops)`.execute(db);
  await sql`drop index if exists contributions_name_trgm`.execute(db);
  await sql`create index contributions_name_trgm on contributions using gin (name gin_trgm_ops)`.execute(db);
  await sql`drop index if exists stix_objects_value_trgm`.execute(db);
  await sql`create index stix_objects_value_trgm on stix_objects using gin (value gin_trgm_ops)`.execute(db);
  await sql`drop index if exists stix_objects_value_idx`.execute(db);
  await sql`create index stix_objects_value_idx on stix_objects (value)`.execute(db);
  await sql`create index if not exists stix_objects_seq_idx on stix_objects (seq)`.execute(db);
  await sql`create index if not exists contributions_head_idx on contributions (seq) where superseded = false`.execute(db);
  await sql`create index if not exists contributions_object_hash on contributions using hash (object_id)`.execute(db);
}
