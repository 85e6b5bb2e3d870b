import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { AppError, invalid } from '../shared/errors.ts';
import { CONTACT_KINDS, listContacts, upsertContact, type ContactKind, type ContactRow } from './contacts.repository.ts';

/** A contact as the API shows it. */
export function presentContact(c: ContactRow) {
  return { id: c.id, kind: c.kind, key: c.key, name: c.name, email: c.email, org_id: c.org_id, country: c.country, lang: c.lang };
}

/** A contact to add. */
export interface NewContact {
  readonly kind: ContactKind;
  readonly key: string;
  readonly name: string;
  readonly email?: string | undefined;
  readonly org_id?: string | undefined;
  readonly country?: string | undefined;
  readonly lang?: 'ja' | 'en' | undefined;
}

function normalKey(kind: ContactKind, key: string): string {
  const k = key.trim();
  if (kind === 'asn') {
    const n = /^(?:AS)?(\d{1,10})$/i.exec(k);
    if (!n) throw invalid('key', 'an AS number such as 64500 or AS64500');
    return String(Number(n[1]));
  }
  if (kind === 'country_cert' || kind === 'country_police' || kind === 'partner_hotline') {
    if (!/^[A-Za-z]{2}$/.test(k)) throw invalid('key', 'an ISO 3166 country code such as US');
    return k.toUpperCase();
  }
  if (kind === 'bank') {
    if (!/^\d{4}$/.test(k)) throw invalid('key', 'a four-digit bank code');
    return k;
  }
  return k.toLowerCase().replace(/\.$/, '');
}

/** The contact directory: abuse desks of AS holders, registries and registrars, member banks, foreign CERTs and partner hotlines. */
export class ContactsService {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Adds or replaces a contact (hub analysts; `null` actor: the CLI on the database). */
  async add(actor: Viewer | null, c: NewContact) {
    if (actor && !isHub(actor)) throw new AppError('forbidden', 'only hub analysts change the contact directory');
    if (!(c.kind in CONTACT_KINDS)) throw invalid('kind', `one of ${Object.keys(CONTACT_KINDS).join(', ')}`);
    if (!c.email && !c.org_id) throw invalid('email', 'give an e-mail address or a member organisation');
    const row = await upsertContact(this.#db, { kind: c.kind, key: normalKey(c.kind, c.key), name: c.name, email: c.email ?? null, org_id: c.org_id ?? null, country: c.country?.toUpperCase() ?? null, lang: c.lang ?? 'en' });
    await appendAudit(this.#db, [{ actorUserId: actor?.userId ?? null, actorOrgId: actor?.orgId ?? null, action: 'contact.upsert', targetType: 'contact', targetId: row.id, via: actor ? 'api' : 'cli', details: { kind: row.kind, key: row.key } }]);
    return presentContact(row);
  }

  /** The directory. */
  async list(kind?: string) {
    return (await listContacts(this.#db, kind)).map(presentContact);
  }
}
