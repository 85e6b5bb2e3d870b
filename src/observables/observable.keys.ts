import type { StixObject } from '../stix/stix.types.ts';
import { refang } from './refang.ts';
import { normalizeIpv4 } from './ip.normalize.ts';
import { normalizeIpv6 } from './ipv6.normalize.ts';
import { normalizeDomain, normalizeEmail } from './domain.normalize.ts';
import { normalizeUrl } from './url.normalize.ts';
import { normalizeAsn, normalizeCve, normalizeHash, normalizeMac, type HashKind } from './identifier.normalize.ts';
import { normalizePhone } from './phone.normalize.ts';
import { normalizeBitcoin, normalizeEthereum } from './crypto-wallet.normalize.ts';
import { normalizeBankAccount } from './bank-account.normalize.ts';
import { ObservableError } from './observable.error.ts';

/** Kinds of single values the parsers hand over; hashes become `file` objects, CVEs `vulnerability`. */
export type ValueKind =
  | 'ipv4-addr'
  | 'ipv6-addr'
  | 'domain-name'
  | 'url'
  | 'email-addr'
  | 'mac-addr'
  | 'autonomous-system'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'sha512'
  | 'cve'
  | 'phone-number'
  | 'btc-address'
  | 'eth-address';

/** Every value kind, for callers that validate a kind given as text. */
export const VALUE_KINDS: readonly ValueKind[] = [
  'ipv4-addr',
  'ipv6-addr',
  'domain-name',
  'url',
  'email-addr',
  'mac-addr',
  'autonomous-system',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'cve',
  'phone-number',
  'btc-address',
  'eth-address',
];

/** The chain name (cryptocurrency-wallet `chain`) of each wallet kind. */
export const CHAIN_OF: Readonly<Record<'btc-address' | 'eth-address', string>> = { 'btc-address': 'bitcoin', 'eth-address': 'ethereum' };

// Index key prefix of each hash kind: the STIX algorithm name in lower case.
const HASH_KEY: Readonly<Record<HashKind, string>> = { md5: 'md5', sha1: 'sha-1', sha256: 'sha-256', sha512: 'sha-512' };

// Identity only: keys do not apply the public-suffix policy (that decides whether a new object is
// worth creating, not which object a value is), so a lookup of "host.local" finds an imported
// object with that value instead of failing.
const LENIENT = { requirePublicSuffix: false } as const;
const MAX_VALUE = 100_000;

// Kinds whose normaliser accepts only characters that refang never rewrites: a value that
// normalises as given is already refanged, so refang (a scan of the whole value) runs only when
// normalising fails. Domains, e-mail addresses and URLs are refanged first: "hxxp://evil.com" is a
// valid URL of the scheme "hxxp", and a full-width local part is a valid local part.
const REFANG_ON_FAILURE: ReadonlySet<ValueKind> = new Set<ValueKind>([
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'autonomous-system',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'cve',
  'phone-number',
  'btc-address',
  'eth-address',
]);

function normalizeAs(kind: ValueKind, text: string, options: { requirePublicSuffix?: boolean }): string {
  switch (kind) {
    case 'ipv4-addr':
      return normalizeIpv4(text);
    case 'ipv6-addr':
      return normalizeIpv6(text);
    case 'domain-name':
      return normalizeDomain(text, options);
    case 'url':
      return normalizeUrl(text);
    case 'email-addr':
      return normalizeEmail(text, options);
    case 'mac-addr':
      return normalizeMac(text);
    case 'autonomous-system':
      return String(normalizeAsn(text));
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return normalizeHash(kind, text);
    case 'cve':
      return normalizeCve(text);
    case 'phone-number':
      return normalizePhone(text);
    case 'btc-address':
      return normalizeBitcoin(text);
    case 'eth-address':
      return normalizeEthereum(text);
    default:
      throw new ObservableError(String(kind), text, 'unknown value kind');
  }
}

/**
 * The canonical value of a raw value of a kind (refanged, normalised), as a string; the AS number
 * as its decimal text. Throws ObservableError.
 * @example canonicalValue('domain-name', 'Example[.]COM', { requirePublicSuffix: true }) // 'example.com'
 */
export function canonicalValue(kind: ValueKind, raw: string, options: { requirePublicSuffix?: boolean } = LENIENT): string {
  if (typeof raw !== 'string') throw new ObservableError(kind, String(raw), `must be a string, got ${typeof raw}`);
  // No single value is this long (URLs stop at 65,536); refusing early spares the regexes of refang.
  if (raw.length > MAX_VALUE) throw new ObservableError(kind, raw, `longer than ${MAX_VALUE} characters`);
  if (!REFANG_ON_FAILURE.has(kind)) return normalizeAs(kind, refang(raw), options);
  try {
    return normalizeAs(kind, raw, options);
  } catch (e) {
    const text = refang(raw);
    if (text === raw) throw e;
    return normalizeAs(kind, text, options);
  }
}

/** The index key of an already canonical value of a kind. */
export function keyOfCanonical(kind: ValueKind, value: string): string {
  switch (kind) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return `file:${HASH_KEY[kind]}:${value}`;
    case 'cve':
      return `vulnerability:${value.toLowerCase()}`;
    case 'btc-address':
    case 'eth-address':
      return `cryptocurrency-wallet:${CHAIN_OF[kind]}:${value}`;
    default:
      return `${kind}:${value}`;
  }
}

