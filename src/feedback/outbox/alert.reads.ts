import { TLP_LEVELS } from '../../trust/tlp.ts';
import type { Tlp } from '../../db/schema.ts';

/**
 * The objects an alert shows with the level each match was made at, for the audit of AMBER+STRICT and
 * RED reads (inbox, alert detail, live stream).
 * @example await auditSensitiveReads(db, viewer, alertReads(row.body), 'api.inbox')
 */
export function alertReads(body: unknown): { id: string; rank: number }[] {
  const matches = (body as { matches?: unknown } | null)?.matches;
  if (!Array.isArray(matches)) return [];
  const out: { id: string; rank: number }[] = [];
  for (const m of matches as { tlp?: Tlp | null; object_ids?: unknown }[]) {
    const rank = m.tlp ? TLP_LEVELS.indexOf(m.tlp) : -1;
    if (rank < 0 || !Array.isArray(m.object_ids)) continue;
    for (const id of m.object_ids) if (typeof id === 'string') out.push({ id, rank });
  }
  return out;
}
