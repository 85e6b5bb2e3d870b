import { deterministicId } from '../stix/deterministic-id.ts';
import type { StixObject } from '../stix/stix.types.ts';

// PROVISIONAL minimal implementation: the observables area replaces the normalisation inside
// while keeping these signatures (other areas import them).

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

/** A value that cannot be made into an observable; the message says why. */
export class ObservableError extends Error {
  constructor(kind: string, value: string, reason: string) {
    super(`${kind} "${value.length > 80 ? value.slice(0, 80) + '…' : value}": ${reason}`);
    this.name = 'ObservableError';
  }
}

/** An observable made from a raw value: the STIX object, its index key, and a display form. */
export interface MadeObservable {
  readonly object: StixObject;
  /** The index key, e.g. "ipv4-addr:198.51.100.3", "file:sha-256:…", "vulnerability:cve-2021-44228". */
  readonly key: string;
  /** How to show it to people (Unicode form of an IDN, ...). */
  readonly display: string;
}

const HASH_ALGO: Readonly<Record<string, string>> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' };

/**
 * Normalises a raw value of a kind and builds its STIX object with the spec's deterministic id.
 * @example makeObservable('ipv4-addr', '198.51.100[.]3').key // 'ipv4-addr:198.51.100.3'
 */
export function makeObservable(kind: ValueKind, raw: string): MadeObservable {
  const value = raw.trim().replace(/\[\.\]/g, '.');
  if (!value) throw new ObservableError(kind, raw, 'empty value');
  if (kind in HASH_ALGO) {
    const algo = HASH_ALGO[kind]!;
    const hashes = { [algo]: value.toLowerCase() };
    const id = deterministicId('file', { hashes })!;
    return { object: { type: 'file', spec_version: '2.1', id, hashes }, key: `file:${algo.toLowerCase()}:${value.toLowerCase()}`, display: value.toLowerCase() };
  }
  const type = kind === 'btc-address' || kind === 'eth-address' ? 'cryptocurrency-wallet' : kind;
  const v = kind === 'domain-name' || kind === 'email-addr' ? value.toLowerCase() : value;
  const props: Record<string, unknown> = kind === 'autonomous-system' ? { number: Number(v.replace(/^as/i, '')) } : { value: v };
  const id = deterministicId(type, props) ?? `${type}--00000000-0000-5000-8000-000000000000`;
  return { object: { type, spec_version: '2.1', id, ...props }, key: `${type}:${v}`, display: v };
}

/** The index keys of a STIX observable (an SCO may have several: a file with three hashes). */
export function observableKeys(obj: StixObject): string[] {
  if (obj.type === 'file' && obj.hashes && typeof obj.hashes === 'object')
    return Object.entries(obj.hashes as Record<string, string>).map(([a, h]) => `file:${a.toLowerCase()}:${String(h).toLowerCase()}`);
  if (typeof obj.value === 'string') return [`${obj.type}:${obj.value}`];
  if (obj.type === 'autonomous-system' && typeof obj.number === 'number') return [`autonomous-system:${obj.number}`];
  return [];
}
