import { v5 as uuidv5 } from 'uuid';
import type { StixObject } from './stix.types.ts';
import { own } from './stix.catalog.ts';
import { BANK_ACCOUNT_SCHEMA, CRYPTOCURRENCY_WALLET_SCHEMA, INCIDENT_DAMAGE_SCHEMA, PHONE_NUMBER_SCHEMA } from './extension.schemas.ts';
import type { FRAUD_METHODS } from './extension.schemas.ts';

export { BANK_ACCOUNT_TYPES, FRAUD_METHODS } from './extension.schemas.ts';

// Ids generated once (UUIDv4) and fixed forever: every Kessetsu instance and every partner that
// receives our objects must agree on them, exactly as with the OASIS TLP 2.0 extension id.

/** Namespace of Kessetsu's own name-based (UUIDv5) identifiers, such as the sector identities. */
export const KESSETSU_NAMESPACE = 'd054a5ec-5c34-4215-8d42-002ca98a5e61';

/** The extension-definition ids of Kessetsu's STIX extensions. */
export const EXT_IDS = {
  bankAccount: 'extension-definition--8e96a398-678f-4633-ad2c-f9c17539b52c',
  phoneNumber: 'extension-definition--8783cd46-c170-44be-ac85-608d5c934323',
  cryptocurrencyWallet: 'extension-definition--3ec5bd7b-916c-4523-a39f-e9681fbfe7a5',
  incidentDamage: 'extension-definition--0ad1a924-8dbc-4aa2-a143-10345233979b',
} as const;

// The publication date of version 1.0.0 of these extensions; changing a definition means a new version.
const PUBLISHED = '2026-05-15T00:00:00.000Z';

/** The identity of the Kessetsu hub: creator of the extension definitions and of the sector identities. */
export const HUB_IDENTITY: StixObject = {
  type: 'identity',
  spec_version: '2.1',
  id: 'identity--ae5028d4-9354-4f19-a076-7bf6b25fdb36',
  created: PUBLISHED,
  modified: PUBLISHED,
  name: 'Kessetsu fusion center hub',
  description: 'The hub of a Kessetsu cyber-threat fusion center: it publishes the Kessetsu STIX extensions.',
  identity_class: 'organization',
};

/** The JSON Schema of each Kessetsu SCO type, by type name. */
export const SCO_SCHEMAS: Readonly<Record<string, object>> = {
  'bank-account': BANK_ACCOUNT_SCHEMA,
  'phone-number': PHONE_NUMBER_SCHEMA,
  'cryptocurrency-wallet': CRYPTOCURRENCY_WALLET_SCHEMA,
};

const SCO_EXTENSION: Readonly<Record<string, string>> = {
  'bank-account': EXT_IDS.bankAccount,
  'phone-number': EXT_IDS.phoneNumber,
  'cryptocurrency-wallet': EXT_IDS.cryptocurrencyWallet,
};

/** The extension-definition id that defines a Kessetsu SCO type, or undefined for other types. */
export function scoExtensionId(type: string): string | undefined {
  return own(SCO_EXTENSION, type);
}

/**
 * The `extensions` dictionary a Kessetsu SCO must carry, or undefined for other types.
 * @example { type: 'phone-number', id, value: '+81312345678', extensions: scoExtensions('phone-number') }
 */
export function scoExtensions(type: string): Record<string, { extension_type: 'new-sco' }> | undefined {
  const id = own(SCO_EXTENSION, type);
  return id ? { [id]: { extension_type: 'new-sco' } } : undefined;
}

function definition(id: string, name: string, description: string, types: string[], schema: object): StixObject {
  return {
    type: 'extension-definition',
    spec_version: '2.1',
    id,
    created_by_ref: HUB_IDENTITY.id,
    created: PUBLISHED,
    modified: PUBLISHED,
    name,
    description,
    schema: JSON.stringify(schema),
    version: '1.0.0',
    extension_types: types,
  };
}

/** Kessetsu's extension-definition objects, ready to publish (TAXII, exports) beside the hub identity. */
export const EXTENSION_DEFINITIONS: StixObject[] = [
  definition(EXT_IDS.bankAccount, 'Kessetsu bank-account', 'A bank account used in fraud (a mule account, a transfer destination).', ['new-sco'], BANK_ACCOUNT_SCHEMA),
  definition(EXT_IDS.phoneNumber, 'Kessetsu phone-number', 'A telephone number used in fraud, in E.164 form.', ['new-sco'], PHONE_NUMBER_SCHEMA),
  definition(
    EXT_IDS.cryptocurrencyWallet,
    'Kessetsu cryptocurrency-wallet',
    'A cryptocurrency address on a named chain.',
    ['new-sco'],
    CRYPTOCURRENCY_WALLET_SCHEMA,
  ),
  definition(
    EXT_IDS.incidentDamage,
    'Kessetsu incident damage',
    'Damage of an incident: amount in JPY, victim count, records leaked, fraud method.',
    ['property-extension'],
    INCIDENT_DAMAGE_SCHEMA,
  ),
];

