import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { notFound } from '../shared/errors.ts';
import { findCase, isContributor, type CaseRow } from './cases.repository.ts';

/** How much of a case a viewer may read: everything (hub, assigned police) or its state (contributors). */
export type CaseAccess = 'full' | 'contributor';

/**
 * What the viewer may read of the case, or null: hub analysts and the assigned law-enforcement
 * organisation read it in full; organisations whose contributions fed it read its state; nobody else.
 */
export async function accessOf(db: Kysely<Database>, viewer: Viewer, row: CaseRow): Promise<CaseAccess | null> {
  if (isHub(viewer) || viewer.orgId === row.le_org_id) return 'full';
  return (await isContributor(db, row.id, viewer.orgId)) ? 'contributor' : null;
}

/**
 * The case and the viewer's access, or a 404 that does not say whether it exists (also for a
 * contributor asking for more than the state when `need` is 'full').
 * @example const { row, access } = await requireCase(db, viewer, id, 'full')
 */
export async function requireCase(db: Kysely<Database>, viewer: Viewer, id: string, need: CaseAccess = 'contributor'): Promise<{ row: CaseRow; access: CaseAccess }> {
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await findCase(db, id) : undefined;
  const access = row ? await accessOf(db, viewer, row) : null;
  if (!row || !access || (need === 'full' && access !== 'full')) {
    // Refusals are audited too: someone probing for cases is worth knowing about.
    await auditCase(db, viewer, 'case.denied', id, {});
    throw notFound('case', id);
  }
  return { row, access };
}

/** Writes a case read or change to the audit log. */
export function auditCase(db: Kysely<Database>, viewer: Viewer, action: string, caseId: string, details: Record<string, unknown>): Promise<void> {
  return appendAudit(db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action, targetType: 'case', targetId: caseId, via: 'api', details }]);
}
