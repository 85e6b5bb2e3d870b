// JSON Schemas (draft 2020-12) of Kessetsu's STIX extensions. They are compiled by the validator and
// published, as text, in the `schema` property of each extension-definition object.

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}';
const COUNTRY = { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code, upper case.' } as const;
const NAME = { type: 'string', minLength: 1, maxLength: 512 } as const;

/** Account types of Japanese banks (預金種目), plus "other" for the rest of the world. */
export const BANK_ACCOUNT_TYPES = ['futsu', 'toza', 'chochiku', 'other'] as const;

/** Open vocabulary of fraud methods for the incident damage extension (other values are allowed). */
export const FRAUD_METHODS = [
  'phishing',
  'internet-banking-fraud',
  'business-email-compromise',
  'ransomware',
  'investment-fraud',
  'support-scam',
  'other',
] as const;

function scoBase(type: string) {
  return {
    type: { const: type },
    id: { type: 'string', pattern: `^${type}--${UUID}$` },
    spec_version: { const: '2.1' },
  } as const;
}

/** A bank account: mule accounts and the destinations of fraudulent transfers. */
export const BANK_ACCOUNT_SCHEMA = {
  $schema: DRAFT,
  title: 'bank-account',
  description:
    'A bank account. Id-contributing properties: country, bank_code, branch_code, account_type, account_number. ' +
    'Japanese accounts (country JP) use the 4-digit bank code (金融機関コード), the 3-digit branch code (支店コード) and the 7-digit account number.',
  type: 'object',
  properties: {
    ...scoBase('bank-account'),
    country: COUNTRY,
    bank_code: { type: 'string', pattern: '^[0-9A-Z]{1,11}$', description: 'National bank code or SWIFT BIC.' },
    bank_name: NAME,
    branch_code: { type: 'string', pattern: '^[0-9A-Z]{1,11}$' },
    branch_name: NAME,
    account_type: { enum: [...BANK_ACCOUNT_TYPES], description: 'futsu: ordinary, toza: current, chochiku: savings, other.' },
    account_number: { type: 'string', pattern: '^[0-9A-Z]{1,34}$', description: 'Digits (and letters for IBANs), no separators.' },
    holder_name: NAME,
  },
  required: ['type', 'id', 'country', 'account_number'],
  allOf: [
    {
      if: { properties: { country: { const: 'JP' } }, required: ['country'] },
      then: {
        required: ['bank_code', 'branch_code'],
        properties: {
          bank_code: { pattern: '^[0-9]{4}$' },
          branch_code: { pattern: '^[0-9]{3}$' },
          account_number: { pattern: '^[0-9]{7}$' },
        },
      },
    },
  ],
} as const;

/** A telephone number used in fraud (call-back scams, smishing senders). */
export const PHONE_NUMBER_SCHEMA = {
  $schema: DRAFT,
  title: 'phone-number',
  description: 'A telephone number in E.164 form. Id-contributing property: value.',
  type: 'object',
  properties: {
    ...scoBase('phone-number'),
    value: { type: 'string', pattern: '^\\+[1-9][0-9]{1,14}$', description: 'E.164: "+", country calling code, number; no spaces.' },
    country: COUNTRY,
  },
  required: ['type', 'id', 'value'],
} as const;

/** A cryptocurrency wallet address (ransom payments, investment fraud). */
export const CRYPTOCURRENCY_WALLET_SCHEMA = {
  $schema: DRAFT,
  title: 'cryptocurrency-wallet',
  description: 'A cryptocurrency address on one chain. Id-contributing properties: chain, address.',
  type: 'object',
  properties: {
    ...scoBase('cryptocurrency-wallet'),
    chain: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'Lower-case chain name: bitcoin, ethereum, tron, …' },
    address: { type: 'string', pattern: '^[!-~]{1,256}$' },
  },
  required: ['type', 'id', 'chain', 'address'],
  allOf: [
    {
      if: { properties: { chain: { const: 'bitcoin' } }, required: ['chain'] },
      then: { properties: { address: { pattern: '^(bc1[02-9ac-hj-np-z]{11,87}|[13][1-9A-HJ-NP-Za-km-z]{25,34})$' } } },
    },
    {
      if: { properties: { chain: { const: 'ethereum' } }, required: ['chain'] },
      then: { properties: { address: { pattern: '^0x[0-9a-fA-F]{40}$' } } },
    },
  ],
} as const;

/** Damage caused by an incident, as a property extension of `incident`. */
export const INCIDENT_DAMAGE_SCHEMA = {
  $schema: DRAFT,
  title: 'incident-damage',
  description: 'Damage of an incident: amount in yen, victims, records leaked, and how the fraud was done.',
  type: 'object',
  properties: {
    extension_type: { const: 'property-extension' },
    amount_jpy: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Loss in Japanese yen.' },
    victim_count: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    records_leaked: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    fraud_method: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
      description: `Open vocabulary: ${FRAUD_METHODS.join(', ')}.`,
    },
  },
  required: ['extension_type'],
  minProperties: 2,
} as const;
