import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ContributionRecord, EdgeRecord, ObjectRecord } from './object-row.ts';
import { edgesOf } from './object-row.ts';
import { insertVersions, replaceObjectKeys, upsertObjects } from './objects.repository.ts';
import { insertEdges, upsertContributions, type StoredContribution } from './contributions.repository.ts';

// Every writer of contributions takes this lock inside its transaction, so sequence numbers are
// committed in order and the index's catch-up (seq > last) never skips a late commit.
const WRITE_LOCK_KEY = 7_340_002;

/** Takes the knowledge-store write lock for the rest of the transaction. */
export async function lockKnowledgeWrites(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${WRITE_LOCK_KEY})`.execute(trx);
}

/** Counts of one written batch. */
export interface WriteCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** One object with the contribution that comes with it. */
export interface PreparedObject {
  readonly record: ObjectRecord;
  readonly contribution: ContributionRecord;
}

/**
 * Writes objects, versions, keys, edges and contributions of one batch inside the caller's transaction
 * (which must hold lockKnowledgeWrites). Objects repeated in the batch are written once, the newest version winning.
 */
export async function writeBatch(trx: Kysely<Database>, batch: readonly PreparedObject[]): Promise<WriteCounts & { contributions: StoredContribution[] }> {
  const byId = new Map<string, ObjectRecord>();
  for (const { record } of batch) {
    const prev = byId.get(record.id);
    if (!prev || (record.modified ?? '') > (prev.modified ?? '')) byId.set(record.id, record);
  }
  const records = [...byId.values()];
  const { created, updated } = await upsertObjects(trx, records);
  // Older versions of an object are history: keep them all.
  await insertVersions(trx, batch.map((b) => b.record));
  const changed = new Set([...created, ...updated]);
  await replaceObjectKeys(trx, records, changed, new Set(updated));
  const edges: EdgeRecord[] = records.filter((r) => changed.has(r.id)).flatMap((r) => edgesOf(r.data));
  await insertEdges(trx, edges);
  const contributions = await upsertContributions(trx, dedupeContributions(batch.map((b) => b.contribution)));
  // Counted per object of the batch: a version repeated in one file is unchanged the second time.
  return { created: created.length, updated: updated.length, unchanged: batch.length - created.length - updated.length, contributions };
}

function dedupeContributions(cs: readonly ContributionRecord[]): ContributionRecord[] {
  const seen = new Map<string, ContributionRecord>();
  for (const c of cs) seen.set(`${c.objectId}|${c.orgId}|${c.tlp}|${c.recipientOrgs}|${c.recipientGroups}|${c.recipientUsers}|${c.anonymous}`, c);
  return [...seen.values()];
}
