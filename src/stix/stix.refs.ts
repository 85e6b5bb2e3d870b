import { SCO_TYPES } from './stix.types.ts';
import { SDO_TYPES, own, typeKind } from './stix.catalog.ts';
import type { ParseIssue } from '../ingest/parsers/parse-result.ts';
import { clip } from './stix.timestamp.ts';

// Which object types each *_ref / *_refs property may point to, from the spec's property tables.

/** A set of allowed target types, with the words an error message uses for it. */
interface Target {
  readonly accepts: (type: string) => boolean;
  readonly says: string;
}

const only = (...types: string[]): Target => ({ accepts: (t) => types.includes(t), says: types.join(' or ') });
const sdo: Target = { accepts: (t) => SDO_TYPES.has(t) || t.startsWith('x-'), says: 'an SDO' };
const sco: Target = { accepts: (t) => SCO_TYPES.has(t) || t.startsWith('x-'), says: 'an SCO' };
const sdoOrSco: Target = {
  accepts: (t) => ['sdo', 'sco', 'custom', 'unknown'].includes(typeKind(t)) && t !== 'bundle',
  says: 'an SDO or SCO (not an SRO, marking, language content or bundle)',
};
const scoOrSro: Target = { accepts: (t) => SCO_TYPES.has(t) || t === 'relationship' || t.startsWith('x-'), says: 'an SCO or relationship' };
const notBundle: Target = { accepts: (t) => t !== 'bundle', says: 'any STIX object but a bundle' };
const address = only('ipv4-addr', 'ipv6-addr', 'mac-addr', 'domain-name');

/** Rules by property name; a rule keyed "type.property" wins over a plain "property" one. */
const RULES: Readonly<Record<string, Target>> = {
  created_by_ref: only('identity'),
  object_marking_refs: only('marking-definition'),
  marking_ref: only('marking-definition'),
  sighting_of_ref: sdo,
  observed_data_refs: only('observed-data'),
  where_sighted_refs: only('identity', 'location'),
  'relationship.source_ref': sdoOrSco,
  'relationship.target_ref': sdoOrSco,
  object_refs: notBundle,
  'observed-data.object_refs': scoOrSro,
  'language-content.object_ref': { accepts: (t) => t !== 'bundle' && t !== 'language-content', says: 'any object but a bundle or language content' },
  sample_refs: only('file', 'artifact'),
  operating_system_refs: only('software'),
  host_vm_ref: only('software'),
  operating_system_ref: only('software'),
  installed_software_refs: only('software'),
  analysis_sco_refs: sco,
  sample_ref: only('file', 'artifact', 'network-traffic'),
  belongs_to_ref: only('user-account'),
  from_ref: only('email-addr'),
  sender_ref: only('email-addr'),
  to_refs: only('email-addr'),
  cc_refs: only('email-addr'),
  bcc_refs: only('email-addr'),
  raw_email_ref: only('artifact'),
  body_raw_ref: only('artifact', 'file'),
  parent_directory_ref: only('directory'),
  'file.contains_refs': sco,
  'directory.contains_refs': only('file', 'directory'),
  'archive-ext.contains_refs': only('file', 'directory'),
  content_ref: only('artifact'),
  'domain-name.resolves_to_refs': only('ipv4-addr', 'ipv6-addr', 'domain-name'),
  'ipv4-addr.resolves_to_refs': only('mac-addr'),
  'ipv6-addr.resolves_to_refs': only('mac-addr'),
  belongs_to_refs: only('autonomous-system'),
  src_ref: address,
  dst_ref: address,
  src_payload_ref: only('artifact'),
  dst_payload_ref: only('artifact'),
  encapsulates_refs: only('network-traffic'),
  encapsulated_by_ref: only('network-traffic'),
  opened_connection_refs: only('network-traffic'),
  creator_user_ref: only('user-account'),
  image_ref: only('file'),
  parent_ref: only('process'),
  child_refs: only('process'),
  message_body_data_ref: only('artifact'),
  service_dll_refs: only('file'),
};

