import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { CaseEventsTable, CasesTable, Database } from '../db/schema.ts';

/** A case as stored. */
export type CaseRow = Selectable<CasesTable>;
/** A timeline entry as stored. */
export type CaseEventRow = Selectable<CaseEventsTable>;

/** Whose cases a list shows: all (hub), the assigned organisation's, or those an organisation contributed to. */
export type CaseScope = { readonly all: true } | { readonly orgId: string };

/** Inserts a case, numbering it K<year>-<sequence>. */
export async function insertCase(trx: Kysely<Database>, row: Omit<Insertable<CasesTable>, 'number'>): Promise<CaseRow> {
  const n = await sql<{ n: number }>`select nextval('case_number_seq') as n`.execute(trx);
  const number = `K${new Date().getUTCFullYear()}-${String(n.rows[0]!.n).padStart(4, '0')}`;
  return trx.insertInto('cases').values({ ...row, number }).returningAll().executeTakeFirstOrThrow();
}

/** One case, whoever asks (the service decides who may know of it). */
export function findCase(db: Kysely<Database>, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Changes a case and answers it. */
export function updateCase(db: Kysely<Database>, id: string, patch: Updateable<CasesTable>): Promise<CaseRow> {
  return db.updateTable('cases').set({ ...patch, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

const contributed = (orgId: string) =>
  sql<boolean>`exists (select 1 from case_objects co join contributions c on c.object_id = co.object_id where co.case_id = k.id and c.org_id = ${orgId})`;

/**
 * Cases the scope may know of, newest first, below a cursor: the hub sees all; an organisation its
 * assigned cases and the cases its contributions fed (the caller says which it may read in full).
 */
export function listCases(db: Kysely<Database>, scope: CaseScope, o: { limit: number; before?: { at: Date; id: string } | undefined; state?: string | undefined }) {
  let q = db
    .selectFrom('cases as k')
    .selectAll('k')
    .orderBy('k.created_at', 'desc')
    .orderBy('k.id', 'desc')
    .limit(o.limit);
  if ('orgId' in scope) q = q.where((eb) => eb.or([eb('k.le_org_id', '=', scope.orgId), contributed(scope.orgId)]));
  if (o.state) q = q.where('k.state', '=', o.state as CaseRow['state']);
  if (o.before) {
    const b = o.before;
    q = q.where((eb) => eb.or([eb('k.created_at', '<', b.at), eb.and([eb('k.created_at', '=', b.at), eb('k.id', '<', b.id)])]));
  }
  return q.execute();
}

/** Whether an organisation contributed to one of the case's objects. */
export async function isContributor(db: Kysely<Database>, caseId: string, orgId: string): Promise<boolean> {
  const r = await db
    .selectFrom('case_objects as co')
    .innerJoin('contributions as c', 'c.object_id', 'co.object_id')
    .select('c.id')
    .where('co.case_id', '=', caseId)
    .where('c.org_id', '=', orgId)
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** Adds objects to a case (once each). */
export async function addCaseObjects(trx: Kysely<Database>, caseId: string, objectIds: readonly string[], role: string): Promise<void> {
  for (let i = 0; i < objectIds.length; i += 1000) {
    const part = objectIds.slice(i, i + 1000).map((object_id) => ({ case_id: caseId, object_id, role }));
    if (part.length) await trx.insertInto('case_objects').values(part).onConflict((oc) => oc.doNothing()).execute();
  }
}

/** The objects of a case with their role. */
export function caseObjects(db: Kysely<Database>, caseId: string) {
  return db.selectFrom('case_objects').select(['object_id', 'role', 'added_at']).where('case_id', '=', caseId).orderBy('added_at').orderBy('object_id').execute();
}

/** Appends an entry to a case's timeline. */
export async function insertCaseEvent(trx: Kysely<Database>, e: Insertable<CaseEventsTable>): Promise<void> {
  await trx.insertInto('case_events').values(e).execute();
}

/** A case's timeline, oldest first; only the entries contributors may learn when asked. */
export function caseEvents(db: Kysely<Database>, caseId: string, publicOnly: boolean): Promise<CaseEventRow[]> {
  let q = db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('id');
  if (publicOnly) q = q.where('public', '=', true);
  return q.execute();
}

/** An organisation that contributed to a case, with whether all its contributions there were anonymous and whether it agreed to be named. */
export interface CaseContributorRow {
  readonly org_id: string;
  readonly name: string;
  readonly kind: string;
  readonly sector: string | null;
  readonly anonymous: boolean;
  readonly consented: boolean;
  readonly objects: number;
  readonly first_seen: Date;
}

/** The organisations whose contributions fed the case. */
export async function caseContributors(db: Kysely<Database>, caseId: string): Promise<CaseContributorRow[]> {
  const r = await sql<CaseContributorRow>`
    select c.org_id, g.name, g.kind, g.sector, bool_or(c.anonymous) as anonymous,
      exists (select 1 from case_consents cc where cc.case_id = ${caseId} and cc.org_id = c.org_id) as consented,
      count(distinct c.object_id)::int as objects, min(c.first_seen) as first_seen
    from case_objects co join contributions c on c.object_id = co.object_id join orgs g on g.id = c.org_id
    where co.case_id = ${caseId}
    group by c.org_id, g.name, g.kind, g.sector
    order by min(c.first_seen), c.org_id`.execute(db);
  return r.rows;
}

/** Records an anonymous contributor's agreement to be named to the police for this case. */
export async function insertConsent(db: Kysely<Database>, caseId: string, orgId: string, userId: string): Promise<void> {
  await db.insertInto('case_consents').values({ case_id: caseId, org_id: orgId, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
}

/** Cases holding any of these objects (for histories). */
export async function casesOfObjects(db: Kysely<Database>, objectIds: readonly string[]): Promise<CaseRow[]> {
  if (!objectIds.length) return [];
  return db
    .selectFrom('cases as k')
    .selectAll('k')
    .where(sql<boolean>`exists (select 1 from case_objects co where co.case_id = k.id and co.object_id in (${sql.join(objectIds.slice(0, 1000))}))`)
    .orderBy('k.created_at', 'desc')
    .limit(100)
    .execute();
}
