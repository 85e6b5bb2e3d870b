import { sql, type Kysely } from 'kysely';

// Flat feed lines (issue 17.1, docs/design/feed-lines.md): a re-import touches the contributions it sees again through
// contribution_seen, lines' contributions too (their ids are derived: 2^50 + 4 × the line's id + 0, 1 or 2). The
// table's key is checked once per statement as before (2026-12-05T20-00), against the stored contributions or the
// lines that present the ids, each locked for key share; a line's rows go with the line unless its promotion stored
// contributions with the same ids (it copies them before it deletes the line).

const NAME = 'contribution_seen_contribution_id_fkey';
const BASE = '1125899906842624';
const raw = (text: string) => sql.raw(text);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function kessetsu_seen_inserted() returns trigger language plpgsql as $$
    declare
      wanted bigint;
      present bigint;
      missing text;
    begin
      with w as materialized (select distinct contribution_id as ref from kessetsu_fk_new where contribution_id is not null)
      select (select count(*) from w),
        (select count(*) from (select 1 from w join contributions_stored p on p.id = w.ref for key share of p) s)
        + (select count(*) from (select 1 from w join feed_lines l on w.ref >= ${raw(BASE)} and (w.ref - ${raw(BASE)}) % 4 < 3
            and l.id = (w.ref - ${raw(BASE)}) / 4 for key share of l) t)
        into wanted, present;
      if present < wanted then
        select n.contribution_id::text into missing from kessetsu_fk_new n
        where not exists (select 1 from contributions c where c.id = n.contribution_id) limit 1;
        raise exception using errcode = 'foreign_key_violation', constraint = '${raw(NAME)}', table = TG_TABLE_NAME, column = 'contribution_id', schema = TG_TABLE_SCHEMA,
          message = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME, '${raw(NAME)}'),
          detail = format('Key (contribution_id)=(%s) is not present in table "contributions".', coalesce(missing, '?'));
      end if;
      return null;
    end $$`.execute(db);
  await sql`drop trigger kessetsu_fk_inserted on contribution_seen`.execute(db);
  await sql`create trigger kessetsu_fk_inserted after insert on contribution_seen referencing new table as kessetsu_fk_new
    for each statement execute function kessetsu_seen_inserted()`.execute(db);
  await sql`create function kessetsu_feed_lines_deleted() returns trigger language plpgsql as $$
    begin
      delete from contribution_seen s using kessetsu_lines_old o
      where s.contribution_id in (${raw(BASE)} + o.id * 4, ${raw(BASE)} + o.id * 4 + 1, ${raw(BASE)} + o.id * 4 + 2)
        and not exists (select 1 from contributions_stored c where c.id = s.contribution_id);
      return null;
    end $$`.execute(db);
  await sql`create trigger kessetsu_feed_lines_deleted after delete on feed_lines referencing old table as kessetsu_lines_old
    for each statement execute function kessetsu_feed_lines_deleted()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger kessetsu_feed_lines_deleted on feed_lines`.execute(db);
  await sql`drop function kessetsu_feed_lines_deleted()`.execute(db);
  await sql`drop trigger kessetsu_fk_inserted on contribution_seen`.execute(db);
  await sql`create trigger kessetsu_fk_inserted after insert on contribution_seen referencing new table as kessetsu_fk_new
    for each statement execute function kessetsu_fk_inserted('${raw(NAME)}', 'contribution_id', 'contributions_stored')`.execute(db);
  await sql`drop function kessetsu_seen_inserted()`.execute(db);
}
