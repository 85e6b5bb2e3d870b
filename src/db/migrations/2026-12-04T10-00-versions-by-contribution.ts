import { sql, type Kysely } from 'kysely';

// Versions belong to the contribution that made them (issue 10).
//
// Before: one stored copy per STIX id (stix_objects.data), replaced by any member's newer version, shown to
// everyone who could see any contribution. After: stix_objects is a registry of ids (type, value, the owning
// organisation); each contribution (object, organisation, audience) carries the content it last provided, its
// own observable keys and graph edges, and stix_versions keeps the earlier contents of each contribution.
// A viewer sees, per object, the highest-ranked contribution it may see (the owner's before others', then the
// newest version, then the least restrictive level): `superseded` marks contributions that are not the
// highest-ranked overall, so that most reads need no per-viewer ranking at all.
export async function up(db: Kysely<any>): Promise<void> {
  // A per-organisation secret for ids derived from what an organisation shares (never shown).
  await sql`alter table orgs add column id_salt text not null default md5(gen_random_uuid()::text)`.execute(db);

  await sql`alter table contributions
    add column data jsonb,
    add column modified timestamptz,
    add column modified_text text,
    add column revoked boolean not null default false,
    add column name text,
    add column valid_until timestamptz,
    add column pattern_usable boolean,
    add column content_hash text,
    add column owner_rank smallint not null default 0,
    add column superseded boolean not null default false`.execute(db);
  await sql`update contributions c set data = o.data, modified = o.modified, modified_text = o.data->>'modified', revoked = o.revoked,
      name = o.name, valid_until = o.valid_until, pattern_usable = o.pattern_usable, content_hash = md5(o.data::text),
      updated_at = o.updated_at
    from stix_objects o where o.id = c.object_id`.execute(db);
  await sql`alter table contributions alter column data set not null, alter column content_hash set not null`.execute(db);
  await sql`alter table contributions alter column updated_at set default clock_timestamp()`.execute(db);

  await sql`alter table stix_objects add column owner_org_id uuid references orgs(id)`.execute(db);
  await sql`update stix_objects o set owner_org_id = (select c.org_id from contributions c where c.object_id = o.id order by c.id limit 1)`.execute(db);
  await sql`update contributions c set owner_rank = 1 from stix_objects o where o.id = c.object_id and o.owner_org_id = c.org_id`.execute(db);
  await sql`update contributions c set superseded = true from (
      select id, row_number() over (partition by object_id order by owner_rank desc, modified desc nulls last, tlp_rank, id) as rn from contributions
    ) x where x.id = c.id and x.rn > 1`.execute(db);

  // Earlier versions: each one kept with the contribution that carried it (before, with the owner's).
  await sql`alter table stix_versions rename to stix_versions_old`.execute(db);
  await sql`alter table stix_versions_old rename constraint stix_versions_pk to stix_versions_old_pk`.execute(db);
  await sql`drop index if exists stix_versions_added_idx`.execute(db);
  await sql`drop trigger if exists stix_versions_stamp on stix_versions_old`.execute(db);
  await sql`drop function if exists kessetsu_version_stamp()`.execute(db);
  await db.schema
    .createTable('stix_versions')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('contribution_id', 'bigint', (c) => c.notNull().references('contributions.id').onDelete('cascade'))
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('modified', 'timestamptz')
    .addColumn('modified_text', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`insert into stix_versions (contribution_id, object_id, modified, modified_text, data, content_hash, seq, added_at)
    select c.id, v.object_id, v.modified, v.modified_text, v.data, md5(v.data::text), v.seq, v.added_at
    from stix_versions_old v
    join stix_objects o on o.id = v.object_id
    join lateral (select c.id from contributions c where c.object_id = v.object_id and c.org_id = o.owner_org_id order by c.id limit 1) c on true
    where o.modified is distinct from v.modified`.execute(db);
  await sql`drop table stix_versions_old`.execute(db);
  await db.schema.createIndex('stix_versions_contribution_idx').on('stix_versions').column('contribution_id').execute();
  await db.schema.createIndex('stix_versions_object_idx').on('stix_versions').column('object_id').execute();
  await db.schema.createIndex('stix_versions_added_idx').on('stix_versions').columns(['added_at', 'seq']).execute();

  // Keys and edges come from a content, so they belong to the contribution carrying it.
  await sql`alter table object_keys rename to object_keys_old`.execute(db);
  await sql`alter table object_keys_old rename constraint object_keys_pk to object_keys_old_pk`.execute(db);
  await db.schema
    .createTable('object_keys')
    .addColumn('contribution_id', 'bigint', (c) => c.notNull().references('contributions.id').onDelete('cascade'))
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('object_keys_pk', ['contribution_id', 'key'])
    .execute();
  await sql`insert into object_keys (contribution_id, object_id, key)
    select c.id, k.object_id, k.key from object_keys_old k join contributions c on c.object_id = k.object_id`.execute(db);
  await sql`drop table object_keys_old`.execute(db);
  await db.schema.createIndex('object_keys_key_idx').on('object_keys').column('key').execute();
  await db.schema.createIndex('object_keys_object_idx').on('object_keys').column('object_id').execute();

  await sql`alter table object_edges rename to object_edges_old`.execute(db);
  await sql`alter table object_edges_old rename constraint object_edges_pk to object_edges_old_pk`.execute(db);
  await db.schema
    .createTable('object_edges')
    .addColumn('contribution_id', 'bigint', (c) => c.notNull().references('contributions.id').onDelete('cascade'))
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('via_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('object_edges_pk', ['contribution_id', 'source_id', 'target_id', 'label'])
    .execute();
  await sql`insert into object_edges (contribution_id, source_id, target_id, via_id, kind, label)
    select c.id, e.source_id, e.target_id, e.via_id, e.kind, e.label from object_edges_old e join contributions c on c.object_id = e.via_id
    on conflict do nothing`.execute(db);
  await sql`drop table object_edges_old`.execute(db);
  await db.schema.createIndex('object_edges_source_idx').on('object_edges').column('source_id').execute();
  await db.schema.createIndex('object_edges_target_idx').on('object_edges').column('target_id').execute();

  // The registry keeps what every version shares; contents left with their contributions.
  await sql`drop trigger if exists stix_objects_stamp on stix_objects`.execute(db);
  await sql`drop function if exists kessetsu_object_stamp()`.execute(db);
  await sql`drop index if exists feedback_indicator_valid_until_idx`.execute(db);
  await sql`drop index if exists stix_objects_sco_added_idx`.execute(db);
  await sql`drop index if exists stix_objects_updated_idx`.execute(db);
  await sql`alter table stix_objects drop column data, drop column modified, drop column revoked, drop column name,
    drop column confidence, drop column valid_until, drop column pattern_usable, drop column updated_at`.execute(db);

  // Reads by change order (TAXII date_added, lists, index catch-up) and the per-viewer ranking.
  await db.schema.createIndex('contributions_updated_idx').on('contributions').columns(['updated_at', 'seq']).execute();
  await db.schema.createIndex('contributions_head_idx').on('contributions').columns(['seq']).where(sql.ref('superseded'), '=', false).execute();
  await sql`create index contributions_valid_until_idx on contributions (valid_until) where valid_until is not null`.execute(db);
  // Objects with several contributions (the only ones whose versions need ranking per viewer).
  await sql`create index contributions_superseded_idx on contributions (object_id) where superseded`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('versions-by-contribution cannot be undone: contents of several contributions cannot be merged back into one');
}
