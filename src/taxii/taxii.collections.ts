import { sql, type Kysely, type RawBuilder } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { Database } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { taxiiContribution, type TaxiiPolicyOptions } from './taxii.policy.ts';
import { STIX_MEDIA_TYPE } from './taxii.media.ts';

// Collections are views of the knowledge store through the trust model, not stored sets:
//   public  - objects with a TLP:CLEAR contribution (readable without an account if the deployment allows)
//   members - everything the caller may receive through TAXII
//   group   - objects whose contributions name a sharing group of the caller
//   inbox   - one per organisation: where it POSTs, and reads back its own contributions
// Ids are UUIDv5 of a fixed name, so they are the same on every node and after every restart.

const NAMESPACE = 'b1d6a7c2-5f0e-4c58-9a3b-7e2f4d9c1a60';

/** The id of the public CLEAR collection. */
export const PUBLIC_COLLECTION_ID = uuidv5('kessetsu/taxii/public', NAMESPACE);
/** The id of the members collection. */
export const MEMBERS_COLLECTION_ID = uuidv5('kessetsu/taxii/members', NAMESPACE);

/** The collection id of a sharing group. */
export function groupCollectionId(groupId: string): string {
  return uuidv5(`kessetsu/taxii/group/${groupId.toLowerCase()}`, NAMESPACE);
}

/** The collection id of an organisation's inbox. */
export function inboxCollectionId(orgId: string): string {
  return uuidv5(`kessetsu/taxii/inbox/${orgId.toLowerCase()}`, NAMESPACE);
}

/** A collection as this server knows it. */
export type TaxiiCollection =
  | { readonly kind: 'public'; readonly id: string; readonly title: string; readonly description: string }
  | { readonly kind: 'members'; readonly id: string; readonly title: string; readonly description: string }
  | { readonly kind: 'group'; readonly id: string; readonly title: string; readonly description: string; readonly groupId: string }
  | { readonly kind: 'inbox'; readonly id: string; readonly title: string; readonly description: string; readonly orgId: string };

/** The collection resource of TAXII 2.1 section 5.2. */
export interface CollectionResource {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly can_read: boolean;
  readonly can_write: boolean;
  readonly media_types: readonly string[];
}

const PUBLIC: TaxiiCollection = { kind: 'public', id: PUBLIC_COLLECTION_ID, title: 'Public (TLP:CLEAR)', description: 'Objects shared at TLP:CLEAR, for anyone.' };
const MEMBERS: TaxiiCollection = {
  kind: 'members',
  id: MEMBERS_COLLECTION_ID,
  title: 'Members',
  description: 'Everything your organisation may receive through TAXII under the sharing rules (never AMBER+STRICT unless named, never RED unless named).',
};

/** Whether a viewer may POST to (and DELETE from) a collection: only its own organisation's inbox. */
export function canWrite(viewer: AnyViewer, c: TaxiiCollection): boolean {
  return c.kind === 'inbox' && viewer.kind === 'user' && viewer.orgId === c.orgId;
}

/** The TAXII collection resource of a collection, as the viewer sees it. */
export function collectionResource(viewer: AnyViewer, c: TaxiiCollection): CollectionResource {
  return { id: c.id, title: c.title, description: c.description, can_read: true, can_write: canWrite(viewer, c), media_types: [STIX_MEDIA_TYPE] };
}

async function groupsOf(db: Kysely<Database>, viewer: AnyViewer): Promise<TaxiiCollection[]> {
  if (viewer.kind !== 'user') return [];
  const rows = await db
    .selectFrom('sharing_groups')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('owner_org_id', '=', viewer.orgId), ...(viewer.groupIds.length ? [eb('id', 'in', viewer.groupIds)] : [])]))
    .orderBy('name')
    .execute();
  return rows.map((g) => ({ kind: 'group', id: groupCollectionId(g.id), title: `Sharing group: ${g.name}`, description: `Objects shared with the sharing group "${g.name}".`, groupId: g.id }));
}

async function inboxOf(db: Kysely<Database>, viewer: AnyViewer): Promise<TaxiiCollection[]> {
  if (viewer.kind !== 'user') return [];
  const org = await db.selectFrom('orgs').select(['id', 'name', 'default_tlp']).where('id', '=', viewer.orgId).executeTakeFirst();
  if (!org) return [];
  return [
    {
      kind: 'inbox',
      id: inboxCollectionId(org.id),
      title: `Inbox of ${org.name}`,
      description: `POST objects here: they become contributions of ${org.name}, at the TLP of their markings or else TLP:${org.default_tlp.toUpperCase()}. Reading it back gives your organisation's contributions.`,
      orgId: org.id,
    },
  ];
}

/**
 * The collections a viewer may read, public first.
 * @example const list = await listCollections(db, viewer, config.publicTaxii)
 */
export async function listCollections(db: Kysely<Database>, viewer: AnyViewer, publicEnabled: boolean): Promise<TaxiiCollection[]> {
  if (viewer.kind !== 'user') return publicEnabled ? [PUBLIC] : [];
  return [PUBLIC, MEMBERS, ...(await groupsOf(db, viewer)), ...(await inboxOf(db, viewer))];
}

/** The collection with this id if the viewer may read it; unknown and forbidden look the same. */
export async function findCollection(db: Kysely<Database>, viewer: AnyViewer, id: string, publicEnabled: boolean): Promise<TaxiiCollection | undefined> {
  const wanted = id.toLowerCase();
  if (wanted === PUBLIC_COLLECTION_ID) return viewer.kind === 'user' || publicEnabled ? PUBLIC : undefined;
  if (viewer.kind !== 'user') return undefined;
  if (wanted === MEMBERS_COLLECTION_ID) return MEMBERS;
  if (wanted === inboxCollectionId(viewer.orgId)) return (await inboxOf(db, viewer))[0];
  return (await groupsOf(db, viewer)).find((g) => g.id === wanted);
}

/**
 * SQL condition on a contributions row `alias`: it puts its object in the collection for this viewer.
 * The access policy is part of it, so every query that uses it is filtered inside the SQL.
 */
export function collectionContribution(viewer: AnyViewer, c: TaxiiCollection, alias = 'c', opts: TaxiiPolicyOptions = {}): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  switch (c.kind) {
    case 'public':
      return sql<boolean>`${col('tlp')} = 'clear'`;
    case 'members':
      return taxiiContribution(viewer, alias, opts);
    case 'group':
      return sql<boolean>`(${c.groupId} = any(${col('recipient_groups')}) and ${taxiiContribution(viewer, alias, opts)})`;
    case 'inbox':
      return sql<boolean>`(${col('org_id')} = ${c.orgId} and ${taxiiContribution(viewer, alias, opts)})`;
  }
}
