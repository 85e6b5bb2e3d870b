import { sql, type Kysely, type RawBuilder } from 'kysely';

// Ingest write path (issue 17): the set-wise foreign-key checks (2026-12-05T11-00, 2026-12-06T06-00) lock each parent
// row FOR KEY SHARE, as PostgreSQL's own check does, so that another transaction cannot delete or re-key a parent
// between the check and the commit. PGlite is PostgreSQL in single-user mode: one session, no other transaction, so
// the lock guards against nothing there, and it is not free: the tuple's lock written into the parent's heap page and
// a WAL record of its own for every parent row checked (~2.3 µs a row on PGlite's thread at 1,000,000 objects, two
// parents an indicator on a first import and one on a re-import). PGlite starts with `kessetsu.single_session=on`
// (db.settings.ts PGLITE_SETTINGS); the checks read it and leave the lock out there. On PostgreSQL the setting is absent and every
// check locks as before. The checks themselves (each distinct key looked up, 23503 when one is missing) are unchanged.

/** The lock clause of a check, `p` being the parent: none in a single session, FOR KEY SHARE otherwise (SQL, as text). */
const LOCK = `case when current_setting('kessetsu.single_session', true) = 'on' then '' else ' for key share of p' end`;
const raw = (text: string) => sql.raw(text);
const SEEN_BASE = '1125899906842624';
const SEEN_NAME = 'contribution_seen_contribution_id_fkey';

/** The three checks that lock parents; `lock`: the SQL expression of the lock clause (LOCK, or always FOR KEY SHARE). */
function definitions(lock: string): RawBuilder<unknown>[] {
  // Child rows inserted. Arguments: (constraint, column, parent table) per key of the table.
  const inserted = sql`create or replace function kessetsu_fk_inserted() returns trigger language plpgsql as $$
    declare
      i int := 0;
      wanted bigint;
      present bigint;
      missing text;
      locking text := ${raw(lock)};
    begin
      while i < TG_NARGS loop
        execute format(
          'with w as materialized (select distinct %1$I as ref from kessetsu_fk_new where %1$I is not null)
           select (select count(*) from w), (select count(*) from (select 1 from w join %2$I p on p.id = w.ref%3$s) l)',
          TG_ARGV[i + 1], TG_ARGV[i + 2], locking) into wanted, present;
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
    end $$`;
  // A child row's key changed (the trigger's WHEN clause). Arguments: (constraint, column, parent table).
  const keyChanged = sql`create or replace function kessetsu_fk_key_changed() returns trigger language plpgsql as $$
    declare
      ref text;
      present boolean;
    begin
      execute format('select ($1).%I::text', TG_ARGV[1]) using new into ref;
      if ref is null then
        return null;
      end if;
      execute format('select true from %I p where p.id = ($1).%I%s', TG_ARGV[2], TG_ARGV[1], ${raw(lock)}) using new into present;
      if present is null then
        raise exception using errcode = 'foreign_key_violation', constraint = TG_ARGV[0], table = TG_TABLE_NAME, column = TG_ARGV[1], schema = TG_TABLE_SCHEMA,
          message = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME, TG_ARGV[0]),
          detail = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[1], ref, TG_ARGV[2]);
      end if;
      return null;
    end $$`;
  // contribution_seen's rows inserted: against the stored contributions or the feed lines that present the ids.
  const seen = sql`create or replace function kessetsu_seen_inserted() returns trigger language plpgsql as $$
    declare
      wanted bigint;
      present bigint;
      missing text;
      locking text := ${raw(lock)};
    begin
      execute format(
        'with w as materialized (select distinct contribution_id as ref from kessetsu_fk_new where contribution_id is not null)
         select (select count(*) from w),
           (select count(*) from (select 1 from w join contributions_stored p on p.id = w.ref%1$s) s)
           + (select count(*) from (select 1 from w join feed_lines p on w.ref >= ${raw(SEEN_BASE)} and (w.ref - ${raw(SEEN_BASE)}) %% 4 < 3
               and p.id = (w.ref - ${raw(SEEN_BASE)}) / 4%1$s) t)',
        locking) into wanted, present;
      if present < wanted then
        select n.contribution_id::text into missing from kessetsu_fk_new n
        where not exists (select 1 from contributions c where c.id = n.contribution_id) limit 1;
        raise exception using errcode = 'foreign_key_violation', constraint = '${raw(SEEN_NAME)}', table = TG_TABLE_NAME, column = 'contribution_id', schema = TG_TABLE_SCHEMA,
          message = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME, '${raw(SEEN_NAME)}'),
          detail = format('Key (contribution_id)=(%s) is not present in table "contributions".', coalesce(missing, '?'));
      end if;
      return null;
    end $$`;
  return [inserted, keyChanged, seen];
}

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of definitions(LOCK)) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of definitions(`' for key share of p'`)) await statement.execute(db);
}
