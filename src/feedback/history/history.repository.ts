import { sql, type Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { Viewer } from '../../access/viewer.ts';
import { countableContribution, visibleContribution } from '../../access/visibility.policy.ts';
import { lastSeen } from '../../store/contributions.repository.ts';
import { keysOfObjects } from '../../store/keyed-contributions.query.ts';

/** One of an organisation's contributions, with the object it is of. */
export interface OwnContributionRow {
  readonly id: number;
  readonly object_id: string;
  readonly type: string;
  readonly name: string | null;
  readonly value: string | null;
  readonly tlp: Tlp;
  readonly anonymous: boolean;
  readonly first_seen: Date;
  readonly last_seen: Date;
  readonly recipient_orgs: string[];
  readonly recipient_groups: string[];
}

const OWN = ['c.id', 'c.object_id', 'o.type', 'c.name', 'o.value', 'c.tlp', 'c.anonymous', 'c.first_seen', 'c.recipient_orgs', 'c.recipient_groups'] as const;
// A re-ingest keeps a later last_seen beside the contribution (issue 17).
const OWN_SEEN = () => [...OWN, lastSeen('c').as('last_seen')] as const;

/** The caller's organisation's contributions it may see (a colleague's RED stays theirs), newest first. */
export function listOwnContributions(db: Kysely<Database>, v: Viewer, o: { limit: number; beforeId?: number; types?: readonly string[] }): Promise<OwnContributionRow[]> {
  let q = db
    .selectFrom('contributions as c')
    .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
    .select(OWN_SEEN())
    .where('c.org_id', '=', v.orgId)
    .where(visibleContribution(v, 'c'))
    .orderBy('c.id', 'desc')
    .limit(o.limit);
  if (o.beforeId !== undefined) q = q.where('c.id', '<', o.beforeId);
  if (o.types?.length) q = q.where('o.type', 'in', o.types);
  return q.execute() as Promise<OwnContributionRow[]>;
}

/** One own contribution. */
export async function findOwnContribution(db: Kysely<Database>, v: Viewer, id: number): Promise<OwnContributionRow | undefined> {
  return (await db
    .selectFrom('contributions as c')
    .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
    .select(OWN_SEEN())
    .where('c.id', '=', id)
    .where('c.org_id', '=', v.orgId)
    .where(visibleContribution(v, 'c'))
    .executeTakeFirst()) as OwnContributionRow | undefined;
}

/** The object and every object sharing one of its observable keys (the same value reported as another indicator or observable). */
export async function relatedObjects(db: Kysely<Database>, objectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom(keysOfObjects(db).as('k1'))
    .innerJoin('object_keys as k2', 'k2.key', 'k1.key')
    .select('k2.object_id')
    .distinct()
    .where('k1.object_id', '=', objectId)
    .limit(1000)
    .execute();
  return [...new Set([objectId, ...rows.map((r) => r.object_id)])];
}

/** Organisations other than the caller's that reported any of the objects, counted within the policy. */
export async function otherReporters(db: Kysely<Database>, v: Viewer, ids: readonly string[]): Promise<{ orgs: number; sectors: string[] }> {
  const rows = await db
    .selectFrom('contributions as c')
    .innerJoin('orgs as g', 'g.id', 'c.org_id')
    .select(['c.org_id', sql<string>`coalesce(g.sector, g.kind)`.as('sector')])
    .distinct()
    .where('c.object_id', 'in', ids)
    .where('c.org_id', '<>', v.orgId)
    .where(countableContribution(v, 'c'))
    .execute();
  return { orgs: new Set(rows.map((r) => r.org_id)).size, sectors: [...new Set(rows.map((r) => r.sector))].sort() };
}

/** A sighting of one of the objects, through a contribution the caller may at least count. */
export interface SightingRow {
  readonly id: string;
  readonly data: Record<string, unknown>;
  readonly org_id: string;
  readonly org_name: string;
  readonly sector: string;
  readonly anonymous: boolean;
  readonly tlp: Tlp;
  readonly visible: boolean;
}

/** Sightings of the objects: visible ones in full, countable ones flagged not visible. */
export function sightingsOf(db: Kysely<Database>, v: Viewer, ids: readonly string[]): Promise<SightingRow[]> {
  return db
    .selectFrom('object_edges as e')
    .innerJoin('contributions as c', 'c.id', 'e.contribution_id')
    .innerJoin('orgs as g', 'g.id', 'c.org_id')
    .select(['e.source_id as id', 'c.data', 'c.org_id', 'g.name as org_name', sql<string>`coalesce(g.sector, g.kind)`.as('sector'), 'c.anonymous', 'c.tlp'])
    .select(visibleContribution(v, 'c').as('visible'))
    .where('e.label', '=', 'sighting_of_ref')
    .where('e.target_id', 'in', ids)
    .where(countableContribution(v, 'c'))
    .orderBy('c.seq', 'desc')
    .limit(1000)
    .execute() as Promise<SightingRow[]>;
}

/** How many other organisations were alerted about the objects (a count only). */
export async function organisationsAlerted(db: Kysely<Database>, v: Viewer, ids: readonly string[]): Promise<number> {
  const r = await db
    .selectFrom('alert_objects as ao')
    .innerJoin('alerts as a', 'a.id', 'ao.alert_id')
    .select(sql<number>`count(distinct a.org_id)`.as('n'))
    .where('ao.object_id', 'in', ids)
    .where('a.org_id', '<>', v.orgId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
