import { sql, type Kysely } from 'kysely';

// Ingest write path (issue 17.1): the five foreign keys an ingest writes through, checked once per statement.
//
// A PostgreSQL foreign key checks every inserted row on its own: an SPI query with an executor start and a btree
// descent, 360,000 of them for a 30,000-row CSV import (180,001 against the one `orgs` row of the writer), ≈15 %
// of the backend's CPU (bench/RESULTS.md, eighth session). Here each of these constraints is kept by triggers
// instead, with the same promises for every writer, not only the importer:
// - child rows inserted: one statement-level check of the statement's new rows (transition table) against the
//   parent, the distinct keys first, the parent rows locked FOR KEY SHARE as PostgreSQL's own check locks them (a
//   parent deleted by another transaction meanwhile cannot leave an orphan: the delete waits, then cascades or is
//   refused; or the check waits, then fails); a missing parent raises 23503 (foreign_key_violation) with
//   PostgreSQL's message, detail and constraint name, and the statement is undone;
// - a child's key changed by an UPDATE: a row-level check whose WHEN clause skips every update that leaves the key
//   alone (PostgreSQL skips those too), so the many updates of contributions cost nothing more;
// - parent rows deleted: ON DELETE CASCADE deletes the children once per statement (old-rows transition table);
//   NO ACTION (orgs) refuses with 23503 while a child references a key no longer present;
// - a parent's key changed (NO ACTION on update, all five): refused while children reference the old key;
// - TRUNCATE of a parent: refused while a child table has rows (PostgreSQL refuses any truncate of a referenced
//   table; TRUNCATE … CASCADE no longer reaches these children: nothing here truncates them, and the test
//   harness's reset empties every table anyway).
// Each check is planned when it runs (EXECUTE), for the transition table's real size: a plan kept per connection
// from a first, small statement once stalled big ones (2026-12-05T07-00-feed-entries-replan).
// The other foreign keys (stix_versions and contribution_seen → contributions, other tables → orgs) stay as
// they are: an ingest writes few or none of their rows.

interface Key {
  readonly name: string;
  readonly child: string;
  readonly column: string;
  readonly parent: string;
  readonly cascade: boolean;
}

/** The constraints replaced, under the names PostgreSQL gave them (errors keep naming them). Parents' key: `id`. */
const KEYS: readonly Key[] = [
  { name: 'contributions_object_id_fkey', child: 'contributions', column: 'object_id', parent: 'stix_objects', cascade: true },
  { name: 'contributions_org_id_fkey', child: 'contributions', column: 'org_id', parent: 'orgs', cascade: false },
  { name: 'stix_objects_owner_org_id_fkey', child: 'stix_objects', column: 'owner_org_id', parent: 'orgs', cascade: false },
  { name: 'object_keys_contribution_id_fkey', child: 'object_keys', column: 'contribution_id', parent: 'contributions', cascade: true },
  { name: 'object_edges_contribution_id_fkey', child: 'object_edges', column: 'contribution_id', parent: 'contributions', cascade: true },
];

const raw = (text: string) => sql.raw(text);
const args = (values: readonly string[]) => raw(values.map((v) => `'${v}'`).join(', '));
const tables = (pick: (k: Key) => string) => [...new Set(KEYS.map(pick))];
const keysOf = (filter: (k: Key) => boolean) => KEYS.filter(filter);

