import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { AUDITED_RANK } from '../access/visibility.policy.ts';
import { appendAudit } from './audit.repository.ts';

/**
 * Records every AMBER+STRICT or RED object a viewer was just shown (who, what, through which path).
 * @example await auditSensitiveReads(db, viewer, rows.map((r) => ({ id: r.id, rank: r.min_rank })), 'api.objects.list')
 */
export async function auditSensitiveReads(db: Kysely<Database>, viewer: AnyViewer, shown: readonly { id: string; rank: number }[], via: string): Promise<void> {
  const sensitive = shown.filter((s) => s.rank >= AUDITED_RANK);
  if (sensitive.length === 0) return;
  const actor = viewer.kind === 'user' ? { actorUserId: viewer.userId, actorOrgId: viewer.orgId } : {};
  await appendAudit(
    db,
    sensitive.map((s) => ({ ...actor, action: 'object.read', targetType: 'stix_object', targetId: s.id, via, details: { tlp: s.rank === 4 ? 'red' : 'amber+strict' } })),
  );
}
