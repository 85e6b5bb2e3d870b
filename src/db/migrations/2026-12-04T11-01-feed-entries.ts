import { sql, type Kysely } from 'kysely';

// Council feeds (issue 17.3): what a feed reads of an indicator's keys, kept beside them at write time.
//
// A feed of a million entries joined object_keys (every key of every contribution) with contributions (rows
// that carry each content's JSON): most of its time went into hashing the one and scanning the other. Here each
// key of an indicator's contribution is one narrow row with the contribution's policy, ranking and feed facts,
// so a feed is one scan of this table with the policy as column comparisons, no join. Triggers keep it in the
// same transaction as every write (whichever path wrote): keys added or removed add or remove rows; a change of
// a fact a feed reads on an indicator's contribution is copied to its rows. `id` is the contribution's id (the
// policy's ranking of versions reads it under that name). Rows of revoked or expired contributions stay (a
// revocation is a column change); feeds filter them.
const FACTS = [
  'object_id',
  'tlp',
  'tlp_rank',
  'org_id',
  'user_id',
  'recipient_orgs',
  'recipient_groups',
  'recipient_users',
  'revoked',
  'superseded',
  'owner_rank',
  'modified',
  'valid_until',
  'confidence',
  'updated_at',
] as const;

/**
 * The statement-level functions that keep feed_entries in step with object_keys. With `planEachStatement`, each
 * statement is planned when it runs (EXECUTE), for the transition table's real size; without, PL/pgSQL plans it
 * once per connection and keeps that plan (the first form; see 2026-12-05T07-00-feed-entries-replan).
 */
export async function createKeyFunctions(db: Kysely<any>, opts: { planEachStatement: boolean }): Promise<void> {
  const cols = FACTS.join(', ');
  const fromC = FACTS.map((f) => `c.${f}`).join(', ');
  const added = `insert into feed_entries (id, key, ${cols})
        select c.id, k.key, ${fromC} from kessetsu_added k join contributions c on c.id = k.contribution_id
        where k.object_id like 'indicator--%'`;
  const removed = `delete from feed_entries f using kessetsu_removed k where f.id = k.contribution_id and f.key = k.key`;
  const run = (statement: string) => (opts.planEachStatement ? `execute ${literal(statement)};` : `${statement};`);
  // Keys arrive in sets (an ingest batch): one statement-level insert per statement, joined once.
  await sql`create or replace function kessetsu_feed_keys_added() returns trigger language plpgsql as $$
    begin
      ${sql.raw(run(added))}
      return null;
    end $$`.execute(db);
  await sql`create or replace function kessetsu_feed_keys_removed() returns trigger language plpgsql as $$
    begin
      ${sql.raw(run(removed))}
      return null;
    end $$`.execute(db);
  await sql`create or replace function kessetsu_feed_keys_changed() returns trigger language plpgsql as $$
    begin
      ${sql.raw(run(removed))}
      ${sql.raw(run(added))}
      return null;
    end $$`.execute(db);
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('feed_entries')
    .addColumn('id', 'bigint', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('tlp', 'text', (c) => c.notNull())
    .addColumn('tlp_rank', 'smallint', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('recipient_orgs', sql`uuid[]`, (c) => c.notNull())
    .addColumn('recipient_groups', sql`uuid[]`, (c) => c.notNull())
    .addColumn('recipient_users', sql`uuid[]`, (c) => c.notNull())
    .addColumn('revoked', 'boolean', (c) => c.notNull())
    .addColumn('superseded', 'boolean', (c) => c.notNull())
    .addColumn('owner_rank', 'smallint', (c) => c.notNull())
    .addColumn('modified', 'timestamptz')
    .addColumn('valid_until', 'timestamptz')
    .addColumn('confidence', 'smallint')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_entries_pk', ['id', 'key'])
    .execute();

  const cols = sql.raw(FACTS.join(', '));
  const fromC = sql.raw(FACTS.map((f) => `c.${f}`).join(', '));
  const fromNew = sql.raw(FACTS.filter((f) => f !== 'object_id').map((f) => `${f} = new.${f}`).join(', '));
  const oldFacts = sql.raw(FACTS.map((f) => `old.${f}`).join(', '));
  const newFacts = sql.raw(FACTS.map((f) => `new.${f}`).join(', '));

  await createKeyFunctions(db, { planEachStatement: false });
  await sql`create trigger feed_entries_keys_added after insert on object_keys
    referencing new table as kessetsu_added for each statement execute function kessetsu_feed_keys_added()`.execute(db);
  await sql`create trigger feed_entries_keys_removed after delete on object_keys
    referencing old table as kessetsu_removed for each statement execute function kessetsu_feed_keys_removed()`.execute(db);
  await sql`create trigger feed_entries_keys_changed after update on object_keys
    referencing old table as kessetsu_removed new table as kessetsu_added for each statement execute function kessetsu_feed_keys_changed()`.execute(db);

  // A contribution's facts change one row at a time (revocation, ranking, expiry, confidence): the WHEN clause
  // is evaluated without calling the function, so updates of anything else (dates seen, observables) cost nothing.
  await sql`create function kessetsu_feed_facts_changed() returns trigger language plpgsql as $$
    begin
      update feed_entries set ${fromNew} where id = new.id;
      return null;
    end $$`.execute(db);
  await sql`create trigger feed_entries_facts_changed after update on contributions for each row
    when (new.object_id like 'indicator--%' and (${oldFacts}) is distinct from (${newFacts}))
    execute function kessetsu_feed_facts_changed()`.execute(db);

  await sql`insert into feed_entries (id, key, ${cols})
    select c.id, k.key, ${fromC} from object_keys k join contributions c on c.id = k.contribution_id
    where k.object_id like 'indicator--%'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists feed_entries_facts_changed on contributions`.execute(db);
  await sql`drop trigger if exists feed_entries_keys_added on object_keys`.execute(db);
  await sql`drop trigger if exists feed_entries_keys_removed on object_keys`.execute(db);
  await sql`drop trigger if exists feed_entries_keys_changed on object_keys`.execute(db);
  await sql`drop function if exists kessetsu_feed_facts_changed()`.execute(db);
  await sql`drop function if exists kessetsu_feed_keys_added()`.execute(db);
  await sql`drop function if exists kessetsu_feed_keys_removed()`.execute(db);
  await sql`drop function if exists kessetsu_feed_keys_changed()`.execute(db);
  await db.schema.dropTable('feed_entries').execute();
}