async function createFunctions(db: Kysely<any>): Promise<void> {
  // Child rows inserted. Arguments: (constraint, column, parent table) per key of the table.
  await sql`create function kessetsu_fk_inserted() returns trigger language plpgsql as $$
    declare
      i int := 0;
      wanted bigint;
      present bigint;
      missing text;
    begin
      while i < TG_NARGS loop
        execute format(
          'with w as materialized (select distinct %1$I as ref from kessetsu_fk_new where %1$I is not null)
           select (select count(*) from w), (select count(*) from (select 1 from w join %2$I p on p.id = w.ref for key share of p) l)',
          TG_ARGV[i + 1], TG_ARGV[i + 2]) into wanted, present;
        if present < wanted then
          execute format('select n.%1$I::text from kessetsu_fk_new n where n.%1$I is not null and not exists (select 1 from %2$I p where p.id = n.%1$I) limit 1',
            TG_ARGV[i + 1], TG_ARGV[i + 2]) into missing;
          raise exception using errcode = 'foreign_key_violation', constraint = TG_ARGV[i], table = TG_TABLE_NAME, column = TG_ARGV[i + 1], schema = TG_TABLE_SCHEMA,
            message = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME, TG_ARGV[i]),
            detail = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[i + 1], coalesce(missing, '?'), TG_ARGV[i + 2]);
        end if;
        i := i + 3;
      end loop;
      return null;
    end $$`.execute(db);

  // A child row's key changed (the trigger's WHEN clause). Arguments: (constraint, column, parent table).
  await sql`create function kessetsu_fk_key_changed() returns trigger language plpgsql as $$
    declare
      ref text;
      present boolean;
    begin
      execute format('select ($1).%I::text', TG_ARGV[1]) using new into ref;
      if ref is null then
        return null;
      end if;
      execute format('select true from %I p where p.id = ($1).%I for key share of p', TG_ARGV[2], TG_ARGV[1]) using new into present;
      if present is null then
        raise exception using errcode = 'foreign_key_violation', constraint = TG_ARGV[0], table = TG_TABLE_NAME, column = TG_ARGV[1], schema = TG_TABLE_SCHEMA,
          message = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME, TG_ARGV[0]),
          detail = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[1], ref, TG_ARGV[2]);
      end if;
      return null;
    end $$`.execute(db);

  // Parent rows deleted. Arguments: (constraint, child table, column, 'cascade' | 'no action') per referencing key.
  await sql`create function kessetsu_fk_deleted() returns trigger language plpgsql as $$
    declare
      i int := 0;
      still text;
    begin
      while i < TG_NARGS loop
        if TG_ARGV[i + 3] = 'cascade' then
          execute format('delete from %I c where c.%I in (select o.id from kessetsu_fk_old o)', TG_ARGV[i + 1], TG_ARGV[i + 2]);
        else
          execute format('select o.id::text from kessetsu_fk_old o where exists (select 1 from %1$I c where c.%2$I = o.id) and not exists (select 1 from %3$I p where p.id = o.id) limit 1',
            TG_ARGV[i + 1], TG_ARGV[i + 2], TG_TABLE_NAME) into still;
          if still is not null then
            raise exception using errcode = 'foreign_key_violation', constraint = TG_ARGV[i], table = TG_ARGV[i + 1], schema = TG_TABLE_SCHEMA,
              message = format('update or delete on table "%s" violates foreign key constraint "%s" on table "%s"', TG_TABLE_NAME, TG_ARGV[i], TG_ARGV[i + 1]),
              detail = format('Key (id)=(%s) is still referenced from table "%s".', still, TG_ARGV[i + 1]);
          end if;
        end if;
        i := i + 4;
      end loop;
      return null;
    end $$`.execute(db);

  // A parent row's key changed (the trigger's WHEN clause). Arguments: (constraint, child table, column) per key.
  await sql`create function kessetsu_fk_parent_key_changed() returns trigger language plpgsql as $$
    declare
      i int := 0;
      still boolean;
    begin
      while i < TG_NARGS loop
        execute format('select true from %1$I c where c.%2$I = ($1).id and not exists (select 1 from %3$I p where p.id = ($1).id) limit 1',
          TG_ARGV[i + 1], TG_ARGV[i + 2], TG_TABLE_NAME) using old into still;
        if still then
          raise exception using errcode = 'foreign_key_violation', constraint = TG_ARGV[i], table = TG_ARGV[i + 1], schema = TG_TABLE_SCHEMA,
            message = format('update or delete on table "%s" violates foreign key constraint "%s" on table "%s"', TG_TABLE_NAME, TG_ARGV[i], TG_ARGV[i + 1]),
            detail = format('Key (id)=(%s) is still referenced from table "%s".', old.id, TG_ARGV[i + 1]);
        end if;
        i := i + 3;
      end loop;
      return null;
    end $$`.execute(db);

  // A parent table truncated (fired after every table of the statement was). Arguments: (constraint, child table).
  await sql`create function kessetsu_fk_truncated() returns trigger language plpgsql as $$
    declare
      i int := 0;
      still boolean;
    begin
      while i < TG_NARGS loop
        execute format('select exists (select 1 from %I)', TG_ARGV[i + 1]) into still;
        if still then
          raise exception using errcode = 'feature_not_supported', constraint = TG_ARGV[i], table = TG_ARGV[i + 1], schema = TG_TABLE_SCHEMA,
            message = 'cannot truncate a table referenced in a foreign key constraint',
            detail = format('Table "%s" references "%s".', TG_ARGV[i + 1], TG_TABLE_NAME),
            hint = format('Truncate table "%s" at the same time.', TG_ARGV[i + 1]);
        end if;
        i := i + 2;
      end loop;
      return null;
    end $$`.execute(db);
}

