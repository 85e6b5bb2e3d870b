import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ContactsTable, Database } from '../db/schema.ts';

/** A contact of the directory as stored. */
export type ContactRow = Selectable<ContactsTable>;

/** Kinds of contacts and what their key is. */
export const CONTACT_KINDS = {
  asn: 'an AS number (hosting provider or ISP abuse desk)',
  domain: 'a registrable domain (its registrar or operator)',
  tld: 'a public suffix such as "com" or "co.jp" (its registry or registrar)',
  site: 'a host name (the site administrator)',
  bank: 'a bank code (the member bank that freezes accounts)',
  country_cert: 'an ISO country code (the national CERT, through the 24/7 point)',
  country_police: 'an ISO country code (the foreign police 24/7 point)',
  partner_hotline: 'an ISO country code (the INHOPE partner hotline)',
} as const;

/** A contact kind. */
export type ContactKind = keyof typeof CONTACT_KINDS;

/** Adds or replaces the contact of a kind and key. */
export function upsertContact(db: Kysely<Database>, row: Insertable<ContactsTable>): Promise<ContactRow> {
  return db
    .insertInto('contacts')
    .values(row)
    .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ name: row.name, email: row.email ?? null, org_id: row.org_id ?? null, country: row.country ?? null, lang: row.lang ?? 'en' }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The contact of a kind and key. */
export function findContact(db: Kysely<Database>, kind: ContactKind, key: string): Promise<ContactRow | undefined> {
  return db.selectFrom('contacts').selectAll().where('kind', '=', kind).where('key', '=', key).executeTakeFirst();
}

/** The directory, by kind and key. */
export function listContacts(db: Kysely<Database>, kind?: string): Promise<ContactRow[]> {
  let q = db.selectFrom('contacts').selectAll().orderBy('kind').orderBy('key').limit(10_000);
  if (kind) q = q.where('kind', '=', kind);
  return q.execute();
}

/** Removes a contact; answers whether it existed. */
export async function deleteContact(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('contacts').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