// RFC 4122: version 1-5 in the 13th hex digit, variant 10xx in the 17th.
const IDENTIFIER = /^([a-z0-9-]{1,250})--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$/;

/** The type part of a STIX identifier, or undefined when the text is not `type--<RFC 4122 UUID>`. */
export function identifierType(id: unknown): string | undefined {
  if (typeof id !== 'string' || id.length > 300) return undefined;
  return IDENTIFIER.exec(id)?.[1];
}

const MAX_DEPTH = 24;

// Embedded 2.0-style observables refer to each other by dictionary key, not by id; translations hold text.
const SKIPPED: ReadonlySet<string> = new Set(['observed-data.objects', 'language-content.contents']);

function checkOne(value: unknown, where: string, rule: Target | undefined, out: ParseIssue[]): void {
  if (typeof value !== 'string') {
    out.push({ where, reason: `must be a STIX identifier string, got ${value === null ? 'null' : typeof value}` });
    return;
  }
  const type = identifierType(value);
  if (type === undefined) out.push({ where, reason: `"${clip(value)}" is not a STIX identifier (type--RFC 4122 UUID)` });
  else if (rule && !rule.accepts(type)) out.push({ where, reason: `must point to ${rule.says}, not to a ${type}` });
}

/**
 * Checks every `*_ref` / `*_refs` property of an object, nested ones included (extensions,
 * granular markings, e-mail MIME parts): identifier syntax, and the target types the spec allows.
 * @example checkRefs({ type: 'sighting', sighting_of_ref: 'relationship--…' }, 'objects[3]') // [{ where: 'objects[3].sighting_of_ref', … }]
 */
export function checkRefs(obj: Readonly<Record<string, unknown>>, where: string): ParseIssue[] {
  const out: ParseIssue[] = [];
  walk(obj, typeof obj.type === 'string' ? obj.type : '', where, 0, out);
  return out;
}

function walk(node: Readonly<Record<string, unknown>>, context: string, where: string, depth: number, out: ParseIssue[]): void {
  if (depth > MAX_DEPTH) {
    out.push({ where, reason: `nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  // Keys, not entries, and a property's path and rule made only for a reference or a nested value: this runs over
  // every property of every object of an ingest, and most are plain values (issue 17).
  for (const key of Object.keys(node)) {
    const value = node[key];
    const ref = key.endsWith('_ref');
    const refs = !ref && key.endsWith('_refs');
    if (!ref && !refs && (!value || typeof value !== 'object')) continue;
    if (depth === 0 && SKIPPED.has(`${context}.${key}`)) continue;
    const at = `${where}.${clip(key, 60)}`;
    const rule = ref || refs ? (own(RULES, `${context}.${key}`) ?? own(RULES, key)) : undefined;
    if (refs) {
      if (!Array.isArray(value)) out.push({ where: at, reason: 'must be a list of STIX identifiers' });
      else value.forEach((v, i) => checkOne(v, `${at}[${i}]`, rule, out));
      continue;
    }
    if (ref) {
      checkOne(value, at, rule, out);
      continue;
    }
    if (value && typeof value === 'object') {
      // Keys of the extensions dictionary name the extension, which decides what its refs mean.
      const inner = key === 'extensions' && depth === 0 ? undefined : context;
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, context, `${at}[${i}]`, depth + 1, out);
        });
      } else if (inner === undefined) {
        for (const [name, ext] of Object.entries(value as Record<string, unknown>)) {
          if (ext && typeof ext === 'object' && !Array.isArray(ext)) walk(ext as Record<string, unknown>, name, `${at}.${clip(name, 60)}`, depth + 2, out);
        }
      } else {
        walk(value as Record<string, unknown>, context, at, depth + 1, out);
      }
    }
  }
}
