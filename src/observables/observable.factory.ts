import { uuidv5 } from '../shared/uuid5.ts';
import { deterministicId } from '../stix/deterministic-id.ts';
import { EXT_IDS } from '../stix/extensions.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { ObservableError } from './observable.error.ts';
import { canonicalValue, keyOfCanonical, CHAIN_OF, type ValueKind } from './observable.keys.ts';
import { STIX_HASH_NAME } from './identifier.normalize.ts';
import { domainDisplay, emailDisplay } from './domain.normalize.ts';
import { urlDisplay } from './url.normalize.ts';
import { ethereumDisplay } from './crypto-wallet.normalize.ts';
import { normalizeBankAccount, type BankAccountInput } from './bank-account.normalize.ts';

export { ObservableError } from './observable.error.ts';
export { keyOfValue, observableKeys, canonicalValue, VALUE_KINDS, type ValueKind } from './observable.keys.ts';

/** An observable made from a raw value: the STIX object, its index key, and a display form. */
export interface MadeObservable {
  readonly object: StixObject;
  /** The index key, e.g. "ipv4-addr:198.51.100.3", "file:sha-256:…", "vulnerability:cve-2021-44228". */
  readonly key: string;
  /** How to show it to people (Unicode form of an IDN, EIP-55 form of an Ethereum address, ...). */
  readonly display: string;
}

/**
 * Namespace of the UUIDv5 ids of CVE vulnerability objects (generated once, fixed forever). The
 * spec gives SDOs random ids, but a CVE is one thing in the world: with a name-based id every
 * member, parser and Kessetsu instance that mentions CVE-2021-44228 produces the same object, so
 * the indicators, reports and sightings about it meet at one node instead of at a hundred copies.
 */
export const CVE_NAMESPACE = '1bd3209f-ba18-4e6a-b7b1-23b572ef65f4';

/**
 * created/modified of a CVE stub. Fixed, so that every producer emits the byte-identical object
 * (idempotent ingest, no spurious versions), and early, so that any real, curated version of the
 * same vulnerability (later `modified`) supersedes the stub in the store.
 */
export const CVE_STUB_TIMESTAMP = '1999-01-01T00:00:00.000Z';

function sco(type: string, props: Record<string, unknown>, extensions?: Record<string, unknown>): StixObject {
  const id = deterministicId(type, props);
  // Every type built here declares id-contributing properties that are always set.
  if (!id) throw new ObservableError(type, JSON.stringify(props), 'no deterministic id could be computed');
  return { type, spec_version: '2.1', id, ...props, ...(extensions ? { extensions } : {}) };
}

function newSco(extensionId: string): Record<string, unknown> {
  return { [extensionId]: { extension_type: 'new-sco' } };
}

/**
 * The vulnerability SDO of a canonical CVE id, with its deterministic id.
 * @example vulnerabilityOf('CVE-2021-44228').id // 'vulnerability--…' (the same on every call)
 */
export function vulnerabilityOf(cve: string): StixObject {
  return {
    type: 'vulnerability',
    spec_version: '2.1',
    id: `vulnerability--${uuidv5(cve, CVE_NAMESPACE)}`,
    created: CVE_STUB_TIMESTAMP,
    modified: CVE_STUB_TIMESTAMP,
    name: cve,
    external_references: [{ source_name: 'cve', external_id: cve }],
  };
}

function build(kind: ValueKind, value: string): { object: StixObject; display: string } {
  switch (kind) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return { object: sco('file', { hashes: { [STIX_HASH_NAME[kind]]: value } }), display: value };
    case 'cve':
      return { object: vulnerabilityOf(value), display: value };
    case 'autonomous-system':
      return { object: sco('autonomous-system', { number: Number(value) }), display: `AS${value}` };
    case 'phone-number':
      return {
        object: sco('phone-number', { value, ...(value.startsWith('+81') ? { country: 'JP' } : {}) }, newSco(EXT_IDS.phoneNumber)),
        display: value,
      };
    case 'btc-address':
    case 'eth-address':
      return {
        object: sco('cryptocurrency-wallet', { chain: CHAIN_OF[kind], address: value }, newSco(EXT_IDS.cryptocurrencyWallet)),
        display: kind === 'eth-address' ? ethereumDisplay(value) : value,
      };
    case 'domain-name':
      return { object: sco(kind, { value }), display: domainDisplay(value) };
    case 'url':
      return { object: sco(kind, { value }), display: urlDisplay(value) };
    case 'email-addr':
      return { object: sco(kind, { value }), display: emailDisplay(value) };
    default:
      return { object: sco(kind, { value }), display: value };
  }
}

/**
 * Refangs and normalises a raw value of a kind and builds its STIX 2.1 object with the spec's
 * deterministic id (a `file` for hashes, a `vulnerability` for CVEs, Kessetsu extension SCOs for
 * phone numbers and wallets). Domains and e-mail domains must have a public suffix. Throws
 * ObservableError with the reason.
 * @example makeObservable('ipv4-addr', '198.51.100[.]3').key // 'ipv4-addr:198.51.100.3'
 * @example makeObservable('domain-name', 'テスト.jp').display // 'テスト.jp' (value 'xn--zckzah.jp')
 */
export function makeObservable(kind: ValueKind, raw: string): MadeObservable {
  const value = canonicalValue(kind, raw, { requirePublicSuffix: true });
  const { object, display } = build(kind, value);
  return { object, key: keyOfCanonical(kind, value), display };
}

/**
 * A Kessetsu `bank-account` SCO from its fields, normalised (Japanese accounts only).
 * @example makeBankAccount({ bank_code: '0001', branch_code: '001', account_type: '普通', account_number: '1234567' }).key
 * // 'bank-account:JP:0001:001:futsu:1234567'
 */
export function makeBankAccount(fields: BankAccountInput): MadeObservable {
  const a = normalizeBankAccount(fields);
  const object = sco('bank-account', { ...a }, newSco(EXT_IDS.bankAccount));
  const key = `bank-account:${a.country}:${a.bank_code}:${a.branch_code}:${a.account_type}:${a.account_number}`;
  const display = `${a.bank_name ?? a.bank_code} ${a.branch_name ?? a.branch_code} ${a.account_type} ${a.account_number}${a.holder_name ? ` ${a.holder_name}` : ''}`;
  return { object, key, display };
}
