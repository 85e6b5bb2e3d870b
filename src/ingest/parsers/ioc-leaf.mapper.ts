import { makeObservable, ObservableError } from '../../observables/observable.factory.ts';
import { deterministicId } from '../../stix/deterministic-id.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { cmp, pathStep, type Comparison, type PatternNode } from './ioc-pattern.builder.ts';
import { fileHash, fileObject, ipObservable } from './misp-attribute.mapper.ts';

/** What an XML indicator term (a CybOX property, an OpenIOC search path) tests. */
export type LeafTarget =
  | 'ip'
  | 'domain'
  | 'url'
  | 'email-addr'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'sha512'
  | 'ssdeep'
  | 'file-name'
  | 'file-size'
  | 'email-from'
  | 'email-to'
  | 'email-cc'
  | 'email-subject'
  | 'attachment-name'
  | 'regkey'
  | 'reg-data'
  | 'reg-name'
  | 'mutex'
  | 'dst-ip'
  | 'dst-port'
  | 'dst-host';

/** Conditions of STIX 1 (CybOX) and OpenIOC, under common names. */
export type LeafCondition = 'equals' | 'not-equals' | 'contains' | 'not-contains' | 'starts-with' | 'ends-with' | 'matches' | 'greater-than' | 'less-than';

/** One convertible test: the pattern comparison, and the observable when the value names one thing. */
export interface LeafResult {
  readonly node: PatternNode;
  readonly observable?: StixObject | undefined;
}

const HASH_NAME: Readonly<Record<string, string>> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512', ssdeep: 'SSDEEP' };
const PATHS: Readonly<Record<LeafTarget, [string, string]>> = {
  ip: ['ipv4-addr', 'value'],
  domain: ['domain-name', 'value'],
  url: ['url', 'value'],
  'email-addr': ['email-addr', 'value'],
  md5: ['file', "hashes.MD5"],
  sha1: ['file', `hashes.${pathStep('SHA-1')}`],
  sha256: ['file', `hashes.${pathStep('SHA-256')}`],
  sha512: ['file', `hashes.${pathStep('SHA-512')}`],
  ssdeep: ['file', 'hashes.SSDEEP'],
  'file-name': ['file', 'name'],
  'file-size': ['file', 'size'],
  'email-from': ['email-message', 'from_ref.value'],
  'email-to': ['email-message', 'to_refs[*].value'],
  'email-cc': ['email-message', 'cc_refs[*].value'],
  'email-subject': ['email-message', 'subject'],
  'attachment-name': ['email-message', 'body_multipart[*].body_raw_ref.name'],
  regkey: ['windows-registry-key', 'key'],
  'reg-data': ['windows-registry-key', 'values[*].data'],
  'reg-name': ['windows-registry-key', 'values[*].name'],
  mutex: ['mutex', 'name'],
  'dst-ip': ['network-traffic', 'dst_ref.value'],
  'dst-port': ['network-traffic', 'dst_port'],
  'dst-host': ['network-traffic', 'dst_ref.value'],
};
const NUMERIC = new Set<LeafTarget>(['file-size', 'dst-port']);

// A "contains" test names a whole thing only when its value is one: a file name with an extension
// ("cmi4432.sys", not "gzg"), a registry path from its hive, or a value the observable factory accepts.
function completeForContains(target: LeafTarget, value: string): boolean {
  if (target === 'file-name' || target === 'attachment-name') return /^[^\\/]+\.[A-Za-z0-9]{1,8}$/.test(value);
  if (target === 'regkey') return /^HK(EY_[A-Z_]+|LM|CU|CR|U|CC)\\/i.test(value);
  return true;
}

