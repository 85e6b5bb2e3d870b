/** Any STIX 2.1 object as JSON: type and id always, the rest by type. */
export interface StixObject {
  readonly type: string;
  readonly id: string;
  readonly spec_version?: string;
  readonly created?: string;
  readonly modified?: string;
  readonly object_marking_refs?: readonly string[];
  readonly [key: string]: unknown;
}

/** A STIX bundle. */
export interface StixBundle {
  readonly type: 'bundle';
  readonly id: string;
  readonly objects: readonly StixObject[];
}

/** The namespace of STIX 2.1 deterministic identifiers (spec section 2.9). */
export const STIX_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** Cyber-observable types of the spec, plus the ones Kessetsu defines by extension. */
export const SCO_TYPES: ReadonlySet<string> = new Set([
  'artifact',
  'autonomous-system',
  'directory',
  'domain-name',
  'email-addr',
  'email-message',
  'file',
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'mutex',
  'network-traffic',
  'process',
  'software',
  'url',
  'user-account',
  'windows-registry-key',
  'x509-certificate',
  'bank-account',
  'phone-number',
  'cryptocurrency-wallet',
]);

/** True for cyber-observable objects (SCOs). */
export function isSco(type: string): boolean {
  return SCO_TYPES.has(type);
}
