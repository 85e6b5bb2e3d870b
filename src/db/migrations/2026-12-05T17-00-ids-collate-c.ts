import { sql, type Kysely } from 'kysely';

// Machine identifiers compared byte for byte (issue 17). STIX ids, object types, observable keys, scope keys and
// signatures are ASCII names, never sorted for people; under a database created with a language locale (the
// default of most PostgreSQL installations, e.g. en_US.UTF-8) every B-tree comparison of them went through the
// locale's collation (strcoll): a CSV import's server CPU was ~1.5× that on a "C" database (bench/RESULTS.md).
// Declared COLLATE "C" they compare with memcmp whatever the database's locale; on a "C" database (PGlite, the
// test clusters) nothing changes. Every column that holds such a name and is compared with another is converted,
// so that a join between two of them uses one collation and the indexes of both. Values, names and descriptions
// keep the database's collation (people sort and search them).
export const C_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  stix_objects: ['id', 'type'],
  contributions: ['object_id', 'scope_key'],
  stix_versions: ['object_id'],
  object_keys: ['key', 'object_id'],
  object_edges: ['source_id', 'target_id', 'via_id', 'label'],
  feed_entries: ['key', 'object_id'],
  feed_sids: ['key'],
  analysis_warninglists: ['slug'],
  analysis_warninglist_hits: ['list', 'key'],
  alert_objects: ['object_id'],
  case_objects: ['object_id'],
  evidence_items: ['object_id'],
  actions: ['object_id', 'target_key'],
  audit_log: ['target_id'],
  analysis_signatures: ['sig'],
  analysis_cluster_members: ['object_id', 'object_type', 'sig', 'unless_sig', 'copy_of'],
  analysis_cluster_facts: ['object_type', 'sig', 'unless_sig'],
  analysis_cluster_links: ['ref'],
  analysis_root_facts: ['key', 'object_type', 'sig'],
  analysis_root_sources: ['key'],
};

// PostgreSQL refuses to change a column's type while a trigger's definition names it (UPDATE OF …): a table's own
// triggers are taken off and put back as they were, in the same transaction.
async function recollate(db: Kysely<any>, collation: 'C' | 'default'): Promise<void> {
  for (const [table, cols] of Object.entries(C_COLUMNS)) {
    const triggers = await sql<{ name: string; def: string }>`
      select t.tgname as name, pg_get_triggerdef(t.oid) as def from pg_trigger t
      where t.tgrelid = cast(${table} as regclass) and not t.tgisinternal order by t.tgname`.execute(db);
    for (const t of triggers.rows) await sql`drop trigger ${sql.id(t.name)} on ${sql.table(table)}`.execute(db);
    const alters = cols.map((c) => sql`alter column ${sql.id(c)} type text collate ${sql.id(collation === 'C' ? 'C' : 'default')}`);
    await sql`alter table ${sql.table(table)} ${sql.join(alters, sql`, `)}`.execute(db);
    for (const t of triggers.rows) await sql.raw(t.def).execute(db);
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await recollate(db, 'C');
}

export async function down(db: Kysely<any>): Promise<void> {
  await recollate(db, 'default');
}
