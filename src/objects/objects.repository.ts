import { sql, type Kysely } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { countableContribution, visibleContribution, visibleObject } from '../access/visibility.policy.ts';

/** Filters of the object list. */
export interface ObjectFilter {
  readonly types?: readonly string[] | undefined;
  readonly value?: string | undefined;
  readonly text?: string | undefined;
  readonly sector?: string | undefined;
  readonly tlp?: Tlp | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** Only objects with a contribution of this organisation. */
  readonly contributorOrg?: string | undefined;
  /** Continue below this sequence number (cursor). */
  readonly beforeSeq?: number | undefined;
  readonly limit: number;
}

/** An object row with the least restrictive TLP the viewer sees it at. */
export interface VisibleObjectRow {
  readonly id: string;
  readonly type: string;
  readonly seq: number;
  readonly data: Record<string, unknown>;
  readonly added_at: Date;
  readonly updated_at: Date;
  readonly min_rank: number;
}

function escapeLike(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_');
}

/**
 * Objects the viewer may see, newest change first; the policy is part of the query.
 * @example await listVisibleObjects(db, viewer, { types: ['indicator'], limit: 100 })
 */
export function listVisibleObjects(db: Kysely<Database>, viewer: AnyViewer, f: ObjectFilter): Promise<VisibleObjectRow[]> {
  let q = db
    .selectFrom('stix_objects as o')
    .select(['o.id', 'o.type', 'o.seq', 'o.data', 'o.added_at', 'o.updated_at'])
    .select(sql<number>`(select min(c.tlp_rank) from contributions c where c.object_id = o.id and ${visibleContribution(viewer, 'c')})`.as('min_rank'))
    .where(visibleObject(viewer, 'o.id'))
    .orderBy('o.seq', 'desc')
    .limit(f.limit);
  if (f.types?.length) q = q.where('o.type', 'in', f.types);
  if (f.value !== undefined) q = q.where('o.value', '=', f.value);
  if (f.text) {
    const pattern = `%${escapeLike(f.text)}%`;
    q = q.where((eb) => eb.or([eb('o.name', 'ilike', pattern), eb('o.value', 'ilike', pattern), eb(sql`o.data->>'description'`, 'ilike', pattern)]));
  }
  if (f.beforeSeq !== undefined) q = q.where('o.seq', '<', f.beforeSeq);
  if (f.since) q = q.where('o.updated_at', '>=', f.since);
  if (f.until) q = q.where('o.updated_at', '<', f.until);
  if (f.tlp) q = q.where(sql<boolean>`exists (select 1 from contributions c where c.object_id = o.id and c.tlp = ${f.tlp} and ${visibleContribution(viewer, 'c')})`);
  if (f.contributorOrg) q = q.where(sql<boolean>`exists (select 1 from contributions c where c.object_id = o.id and c.org_id = ${f.contributorOrg} and ${visibleContribution(viewer, 'c')})`);
  if (f.sector)
    q = q.where(
      sql<boolean>`exists (select 1 from contributions c join orgs g on g.id = c.org_id where c.object_id = o.id and coalesce(g.sector, g.kind) = ${f.sector} and ${visibleContribution(viewer, 'c')})`,
    );
  return q.execute() as Promise<VisibleObjectRow[]>;
}

/** One object if the viewer may see it. */
export async function findVisibleObject(db: Kysely<Database>, viewer: AnyViewer, id: string): Promise<VisibleObjectRow | undefined> {
  const rows = await db
    .selectFrom('stix_objects as o')
    .select(['o.id', 'o.type', 'o.seq', 'o.data', 'o.added_at', 'o.updated_at'])
    .select(sql<number>`(select min(c.tlp_rank) from contributions c where c.object_id = o.id and ${visibleContribution(viewer, 'c')})`.as('min_rank'))
    .where('o.id', '=', id)
    .where(visibleObject(viewer, 'o.id'))
    .execute();
  return rows[0] as VisibleObjectRow | undefined;
}

/** Versions of an object, oldest first. */
export function listVersions(db: Kysely<Database>, id: string) {
  return db.selectFrom('stix_versions').select(['modified_text', 'added_at', 'seq']).where('object_id', '=', id).orderBy('modified').execute();
}

/** A contribution with its organisation, as the detail view needs it. */
export interface ContributionView {
  readonly id: number;
  readonly org_id: string;
  readonly org_name: string;
  readonly org_kind: string;
  readonly sector: string | null;
  readonly tlp: Tlp;
  readonly pap: string | null;
  readonly anonymous: boolean;
  readonly confidence: number | null;
  readonly first_seen: Date;
  readonly last_seen: Date;
  readonly recipient_orgs: string[];
  readonly recipient_groups: string[];
}

/** The contributions of an object the viewer may see. */
export function visibleContributionsOf(db: Kysely<Database>, viewer: AnyViewer, objectId: string): Promise<ContributionView[]> {
  return db
    .selectFrom('contributions as c')
    .innerJoin('orgs as g', 'g.id', 'c.org_id')
    .select(['c.id', 'c.org_id', 'g.name as org_name', 'g.kind as org_kind', 'g.sector', 'c.tlp', 'c.pap', 'c.anonymous', 'c.confidence', 'c.first_seen', 'c.last_seen', 'c.recipient_orgs', 'c.recipient_groups'])
    .where('c.object_id', '=', objectId)
    .where(visibleContribution(viewer, 'c'))
    .orderBy('c.first_seen')
    .execute() as Promise<ContributionView[]>;
}

/** How many organisations and which sectors reported an object, counting only what the policy allows. */
export async function reportersOf(db: Kysely<Database>, viewer: AnyViewer, objectId: string): Promise<{ orgs: number; sectors: string[] }> {
  const rows = await db
    .selectFrom('contributions as c')
    .innerJoin('orgs as g', 'g.id', 'c.org_id')
    .select(['c.org_id', sql<string>`coalesce(g.sector, g.kind)`.as('sector')])
    .where('c.object_id', '=', objectId)
    .where(countableContribution(viewer, 'c'))
    .distinct()
    .execute();
  return { orgs: new Set(rows.map((r) => r.org_id)).size, sectors: [...new Set(rows.map((r) => r.sector))].sort() };
}

/** Neighbours of an object through edges whose connecting object and far end the viewer may see. */
export function visibleNeighbours(db: Kysely<Database>, viewer: AnyViewer, id: string, limit = 500) {
  return db
    .selectFrom('object_edges as e')
    .innerJoin('stix_objects as far', (j) => j.on(sql<boolean>`far.id = case when e.source_id = ${id} then e.target_id else e.source_id end`))
    .select(['e.via_id', 'e.kind', 'e.label', 'e.source_id', 'e.target_id', 'far.id as far_id', 'far.type as far_type', 'far.name as far_name', 'far.value as far_value'])
    .where((eb) => eb.or([eb('e.source_id', '=', id), eb('e.target_id', '=', id)]))
    .where(visibleObject(viewer, 'e.via_id'))
    .where(visibleObject(viewer, 'far.id'))
    .limit(limit)
    .execute();
}
