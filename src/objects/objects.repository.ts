import { sql, type Expression, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { ContributionsTable, Database, StixObjectsTable, Tlp } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { countableContribution, headContribution, visibleContribution, visibleObject } from '../access/visibility.policy.ts';
import { lastSeen } from '../store/contributions.repository.ts'; // re-ingest (issue 17)
import { escapeLike } from '../db/like.ts';

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

/** An object as a viewer is shown it: the content of its head contribution (see headContribution). */
export interface VisibleObjectRow {
  readonly id: string;
  readonly type: string;
  /** The head contribution's change sequence number (list cursors). */
  readonly seq: number;
  readonly data: Record<string, unknown>;
  readonly added_at: Date;
  readonly updated_at: Date;
  /** The TLP rank of the content shown. */
  readonly min_rank: number;
  /** The head contribution's id. */
  readonly contribution_id: number;
}

function headRows(db: Kysely<Database>, viewer: AnyViewer) {
  return db
    .selectFrom('contributions as c')
    .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
    .select(['o.id', 'o.type', 'c.seq', 'c.data', 'o.added_at', 'c.updated_at', 'c.tlp_rank as min_rank', 'c.id as contribution_id'])
    .where(headContribution(viewer, 'c'));
}

/**
 * Objects the viewer may see, newest change first, each as the version the viewer is shown; the policy is
 * part of the query.
 * @example await listVisibleObjects(db, viewer, { types: ['indicator'], limit: 100 })
 */
export function listVisibleObjects(db: Kysely<Database>, viewer: AnyViewer, f: ObjectFilter): Promise<VisibleObjectRow[]> {
  // The page size and the types are written into the statement (sql.lit: a number, quoted names), not sent as
  // parameters: PostgreSQL then keeps this statement's generic plan (statement.cache.ts), whose cost it estimates for
  // this page size and whose view branches the types prune, as for a custom plan (issue 17).
  let q = filtered(headRows(db, viewer), viewer, f).orderBy('c.seq', 'desc').limit(sql.lit(f.limit));
  if (f.text) {
    // Words match an object's value or its head contribution's name or description. One OR across the two
    // tables could use no index; as two branches, each takes the trigram indexes (rare words) or walks the
    // newest changes until it has a page (common words), whichever its planner finds cheaper. Both branches
    // keep the policy and every filter, so the union holds the page.
    const pattern = `%${escapeLike(f.text)}%`;
    const branch = (alias: string, match: (eb: ExpressionBuilder<Database & { c: ContributionsTable; o: StixObjectsTable }, 'c' | 'o'>) => Expression<SqlBool>) =>
      db
        .selectFrom(filtered(headIds(db, viewer), viewer, f).where(match).orderBy('c.seq', 'desc').limit(sql.lit(f.limit)).as(alias))
        .select(`${alias}.id` as 'id');
    const byValue = branch('by_value', (eb) => eb('o.value', 'ilike', pattern));
    const byWords = branch('by_words', (eb) => eb.or([eb('c.name', 'ilike', pattern), eb(sql`c.data->>'description'`, 'ilike', pattern)]));
    q = q.where('c.id', 'in', byValue.union(byWords));
  }
  return q.execute() as Promise<VisibleObjectRow[]>;
}

// The head contributions' ids and sequence numbers (the word-search branches).
function headIds(db: Kysely<Database>, viewer: AnyViewer) {
  return db.selectFrom('contributions as c').innerJoin('stix_objects as o', 'o.id', 'c.object_id').select(['c.id', 'c.seq']).where(headContribution(viewer, 'c'));
}

// Every filter of the list but the words, on a query over contributions `c` joined to their objects `o`.
function filtered<Q extends SelectQueryBuilder<Database & { c: ContributionsTable; o: StixObjectsTable }, 'c' | 'o', object>>(q: Q, viewer: AnyViewer, f: ObjectFilter): Q {
  let r = q as SelectQueryBuilder<Database & { c: ContributionsTable; o: StixObjectsTable }, 'c' | 'o', object>;
  if (f.types?.length) r = r.where('o.type', 'in', f.types.map((t) => sql.lit(t)));
  if (f.value !== undefined) r = r.where('o.value', '=', f.value);
  if (f.beforeSeq !== undefined) r = r.where('c.seq', '<', f.beforeSeq);
  if (f.since) r = r.where('c.updated_at', '>=', f.since);
  if (f.until) r = r.where('c.updated_at', '<', f.until);
  if (f.tlp) r = r.where(sql<boolean>`exists (select 1 from contributions t where t.object_id = o.id and t.tlp = ${f.tlp} and ${visibleContribution(viewer, 't')})`);
  if (f.contributorOrg) r = r.where(sql<boolean>`exists (select 1 from contributions t where t.object_id = o.id and t.org_id = ${f.contributorOrg} and ${visibleContribution(viewer, 't')})`);
  if (f.sector)
    r = r.where(
      sql<boolean>`exists (select 1 from contributions t join orgs g on g.id = t.org_id where t.object_id = o.id and coalesce(g.sector, g.kind) = ${f.sector} and ${visibleContribution(viewer, 't')})`,
    );
  return r as Q;
}

/** One object as the viewer is shown it, if the viewer may see it. */
export async function findVisibleObject(db: Kysely<Database>, viewer: AnyViewer, id: string): Promise<VisibleObjectRow | undefined> {
  const rows = await headRows(db, viewer).where('c.object_id', '=', id).limit(1).execute();
  return rows[0] as VisibleObjectRow | undefined;
}

/** A version of an object the viewer may see: a contribution's current content or an earlier one of it. */
export interface VersionRow {
  readonly contribution_id: number;
  readonly modified_text: string | null;
  readonly added_at: Date;
  readonly current: boolean;
  readonly tlp: Tlp;
}

/** The versions of an object the viewer may see, oldest first, each with the contribution that carries it. */
export async function listVersions(db: Kysely<Database>, viewer: AnyViewer, id: string): Promise<VersionRow[]> {
  const r = await sql<VersionRow>`
    select * from (
      select c.id as contribution_id, c.modified_text, c.updated_at as added_at, true as current, c.tlp
        from contributions c where c.object_id = ${id} and ${visibleContribution(viewer, 'c')}
      union all
      select c.id, v.modified_text, v.added_at, false, c.tlp
        from stix_versions v join contributions c on c.id = v.contribution_id where v.object_id = ${id} and ${visibleContribution(viewer, 'c')}
    ) x order by x.modified_text nulls first, x.added_at`.execute(db);
  return r.rows.map((v) => ({ ...v, contribution_id: Number(v.contribution_id) }));
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
  /** The version this contribution carries (null for observables). */
  readonly modified_text: string | null;
  readonly owner_rank: number;
}

/** The contributions of an object the viewer may see. */
export function visibleContributionsOf(db: Kysely<Database>, viewer: AnyViewer, objectId: string): Promise<ContributionView[]> {
  return db
    .selectFrom('contributions as c')
    .innerJoin('orgs as g', 'g.id', 'c.org_id')
    .select(['c.id', 'c.org_id', 'g.name as org_name', 'g.kind as org_kind', 'g.sector', 'c.tlp', 'c.pap', 'c.anonymous', 'c.confidence', 'c.first_seen', lastSeen('c').as('last_seen'), 'c.recipient_orgs', 'c.recipient_groups', 'c.modified_text', 'c.owner_rank'])
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

/**
 * Neighbours of an object through edges of contributions the viewer may see, to far ends it may see (named by
 * the version the viewer is shown).
 */
export function visibleNeighbours(db: Kysely<Database>, viewer: AnyViewer, id: string, limit = 500) {
  // The edge's contribution and its far end are looked up per edge, by key (at most one row each, as the joins by a
  // unique id were): `contributions` and `stix_objects` are views (issue 17.1) whose columns have no statistics, so a
  // join between them is estimated at 1/200 of the product and PostgreSQL 15 planned this page as a hash of every line.
  return db
    .selectFrom('object_edges as e')
    .innerJoinLateral((eb) => eb.selectFrom('contributions as ec').select('ec.id').whereRef('ec.id', '=', 'e.contribution_id').where(visibleContribution(viewer, 'ec')).limit(1).as('ec'), (j) => j.onTrue())
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('stix_objects as far')
          .select(['far.id', 'far.type', 'far.value'])
          .where(sql<boolean>`far.id = case when e.source_id = ${id} then e.target_id else e.source_id end`)
          .where(visibleObject(viewer, 'far.id'))
          .limit(1)
          .as('far'),
      (j) => j.onTrue(),
    )
    .select(['e.via_id', 'e.kind', 'e.label', 'e.source_id', 'e.target_id', 'far.id as far_id', 'far.type as far_type', 'far.value as far_value'])
    .select(sql<string | null>`(select fc.name from contributions fc where fc.object_id = far.id and ${headContribution(viewer, 'fc')} limit 1)`.as('far_name'))
    .where((eb) => eb.or([eb('e.source_id', '=', id), eb('e.target_id', '=', id)]))
    .distinct()
    .limit(limit)
    .execute();
}
