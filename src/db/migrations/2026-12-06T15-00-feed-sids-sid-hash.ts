import { sql, type Kysely } from 'kysely';

// Signature ids (issue 17): a sid stays unique by an exclusion constraint on a hash index instead of a unique b-tree,
// whose random-position insert of a random bigint was most of what giving a new value its sid cost (psql, 100,000
// new keys into a table of 1,000,000 with assignSids' statement: 642–709 ms against 751–778). `on conflict do
// nothing` takes an exclusion constraint as it takes a unique one: assignSids is unchanged.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table feed_sids drop constraint feed_sids_sid_key`.execute(db);
  await sql`alter table feed_sids add constraint feed_sids_sid_excl exclude using hash (sid with =)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table feed_sids drop constraint feed_sids_sid_excl`.execute(db);
  await sql`alter table feed_sids add constraint feed_sids_sid_key unique (sid)`.execute(db);
}
