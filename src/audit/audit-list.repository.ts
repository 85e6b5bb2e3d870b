import type { Kysely } from 'kysely';
import type { AuditRow, Database } from '../db/schema.ts';
import { escapeLike } from '../db/like.ts';

/** What the admin's audit page narrows the log to. */
export interface AuditFilter {
  /** Entries before this sequence number (the next page). */
  readonly before?: number | undefined;
  /** An action or the start of one: "object.read", "taxii.remote." */
  readonly action?: string | undefined;
  /** The target's id, exactly (an object, a key, an organisation). */
  readonly targetId?: string | undefined;
  /** The acting organisation. */
  readonly actorOrgId?: string | undefined;
}

/** Entries newest first, narrowed by the filter (the admin's audit page). */
export function latestAudit(db: Kysely<Database>, f: AuditFilter, limit: number): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(limit);
  if (f.before !== undefined) q = q.where('seq', '<', f.before);
  if (f.action) q = q.where('action', 'like', `${escapeLike(f.action)}%`);
  if (f.targetId) q = q.where('target_id', '=', f.targetId);
  if (f.actorOrgId) q = q.where('actor_org_id', '=', f.actorOrgId);
  return q.execute();
}
