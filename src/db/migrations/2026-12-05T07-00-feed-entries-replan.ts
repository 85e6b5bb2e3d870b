import type { Kysely } from 'kysely';
import { createKeyFunctions } from './2026-12-04T11-01-feed-entries.ts';

// The statement-level triggers that keep feed_entries in step with object_keys join the statement's transition
// table with contributions. PL/pgSQL planned that join once per connection, for the sizes of the first statement
// it ran, and kept the plan: a pooled connection whose first ingest met a nearly empty store could keep a plan that
// rescans the transition table (spilled to disk beyond work_mem) for every contribution, and a later statement
// of 30,000 keys on that connection then ran for minutes (seen in CI: 42 s and counting in BufFileRead, the test
// timing out; reproduced by planning the first statement under other planner settings: over 60 s). Each statement
// is now planned when it runs, for the transition table's real size and the store's current statistics: a few
// hundred microseconds per statement.
export async function up(db: Kysely<any>): Promise<void> {
  await createKeyFunctions(db, { planEachStatement: true });
}

export async function down(db: Kysely<any>): Promise<void> {
  await createKeyFunctions(db, { planEachStatement: false });
}
