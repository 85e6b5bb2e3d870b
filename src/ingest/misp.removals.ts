import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { objectRecord } from '../store/object-row.ts';
import type { PreparedObject } from '../store/knowledge.writer.ts';
import { keysOf } from './prepare.ts';

const stamp = (s: unknown): number => (typeof s === 'string' ? Date.parse(s) : NaN);

/**
 * A MISP event sent again is the whole event: an indicator its earlier version had and this one has not (the
 * attribute deleted, or its to_ids cleared) is withdrawn by its publisher. For each such indicator this
 * organisation shared, a revoked version in the same contribution, so it leaves lookups and feeds at once.
 * @example prepared.push(...(await mispRemovals(db, org.id, ingestId, prepared)))
 */
export async function mispRemovals(db: Kysely<Database>, orgId: string, ingestId: string, prepared: readonly PreparedObject[]): Promise<PreparedObject[]> {
  const reports = prepared.filter((p) => p.record.type === 'report');
  if (reports.length === 0) return [];
  const present = new Set(prepared.map((p) => p.record.id));
  const earlier = await db
    .selectFrom('contributions')
    .select(['object_id', 'data'])
    .where('org_id', '=', orgId)
    .where('object_id', 'in', reports.map((r) => r.record.id))
    .execute();
  const gone = new Map<string, string>();
  for (const row of earlier) {
    const now = reports.find((r) => r.record.id === row.object_id)!;
    const old = row.data as StixObject;
    // Only a newer version of the event speaks for what it no longer holds.
    if (!(stamp(now.record.data.modified) > stamp(old.modified))) continue;
    const refs = Array.isArray(old.object_refs) ? (old.object_refs as unknown[]) : [];
    for (const ref of refs) if (typeof ref === 'string' && ref.startsWith('indicator--') && !present.has(ref)) gone.set(ref, String(now.record.data.modified));
  }
  if (gone.size === 0) return [];
  const live = await db
    .selectFrom('contributions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('object_id', 'in', [...gone.keys()])
    .where('revoked', '=', false)
    .execute();
  return live.map((c): PreparedObject => {
    const data = c.data as StixObject;
    const at = Math.max(stamp(gone.get(c.object_id)), stamp(data.modified) + 1);
    const revoked: StixObject = { ...data, revoked: true, modified: new Date(at).toISOString() };
    return {
      record: objectRecord(revoked, keysOf(revoked)),
      contribution: {
        objectId: c.object_id,
        orgId: c.org_id,
        userId: c.user_id,
        ingestId,
        tlp: c.tlp,
        pap: c.pap,
        anonymous: c.anonymous,
        allowCount: c.allow_count,
        confidence: c.confidence,
        recipientOrgs: c.recipient_orgs,
        recipientGroups: c.recipient_groups,
        recipientUsers: c.recipient_users,
        firstSeen: c.first_seen.toISOString(),
        lastSeen: c.last_seen.toISOString(),
      },
    };
  });
}
