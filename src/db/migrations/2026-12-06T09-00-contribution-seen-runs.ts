import { sql, type Kysely } from 'kysely';

// Re-ingest (issue 17.1): a feed sent again moves the last_seen of every contribution it holds unchanged. One
// contribution_seen row each (2026-12-04T18-01) was half of an unchanged re-import's statement on PGlite's thread
// (bench/RESULTS.md: ~11 µs a row of 23 — heap row, key, speculative insertion, the key's check). What a re-import
// knows is a fact of the ingest: these contributions were seen at this time. They were created together, so their ids
// come in runs: `contribution_seen_runs` holds one row per run of contribution ids seen at one time (a batch of 5,000
// is one or two rows), and a contribution's last_seen is the greatest of its own and of the runs that hold its id.
//
// A run holds only ids that were seen: ids are consecutive in it (a feed line's three contributions, 2^50 + 4 × line
// + 0, 1, 2, and the next line's follow each other; the id + 3 between them is never a contribution's). A run that a
// newer one holds is deleted by the write of the newer one (a feed re-imported daily keeps one row per run), and a
// run that an older or equal one of the same ids holds is not written (the same touch twice writes nothing).
// Ids never come back (sequences), so a deleted contribution's runs hold nothing that could be read again.
// contribution_seen is kept (its rows moved here, written no more) for the migrations before this one to go down.

const BASE = '1125899906842624';
const raw = (text: string) => sql.raw(text);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table contribution_seen_runs (
    ids int8range not null,
    last_seen timestamptz not null,
    constraint contribution_seen_runs_ids_check check (not isempty(ids))
  )`.execute(db);
  await sql`create index contribution_seen_runs_ids_idx on contribution_seen_runs using gist (ids)`.execute(db);
  // The contributions seen at each time, as runs (position: a stored id, or a line's 3 × line + kind, so that the
  // next line's first contribution follows the last one's third).
  await sql`create function kessetsu_seen(ids bigint[], seen timestamptz[]) returns bigint language sql as $$
    with t as (select distinct u.id, u.seen from unnest(ids, seen) as u(id, seen) where u.id is not null and u.seen is not null),
    p as (select t.id, t.seen, t.id >= ${raw(BASE)} as line,
      case when t.id >= ${raw(BASE)} then (t.id - ${raw(BASE)}) / 4 * 3 + (t.id - ${raw(BASE)}) % 4 else t.id end as pos from t),
    runs as (select int8range(min(q.id), max(q.id), '[]') as ids, q.seen as last_seen
      from (select p.id, p.seen, p.line, p.pos - row_number() over (partition by p.seen, p.line order by p.pos) as island from p) q
      group by q.seen, q.line, q.island),
    gone as (delete from contribution_seen_runs r using runs n where r.ids <@ n.ids and r.last_seen < n.last_seen returning 1),
    added as (insert into contribution_seen_runs (ids, last_seen)
      select n.ids, n.last_seen from runs n
      where not exists (select 1 from contribution_seen_runs r where r.ids @> n.ids and r.last_seen >= n.last_seen)
      returning 1)
    select (select count(*) from added) - (select count(*) from gone)
  $$`.execute(db);
  await sql`select kessetsu_seen(array_agg(contribution_id), array_agg(last_seen)) from contribution_seen`.execute(db);
  await sql`delete from contribution_seen`.execute(db);
  // Nothing writes contribution_seen any more: a deleted line has no rows there to take along.
  await sql`drop trigger kessetsu_feed_lines_deleted on feed_lines`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create trigger kessetsu_feed_lines_deleted after delete on feed_lines referencing old table as kessetsu_lines_old
    for each statement execute function kessetsu_feed_lines_deleted()`.execute(db);
  // Back to a row per contribution that still exists (its greatest time).
  await sql`insert into contribution_seen (contribution_id, last_seen)
    select g.id, max(r.last_seen) from contribution_seen_runs r cross join lateral generate_series(lower(r.ids), upper(r.ids) - 1) as g(id)
    where exists (select 1 from contributions c where c.id = g.id)
    group by g.id
    on conflict (contribution_id) do update set last_seen = greatest(contribution_seen.last_seen, excluded.last_seen)`.execute(db);
  await sql`drop function kessetsu_seen(bigint[], timestamptz[])`.execute(db);
  await sql`drop table contribution_seen_runs`.execute(db);
}
