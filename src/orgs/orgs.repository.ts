import type { Kysely } from 'kysely';
import type { Database, NewOrg, OrgRow, OrgUpdate } from '../db/schema.ts';

/** Inserts an organisation and returns it. */
export function insertOrg(db: Kysely<Database>, org: NewOrg): Promise<OrgRow> {
  return db.insertInto('orgs').values(org).returningAll().executeTakeFirstOrThrow();
}

/** One organisation by id. */
export function findOrg(db: Kysely<Database>, id: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One organisation by its unique name. */
export function findOrgByName(db: Kysely<Database>, name: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Organisations ordered by name, after a cursor name. */
export function listOrgs(db: Kysely<Database>, opts: { after?: string | undefined; limit: number; ids?: readonly string[] }): Promise<OrgRow[]> {
  let q = db.selectFrom('orgs').selectAll().orderBy('name').limit(opts.limit);
  if (opts.after !== undefined) q = q.where('name', '>', opts.after);
  if (opts.ids) q = opts.ids.length ? q.where('id', 'in', opts.ids) : q.where('id', '=', '00000000-0000-0000-0000-000000000000');
  return q.execute();
}

/** Updates an organisation and returns the new row. */
export function updateOrg(db: Kysely<Database>, id: string, patch: OrgUpdate): Promise<OrgRow | undefined> {
  return db
    .updateTable('orgs')
    .set({ ...patch, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** How many organisations exist; zero means the database is new. */
export async function countOrgs(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('orgs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
