import { uuidv5 } from '../shared/uuid5.ts';
import { STIX_NAMESPACE } from './stix.types.ts';
import { canonicalJson } from '../shared/canonical-json.ts';

// ID-contributing properties per SCO type (STIX 2.1, section 6 of each object), and ours by extension.
const ID_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  artifact: ['hashes', 'payload_bin'],
  'autonomous-system': ['number'],
  directory: ['path'],
  'domain-name': ['value'],
  'email-addr': ['value'],
  'email-message': ['from_ref', 'subject', 'body'],
  file: ['hashes', 'name', 'extensions', 'parent_directory_ref'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': ['start', 'end', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'extensions'],
  software: ['name', 'cpe', 'swid', 'vendor', 'version'],
  url: ['value'],
  'user-account': ['account_type', 'user_id', 'account_login'],
  'windows-registry-key': ['key', 'values'],
  'x509-certificate': ['hashes', 'serial_number'],
  'bank-account': ['country', 'bank_code', 'branch_code', 'account_type', 'account_number'],
  'phone-number': ['value'],
  'cryptocurrency-wallet': ['chain', 'address'],
};

// Only one hash contributes to the id, chosen in this order of preference.
const HASH_PREFERENCE = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'] as const;

function pickHash(hashes: unknown): Record<string, string> | undefined {
  if (!hashes || typeof hashes !== 'object') return undefined;
  const h = hashes as Record<string, string>;
  for (const algo of HASH_PREFERENCE) if (typeof h[algo] === 'string') return { [algo]: h[algo] };
  const first = Object.keys(h).sort()[0];
  return first ? { [first]: h[first]! } : undefined;
}

/** The id-contributing properties this type declares, or undefined when ids are random (process, SDOs). */
export function idProperties(type: string): readonly string[] | undefined {
  return Object.hasOwn(ID_PROPERTIES, type) ? ID_PROPERTIES[type] : undefined;
}

/**
 * The spec's deterministic id of an SCO: UUIDv5 in the STIX namespace over the JCS-canonical JSON
 * of its id-contributing properties; undefined when the type has none or none is present.
 * @example deterministicId('ipv4-addr', { value: '198.51.100.3' }) // 'ipv4-addr--…'
 */
export function deterministicId(type: string, props: Readonly<Record<string, unknown>>): string | undefined {
  const names = Object.hasOwn(ID_PROPERTIES, type) ? ID_PROPERTIES[type] : undefined;
  if (!names) return undefined;
  const contributing: Record<string, unknown> = {};
  for (const name of names) {
    const v = name === 'hashes' ? pickHash(props.hashes) : props[name];
    if (v !== undefined && v !== null) contributing[name] = v;
  }
  if (Object.keys(contributing).length === 0) return undefined;
  const text = canonicalJson(contributing);
  return `${type}--${uuidv5(text, STIX_NAMESPACE)}`;
}
