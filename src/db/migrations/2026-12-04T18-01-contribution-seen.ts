import { sql, type Kysely } from 'kysely';

// Re-ingest (issue 17): a feed sent again only moves its contributions' last_seen. Rewriting the wide
// contribution row for that made a new tuple with every index entry of contributions (eleven indexes, two of
// them trigram GIN) per unchanged row. The newer last_seen of a contribution seen again lives here instead, in
// a narrow row whose updates change no indexed column and find room on their page (fill factor 50): HOT
// updates with no index entry at all. The contribution's last_seen is the greater of the two.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table contribution_seen (
    contribution_id bigint primary key references contributions(id) on delete cascade,
    last_seen timestamptz not null
  ) with (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update contributions c set last_seen = s.last_seen from contribution_seen s where s.contribution_id = c.id and s.last_seen > c.last_seen`.execute(db);
  await db.schema.dropTable('contribution_seen').execute();
}
