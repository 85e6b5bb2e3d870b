import { sql, type Kysely } from 'kysely';

// Robustness (issue 10.6): each running ingest belongs to the node (process) that runs it, which renews
// a lease on it while it runs. Only ingests whose lease ran out are failed as interrupted, so a second
// node starting never fails another node's running ingest.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ingests add column node_id text, add column lease_until timestamptz`.execute(db);
  await sql`create index ingests_unfinished_idx on ingests (lease_until) where status in ('pending', 'running')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index ingests_unfinished_idx`.execute(db);
  await sql`alter table ingests drop column node_id, drop column lease_until`.execute(db);
}