const SECTOR_NAMES: Readonly<Record<string, string>> = {
  'financial-services': 'A financial institution',
  banking: 'A financial institution',
  finance: 'A financial institution',
  insurance: 'An insurance company',
  telecommunications: 'A telecommunications carrier',
  communications: 'A communications provider',
  isp: 'An internet service provider',
  'internet-service-provider': 'An internet service provider',
  'e-commerce': 'An e-commerce operator',
  retail: 'A retailer',
  technology: 'A technology company',
  'security-vendor': 'A security vendor',
  'security-monitoring': 'A security monitoring provider',
  education: 'An academic institution',
  academia: 'An academic institution',
  research: 'A research institution',
  'law-enforcement': 'A law enforcement agency',
  'government-national': 'A national government body',
  'government-regional': 'A regional government body',
  'government-local': 'A local government body',
  'government-public-services': 'A public service',
  government: 'A government body',
  healthcare: 'A healthcare organization',
  energy: 'An energy company',
  utilities: 'A utility',
  transportation: 'A transportation company',
  manufacturing: 'A manufacturer',
  'critical-infrastructure': 'A critical infrastructure operator',
  'non-profit': 'A non-profit organization',
};

/** The canonical spelling of a sector name: trimmed, lower case, words joined by hyphens. */
function canonicalSector(sector: string): string {
  const s = sector.normalize('NFKC').trim().toLowerCase().replace(/[\s_]+/g, '-').slice(0, 100);
  return s === '' ? 'unspecified' : s;
}

/**
 * The stable identity that stands for "an organisation of this sector": the created_by_ref of
 * anonymous contributions. Same sector, same id, on every instance.
 * @example sectorIdentity('financial-services').name // 'A financial institution'
 */
export function sectorIdentity(sector: string): StixObject {
  const key = canonicalSector(sector);
  const name = own(SECTOR_NAMES, key) ?? (key === 'unspecified' ? 'An organization' : `An organization of the ${key} sector`);
  return {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${uuidv5(`sector:${key}`, KESSETSU_NAMESPACE)}`,
    created_by_ref: HUB_IDENTITY.id,
    created: PUBLISHED,
    modified: PUBLISHED,
    name,
    identity_class: 'class',
    ...(key === 'unspecified' ? {} : { sectors: [key] }),
  };
}

/** Damage figures of an incident, as read from its Kessetsu damage extension. */
export interface Damage {
  readonly amountJpy: number | undefined;
  readonly victims: number | undefined;
  readonly records: number | undefined;
  readonly method: string | undefined;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/**
 * The damage an incident carries in the Kessetsu extension, or undefined when it carries none.
 * Values of the wrong type read as undefined (validation reports them; reading never throws).
 * @example damageOf(incident)?.amountJpy // 12000000
 */
export function damageOf(incident: StixObject): Damage | undefined {
  const ext = (incident.extensions as Record<string, unknown> | undefined)?.[EXT_IDS.incidentDamage];
  if (!ext || typeof ext !== 'object' || Array.isArray(ext)) return undefined;
  const e = ext as Record<string, unknown>;
  return {
    amountJpy: count(e.amount_jpy),
    victims: count(e.victim_count),
    records: count(e.records_leaked),
    method: typeof e.fraud_method === 'string' ? e.fraud_method : undefined,
  };
}

/** The figures to record with {@link withDamage}; absent ones are left out. */
export interface DamageInput {
  readonly amountJpy?: number;
  readonly victims?: number;
  readonly records?: number;
  readonly method?: (typeof FRAUD_METHODS)[number] | string;
}

/**
 * A copy of an incident with the damage extension set (other extensions kept).
 * @example withDamage(incident, { amountJpy: 12_000_000, method: 'internet-banking-fraud' })
 */
export function withDamage(incident: StixObject, damage: DamageInput): StixObject {
  const ext: Record<string, unknown> = { extension_type: 'property-extension' };
  if (damage.amountJpy !== undefined) ext.amount_jpy = damage.amountJpy;
  if (damage.victims !== undefined) ext.victim_count = damage.victims;
  if (damage.records !== undefined) ext.records_leaked = damage.records;
  if (damage.method !== undefined) ext.fraud_method = damage.method;
  const extensions = { ...((incident.extensions as Record<string, unknown> | undefined) ?? {}), [EXT_IDS.incidentDamage]: ext };
  return { ...incident, extensions };
}