/**
 * The index key of a raw value: normalise, then key, without building the object. On the lookup
 * hot path; throws ObservableError when the value is not one of its kind.
 * @example keyOfValue('sha256', 'AEC07064…') // 'file:sha-256:aec07064…'
 * @example keyOfValue('ipv4-addr', '198.51.100[.]3') // 'ipv4-addr:198.51.100.3'
 */
export function keyOfValue(kind: ValueKind, raw: string): string {
  return keyOfCanonical(kind, canonicalValue(kind, raw));
}

function attempt(fn: () => string, fallback: string): string {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

// STIX hashing-algorithm-ov names and the spellings STIX 2.0 converters and custom tools use.
const HASH_NAMES: Readonly<Record<string, HashKind>> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

function hashKeys(prefix: string, hashes: unknown): string[] {
  if (!hashes || typeof hashes !== 'object' || Array.isArray(hashes)) return [];
  const keys: string[] = [];
  for (const [algo, value] of Object.entries(hashes as Record<string, unknown>)) {
    const kind = HASH_NAMES[algo.toUpperCase().replace(/[-_\s]/g, '')];
    if (!kind || typeof value !== 'string') continue;
    try {
      keys.push(`${prefix}:${HASH_KEY[kind]}:${normalizeHash(kind, value)}`);
    } catch {
      // A malformed hash names nothing that a lookup could find.
    }
  }
  return [...new Set(keys)];
}

function cveKeys(obj: StixObject): string[] {
  const ids: string[] = [];
  const refs = Array.isArray(obj.external_references) ? obj.external_references : [];
  for (const ref of refs as unknown[]) {
    const r = ref as Record<string, unknown> | null;
    if (r && typeof r === 'object' && String(r.source_name).toLowerCase() === 'cve' && typeof r.external_id === 'string') ids.push(r.external_id);
  }
  if (typeof obj.name === 'string') ids.push(obj.name);
  const keys = new Set<string>();
  for (const id of ids) {
    try {
      keys.add(`vulnerability:${normalizeCve(id).toLowerCase()}`);
    } catch {
      // Not a CVE id (vulnerabilities also come from other catalogues).
    }
  }
  return [...keys];
}

function walletKey(obj: StixObject): string[] {
  if (typeof obj.chain !== 'string' || typeof obj.address !== 'string') return [];
  const chain = obj.chain.trim().toLowerCase();
  const address = obj.address.trim();
  const canonical =
    chain === 'bitcoin' ? attempt(() => normalizeBitcoin(address), address) : chain === 'ethereum' ? attempt(() => normalizeEthereum(address), address.toLowerCase()) : address;
  return [`cryptocurrency-wallet:${chain}:${canonical}`];
}

function bankKey(obj: StixObject): string[] {
  const field = (name: string): string => (typeof obj[name] === 'string' || typeof obj[name] === 'number' ? String(obj[name]).trim() : '');
  const country = field('country').toUpperCase();
  if (!country || !field('account_number')) return [];
  if (country === 'JP') {
    try {
      const a = normalizeBankAccount(obj as never);
      return [`bank-account:JP:${a.bank_code}:${a.branch_code}:${a.account_type}:${a.account_number}`];
    } catch {
      // Fall through to the fields as written.
    }
  }
  return [`bank-account:${country}:${field('bank_code')}:${field('branch_code')}:${field('account_type')}:${field('account_number')}`];
}

function valueKey(obj: StixObject, normalize: (v: string) => string, fallback: (v: string) => string): string[] {
  if (typeof obj.value !== 'string' || obj.value.trim() === '' || obj.value.length > MAX_VALUE) return [];
  const v = obj.value;
  return [`${obj.type}:${attempt(() => normalize(v), fallback(v.trim()))}`];
}

const lower = (v: string): string => v.toLowerCase();
const same = (v: string): string => v;

/**
 * The index keys of a STIX object: one per identity it carries (a file with three hashes has
 * three). Values are re-normalised, so an imported "Example.COM" keys like a typed "example.com";
 * a value that does not normalise keys as written. Objects without an indexed identity give [].
 * @example observableKeys({ type: 'file', id, hashes: { MD5: '…', 'SHA-256': '…' } }) // ['file:md5:…', 'file:sha-256:…']
 */
export function observableKeys(obj: StixObject): string[] {
  if (!obj || typeof obj !== 'object') return [];
  switch (obj.type) {
    case 'ipv4-addr':
      return valueKey(obj, normalizeIpv4, same);
    case 'ipv6-addr':
      return valueKey(obj, normalizeIpv6, lower);
    case 'domain-name':
      return valueKey(obj, (v) => normalizeDomain(v, LENIENT), lower);
    case 'url':
      return valueKey(obj, (v) => normalizeUrl(v), same);
    case 'email-addr':
      return valueKey(obj, (v) => normalizeEmail(v, LENIENT), same);
    case 'mac-addr':
      return valueKey(obj, normalizeMac, lower);
    case 'phone-number':
      return valueKey(obj, (v) => normalizePhone(v), same);
    case 'autonomous-system':
      return typeof obj.number === 'number' && Number.isSafeInteger(obj.number) && obj.number >= 0 ? [`autonomous-system:${obj.number}`] : [];
    case 'file':
      return hashKeys('file', obj.hashes);
    case 'x509-certificate':
      return hashKeys('x509-certificate', obj.hashes);
    case 'vulnerability':
      return cveKeys(obj);
    case 'cryptocurrency-wallet':
      return walletKey(obj);
    case 'bank-account':
      return bankKey(obj);
    default:
      return [];
  }
}
