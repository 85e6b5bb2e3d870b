import { sql, type Kysely } from 'kysely';

// Warninglist hits (issue 17): an ingest records a hit row for each new value found on a list. The table had two
// B-trees, its primary key (list, key) and an index on key, so each hit was two random-position inserts of the value's
// key (psql, 200,000 keys in random order: 7.5 µs a hit with both, 4.2 with the key first in the primary key alone).
// Every reader either walks the hits in key order (the suppressed values' list, a page after a key) or reads them
// whole (the counts per list, the analysis run's sync), and the one filter by list asks of a key already in hand: the
// primary key (key, list) serves them all.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table analysis_warninglist_hits drop constraint analysis_warninglist_hits_pk`.execute(db);
  await sql`drop index analysis_warninglist_hits_key_idx`.execute(db);
  await sql`alter table analysis_warninglist_hits add constraint analysis_warninglist_hits_pk primary key (key, list)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table analysis_warninglist_hits drop constraint analysis_warninglist_hits_pk`.execute(db);
  await sql`alter table analysis_warninglist_hits add constraint analysis_warninglist_hits_pk primary key (list, key)`.execute(db);
  await sql`create index analysis_warninglist_hits_key_idx on analysis_warninglist_hits (key)`.execute(db);
}
