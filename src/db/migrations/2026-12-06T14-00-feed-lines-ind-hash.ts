import { sql, type Kysely } from 'kysely';

// Flat feed lines (issue 17): a line's indicator id was entered in a unique b-tree, a random-position insert of a
// ~50-byte id for every line (psql, COPY of 100,000 lines into feed_lines with that one index: 660–894 ms, with a hash
// index instead 567–593, without any 450). `ind_id` is only ever compared for equality (a point read, a join probe,
// `= any`), like `sco_id` and `rel_id` (2026-12-06T08-00). One line per indicator is kept by its only writer:
// insertNewLines runs under the knowledge write lock and refuses a line whose indicator is stored or already a line's,
// and a second line of one indicator in its batch (feed-lines.repository.ts).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index feed_lines_line_uq`.execute(db);
  await sql`create index feed_lines_ind_idx on feed_lines using hash (ind_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index feed_lines_ind_idx`.execute(db);
  await sql`create unique index feed_lines_line_uq on feed_lines (ind_id)`.execute(db);
}
