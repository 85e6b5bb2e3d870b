import type { Kysely } from 'kysely';
import type { AuditRow, Database } from '../db/schema.ts';

/** Entries newest first, before a sequence number (the admin's audit page). */
export function latestAudit(db: Kysely<Database>, beforeSeq: number | undefined, limit: number): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(limit);
  if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
  return q.execute();
}
