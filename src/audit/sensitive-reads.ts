import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { AUDITED_RANK } from '../access/visibility.policy.ts';
import { appendAudit } from './audit.repository.ts';
import { visibleRanks } from './visible-ranks.repository.ts';

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

/**
 * Audits the objects a read showed whose rank it does not know: each is taken at the least restrictive
 * level the viewer may see it through, and audited when that is AMBER+STRICT or RED.
 * @example await auditShownObjects(db, viewer, correlation.connected.items.map((i) => i.id), 'api.correlations')
 */
export async function auditShownObjects(db: Kysely<Database>, viewer: AnyViewer, objectIds: readonly string[], via: string): Promise<void> {
  // The public sees CLEAR only: nothing of theirs is audited.
  if (objectIds.length === 0 || viewer.kind === 'public') return;
  const ranks = await visibleRanks(db, viewer, objectIds);
  await auditSensitiveReads(db, viewer, [...ranks].map(([id, rank]) => ({ id, rank })), via);
}
