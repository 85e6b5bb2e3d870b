import { sql, type Kysely } from 'kysely';

// Observable keys (issue 17): every key a stored contribution holds was also entered in an index by its object id, a
// random-position insert of a ~50-byte id for each key of a first STIX import (psql, 100,000 indicator keys: 3.8 µs a
// key with it, 2.3 without). The few readers that ask for an object's keys (an action's target, a case's values, the
// related objects, a contribution's warninglisted values) reach them through the object's contributions, whose key
// begins with the object id, and then the keys' primary key (contribution id first): keysOfObjects in
// store/keyed-contributions.query.ts. The column stays (the feed entries' trigger reads it from the rows inserted).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index object_keys_object_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index object_keys_object_idx on object_keys_stored (object_id)`.execute(db);
}