const FUNCTIONS = ['kessetsu_fk_inserted', 'kessetsu_fk_key_changed', 'kessetsu_fk_deleted', 'kessetsu_fk_parent_key_changed', 'kessetsu_fk_truncated'];

export async function up(db: Kysely<any>): Promise<void> {
  for (const k of KEYS) await sql`alter table ${raw(k.child)} drop constraint if exists ${raw(k.name)}`.execute(db);
  await createFunctions(db);
  for (const child of tables((k) => k.child)) {
    const keys = keysOf((k) => k.child === child);
    await sql`create trigger kessetsu_fk_inserted after insert on ${raw(child)} referencing new table as kessetsu_fk_new
      for each statement execute function kessetsu_fk_inserted(${args(keys.flatMap((k) => [k.name, k.column, k.parent]))})`.execute(db);
    for (const k of keys) {
      await sql`create trigger ${raw(`${k.name}_changed`)} after update on ${raw(child)} for each row
        when (old.${raw(k.column)} is distinct from new.${raw(k.column)}) execute function kessetsu_fk_key_changed(${args([k.name, k.column, k.parent])})`.execute(db);
    }
  }
  for (const parent of tables((k) => k.parent)) {
    const keys = keysOf((k) => k.parent === parent);
    await sql`create trigger kessetsu_fk_deleted after delete on ${raw(parent)} referencing old table as kessetsu_fk_old
      for each statement execute function kessetsu_fk_deleted(${args(keys.flatMap((k) => [k.name, k.child, k.column, k.cascade ? 'cascade' : 'no action']))})`.execute(db);
    await sql`create trigger kessetsu_fk_id_changed after update on ${raw(parent)} for each row when (old.id is distinct from new.id)
      execute function kessetsu_fk_parent_key_changed(${args(keys.flatMap((k) => [k.name, k.child, k.column]))})`.execute(db);
    await sql`create trigger kessetsu_fk_truncated after truncate on ${raw(parent)}
      for each statement execute function kessetsu_fk_truncated(${args(keys.flatMap((k) => [k.name, k.child]))})`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of tables((k) => k.child)) {
    await sql`drop trigger if exists kessetsu_fk_inserted on ${raw(t)}`.execute(db);
    for (const k of keysOf((k) => k.child === t)) await sql`drop trigger if exists ${raw(`${k.name}_changed`)} on ${raw(t)}`.execute(db);
  }
  for (const t of tables((k) => k.parent)) {
    for (const name of ['kessetsu_fk_deleted', 'kessetsu_fk_id_changed', 'kessetsu_fk_truncated']) await sql`drop trigger if exists ${raw(name)} on ${raw(t)}`.execute(db);
  }
  for (const f of FUNCTIONS) await sql`drop function if exists ${raw(f)}()`.execute(db);
  for (const k of KEYS) {
    await sql`alter table ${raw(k.child)} add constraint ${raw(k.name)} foreign key (${raw(k.column)}) references ${raw(k.parent)}(id)${raw(k.cascade ? ' on delete cascade' : '')}`.execute(db);
  }
}
