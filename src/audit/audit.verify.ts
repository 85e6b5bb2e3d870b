import type { Kysely } from 'kysely';
import type { Database, AuditRow } from '../db/schema.ts';
import { GENESIS_HASH, entryHash } from './audit.hash.ts';
import { auditPage } from './audit.repository.ts';

/** The outcome of walking the chain. */
export type AuditVerdict =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly entries: number; readonly brokenAt: number; readonly reason: string };

function recomputed(row: AuditRow, prev: string): string {
  return entryHash(prev, {
    at: row.at.toISOString(),
    actorUserId: row.actor_user_id,
    actorOrgId: row.actor_org_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    via: row.via,
    details: row.details,
  });
}

/**
 * Walks the whole audit chain and names the first entry whose link or content does not hold.
 * @example const verdict = await verifyAuditChain(db); if (!verdict.ok) console.log(verdict.brokenAt)
 */
export async function verifyAuditChain(db: Kysely<Database>, pageSize = 5000): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let after = 0;
  let count = 0;
  for (;;) {
    const rows = await auditPage(db, after, pageSize);
    if (rows.length === 0) return { ok: true, entries: count };
    for (const row of rows) {
      if (row.prev_hash !== prev) {
        return { ok: false, entries: count, brokenAt: row.seq, reason: 'previous-hash link does not match: an entry before it was removed or changed' };
      }
      if (recomputed(row, prev) !== row.hash) {
        return { ok: false, entries: count, brokenAt: row.seq, reason: 'content does not match its hash: the entry was altered' };
      }
      prev = row.hash;
      after = row.seq;
      count++;
    }
  }
}
