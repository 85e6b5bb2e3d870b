import type { Kysely, Selectable } from 'kysely';
import type { AuditCheckpointsTable, Database } from '../db/schema.ts';

/** A stored checkpoint. */
export type CheckpointRow = Selectable<AuditCheckpointsTable>;

/** The newest entry of the audit chain (seq and hash), if any. */
export function chainHead(db: Kysely<Database>): Promise<{ seq: number; hash: string } | undefined> {
  return db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** The hashes of the entries with these sequence numbers. */
export async function hashesAt(db: Kysely<Database>, seqs: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const wanted = [...new Set(seqs)].filter((s) => s > 0);
  for (let i = 0; i < wanted.length; i += 1000) {
    const rows = await db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', 'in', wanted.slice(i, i + 1000)).execute();
    for (const r of rows) out.set(r.seq, r.hash);
  }
  return out;
}

/** Stores a checkpoint. */
export async function insertCheckpoint(db: Kysely<Database>, c: Omit<CheckpointRow, 'id'>): Promise<void> {
  await db.insertInto('audit_checkpoints').values(c).execute();
}

/** Every stored checkpoint, oldest first. */
export function listCheckpoints(db: Kysely<Database>): Promise<CheckpointRow[]> {
  return db.selectFrom('audit_checkpoints').selectAll().orderBy('id').execute();
}