function observableOf(target: LeafTarget, value: string): StixObject | undefined {
  const v = value.trim();
  switch (target) {
    case 'ip':
    case 'dst-ip':
      return ipObservable(v);
    case 'domain':
    case 'dst-host':
      return makeObservable('domain-name', v).object;
    case 'url':
      return makeObservable('url', v).object;
    case 'email-addr':
    case 'email-from':
    case 'email-to':
    case 'email-cc':
      return makeObservable('email-addr', v).object;
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'ssdeep': {
      const [algo, hash] = fileHash(target, v);
      return fileObject({ hashes: { [algo]: hash } });
    }
    case 'file-name':
    case 'attachment-name':
      return v ? fileObject({ name: v }) : undefined;
    case 'regkey':
      return v ? { type: 'windows-registry-key', spec_version: '2.1', id: deterministicId('windows-registry-key', { key: v })!, key: v } : undefined;
    case 'mutex':
      return v ? { type: 'mutex', spec_version: '2.1', id: deterministicId('mutex', { name: v })!, name: v } : undefined;
    case 'email-subject':
      return v ? { type: 'email-message', spec_version: '2.1', id: deterministicId('email-message', { subject: v })!, is_multipart: false, subject: v } : undefined;
    default:
      return undefined;
  }
}

// The value an exact comparison should carry: the observable's normalised form when there is one.
function normalisedValue(target: LeafTarget, obs: StixObject | undefined, raw: string): string {
  if (!obs) return raw;
  if (target in HASH_NAME) return Object.values((obs.hashes ?? {}) as Record<string, string>)[0] ?? raw;
  if (typeof obs.value === 'string') return obs.value;
  return raw;
}

/**
 * Converts one XML indicator test into a STIX comparison and, for equality (or a "contains" whose value
 * is a whole identifier), an observable. Throws ObservableError when an equality names a malformed value.
 * @example convertLeaf('md5', 'equals', false, 'AB…').node // file:hashes.MD5 = 'ab…'
 */
export function convertLeaf(target: LeafTarget, condition: LeafCondition, negate: boolean, raw: string): LeafResult {
  const value = raw.trim();
  const [objectType0, path] = PATHS[target];
  const objectType = (target === 'ip' && value.includes(':')) ? 'ipv6-addr' : objectType0;
  if (NUMERIC.has(target)) {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new ObservableError(target, value, 'must be a non-negative integer');
    const op: Comparison['op'] = condition === 'greater-than' ? '>' : condition === 'less-than' ? '<' : condition === 'not-equals' ? '!=' : '=';
    return { node: cmp(objectType, path, n, op, negate) };
  }
  const positive = !negate && (condition === 'equals' || condition === 'contains');
  let observable: StixObject | undefined;
  if (positive && (condition === 'equals' || completeForContains(target, value))) {
    try {
      observable = observableOf(target, value);
    } catch (e) {
      // A substring that is no valid value is still a fine "contains" test; a bad exact value is an error.
      if (condition === 'equals') throw e;
    }
  }
  // An (in)equality on a hash must carry a well-formed hash, negated or not (the pattern grammar checks it).
  const exact = (): string => (target in HASH_NAME && !observable ? fileHash(target, value)[1] : normalisedValue(target, observable, value));
  switch (condition) {
    case 'equals':
      return { node: cmp(objectType, path, exact(), '=', negate), observable };
    case 'not-equals':
      return { node: cmp(objectType, path, exact(), '!=', negate) };
    case 'contains':
      return { node: cmp(objectType, path, `%${value}%`, 'LIKE', negate), observable };
    case 'not-contains':
      return { node: cmp(objectType, path, `%${value}%`, 'LIKE', !negate) };
    case 'starts-with':
      return { node: cmp(objectType, path, `${value}%`, 'LIKE', negate) };
    case 'ends-with':
      return { node: cmp(objectType, path, `%${value}`, 'LIKE', negate) };
    case 'matches':
      return { node: cmp(objectType, path, value, 'MATCHES', negate) };
    case 'greater-than':
    case 'less-than':
      return { node: cmp(objectType, path, value, condition === 'greater-than' ? '>' : '<', negate) };
  }
}
