import { SCO_TYPES } from './stix.types.ts';

// What the STIX 2.1 specification (OASIS Standard, 10 June 2021) says of each object type:
// which properties it defines and which of them are required. Sections 4-7 of the spec.

/** STIX Domain Object types (spec section 4). */
export const SDO_TYPES: ReadonlySet<string> = new Set([
  'attack-pattern', 'campaign', 'course-of-action', 'grouping', 'identity', 'incident', 'indicator',
  'infrastructure', 'intrusion-set', 'location', 'malware', 'malware-analysis', 'note', 'observed-data',
  'opinion', 'report', 'threat-actor', 'tool', 'vulnerability',
]);

/** STIX Relationship Object types (spec section 5). */
export const SRO_TYPES: ReadonlySet<string> = new Set(['relationship', 'sighting']);

/** Meta objects (spec section 7): they describe other objects and are neither SDOs nor SROs. */
export const META_TYPES: ReadonlySet<string> = new Set(['marking-definition', 'language-content', 'extension-definition']);

/**
 * A table entry by key, own properties only: hostile names such as "constructor" must not reach
 * Object.prototype.
 * @example own({ a: 1 }, 'constructor') // undefined
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** What kind of type a type name is. */
export type TypeKind = 'sdo' | 'sro' | 'sco' | 'meta' | 'custom' | 'unknown';

/** Classifies a type name: spec SDO/SRO/SCO/meta, custom (`x-…`), or unknown. */
export function typeKind(type: string): TypeKind {
  if (SDO_TYPES.has(type)) return 'sdo';
  if (SRO_TYPES.has(type)) return 'sro';
  if (SCO_TYPES.has(type)) return 'sco';
  if (META_TYPES.has(type)) return 'meta';
  if (type.startsWith('x-')) return 'custom';
  return 'unknown';
}

const SDO_COMMON = [
  'type', 'spec_version', 'id', 'created_by_ref', 'created', 'modified', 'revoked', 'labels', 'confidence',
  'lang', 'external_references', 'object_marking_refs', 'granular_markings', 'extensions',
] as const;
const SCO_COMMON = ['type', 'spec_version', 'id', 'object_marking_refs', 'granular_markings', 'defanged', 'extensions'] as const;

const SPECIFIC: Readonly<Record<string, readonly string[]>> = {
  'attack-pattern': ['name', 'description', 'aliases', 'kill_chain_phases'],
  campaign: ['name', 'description', 'aliases', 'first_seen', 'last_seen', 'objective'],
  'course-of-action': ['name', 'description'],
  grouping: ['name', 'description', 'context', 'object_refs'],
  identity: ['name', 'description', 'roles', 'identity_class', 'sectors', 'contact_information'],
  incident: ['name', 'description', 'kill_chain_phases'],
  indicator: ['name', 'description', 'indicator_types', 'pattern', 'pattern_type', 'pattern_version', 'valid_from', 'valid_until', 'kill_chain_phases'],
  infrastructure: ['name', 'description', 'infrastructure_types', 'aliases', 'kill_chain_phases', 'first_seen', 'last_seen'],
  'intrusion-set': ['name', 'description', 'aliases', 'first_seen', 'last_seen', 'goals', 'resource_level', 'primary_motivation', 'secondary_motivations'],
  location: ['name', 'description', 'latitude', 'longitude', 'precision', 'region', 'country', 'administrative_area', 'city', 'street_address', 'postal_code'],
  malware: [
    'name', 'description', 'malware_types', 'is_family', 'aliases', 'kill_chain_phases', 'first_seen', 'last_seen',
    'operating_system_refs', 'architecture_execution_envs', 'implementation_languages', 'capabilities', 'sample_refs',
  ],
  'malware-analysis': [
    'product', 'version', 'host_vm_ref', 'operating_system_ref', 'installed_software_refs', 'configuration_version', 'modules',
    'analysis_engine_version', 'analysis_definition_version', 'submitted', 'analysis_started', 'analysis_ended', 'result_name',
    'result', 'analysis_sco_refs', 'sample_ref',
  ],
  note: ['abstract', 'content', 'authors', 'object_refs'],
  'observed-data': ['first_observed', 'last_observed', 'number_observed', 'objects', 'object_refs'],
  opinion: ['explanation', 'authors', 'opinion', 'object_refs'],
  report: ['name', 'description', 'report_types', 'published', 'object_refs'],
  'threat-actor': [
    'name', 'description', 'threat_actor_types', 'aliases', 'first_seen', 'last_seen', 'roles', 'goals', 'sophistication',
    'resource_level', 'primary_motivation', 'secondary_motivations', 'personal_motivations',
  ],
  tool: ['name', 'description', 'tool_types', 'aliases', 'kill_chain_phases', 'tool_version'],
  vulnerability: ['name', 'description'],
  relationship: ['relationship_type', 'description', 'source_ref', 'target_ref', 'start_time', 'stop_time'],
  sighting: ['description', 'first_seen', 'last_seen', 'count', 'sighting_of_ref', 'observed_data_refs', 'where_sighted_refs', 'summary'],
  'language-content': ['object_ref', 'object_modified', 'contents'],
  'extension-definition': ['name', 'description', 'schema', 'version', 'extension_types', 'extension_properties'],
  artifact: ['mime_type', 'payload_bin', 'url', 'hashes', 'encryption_algorithm', 'decryption_key'],
  'autonomous-system': ['number', 'name', 'rir'],
  directory: ['path', 'path_enc', 'ctime', 'mtime', 'atime', 'contains_refs'],
  'domain-name': ['value', 'resolves_to_refs'],
  'email-addr': ['value', 'display_name', 'belongs_to_ref'],
  'email-message': [
    'is_multipart', 'date', 'content_type', 'from_ref', 'sender_ref', 'to_refs', 'cc_refs', 'bcc_refs', 'message_id', 'subject',
    'received_lines', 'additional_header_fields', 'body', 'body_multipart', 'raw_email_ref',
  ],
  file: ['hashes', 'size', 'name', 'name_enc', 'magic_number_hex', 'mime_type', 'ctime', 'mtime', 'atime', 'parent_directory_ref', 'contains_refs', 'content_ref'],
  'ipv4-addr': ['value', 'resolves_to_refs', 'belongs_to_refs'],
  'ipv6-addr': ['value', 'resolves_to_refs', 'belongs_to_refs'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': [
    'start', 'end', 'is_active', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'src_byte_count', 'dst_byte_count',
    'src_packets', 'dst_packets', 'ipfix', 'src_payload_ref', 'dst_payload_ref', 'encapsulates_refs', 'encapsulated_by_ref',
  ],
  process: ['is_hidden', 'pid', 'created_time', 'cwd', 'command_line', 'environment_variables', 'opened_connection_refs', 'creator_user_ref', 'image_ref', 'parent_ref', 'child_refs'],
  software: ['name', 'cpe', 'swid', 'languages', 'vendor', 'version'],
  url: ['value'],
  'user-account': [
    'user_id', 'credential', 'account_login', 'account_type', 'display_name', 'is_service_account', 'is_privileged', 'can_escalate_privs',
    'is_disabled', 'account_created', 'account_expires', 'credential_last_changed', 'account_first_login', 'account_last_login',
  ],
  'windows-registry-key': ['key', 'values', 'modified_time', 'creator_user_ref', 'number_of_subkeys'],
  'x509-certificate': [
    'is_self_signed', 'hashes', 'version', 'serial_number', 'signature_algorithm', 'issuer', 'validity_not_before', 'validity_not_after',
    'subject', 'subject_public_key_algorithm', 'subject_public_key_modulus', 'subject_public_key_exponent', 'x509_v3_extensions',
  ],
  // Kessetsu's SCOs (src/stix/extensions.ts).
  'bank-account': ['country', 'bank_code', 'bank_name', 'branch_code', 'branch_name', 'account_type', 'account_number', 'holder_name'],
  'phone-number': ['value', 'country'],
  'cryptocurrency-wallet': ['chain', 'address'],
};

const MARKING_PROPERTIES = [
  'type', 'spec_version', 'id', 'created_by_ref', 'created', 'external_references', 'object_marking_refs', 'granular_markings',
  'extensions', 'name', 'definition_type', 'definition',
] as const;

function propertySet(type: string): ReadonlySet<string> | undefined {
  if (type === 'marking-definition') return new Set(MARKING_PROPERTIES);
  const specific = own(SPECIFIC, type);
  if (!specific) return undefined;
  return new Set([...(SCO_TYPES.has(type) ? SCO_COMMON : SDO_COMMON), ...specific]);
}

const PROPERTIES: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  [...SDO_TYPES, ...SRO_TYPES, ...SCO_TYPES, ...META_TYPES].flatMap((t) => {
    const set = propertySet(t);
    return set ? [[t, set] as const] : [];
  }),
);

/** The properties the spec (or Kessetsu, for its SCOs) defines for a type; undefined for custom types. */
export function knownProperties(type: string): ReadonlySet<string> | undefined {
  return PROPERTIES.get(type);
}

/** Properties that must be present, per type (conditional requirements are checked in the rules). */
export const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  'attack-pattern': ['name'],
  campaign: ['name'],
  'course-of-action': ['name'],
  grouping: ['context', 'object_refs'],
  identity: ['name'],
  incident: ['name'],
  indicator: ['pattern', 'pattern_type', 'valid_from'],
  infrastructure: ['name'],
  'intrusion-set': ['name'],
  malware: ['is_family'],
  'malware-analysis': ['product'],
  note: ['content', 'object_refs'],
  'observed-data': ['first_observed', 'last_observed', 'number_observed'],
  opinion: ['opinion', 'object_refs'],
  report: ['name', 'published', 'object_refs'],
  'threat-actor': ['name'],
  tool: ['name'],
  vulnerability: ['name'],
  relationship: ['relationship_type', 'source_ref', 'target_ref'],
  sighting: ['sighting_of_ref'],
  'marking-definition': ['created'],
  'language-content': ['object_ref', 'contents'],
  'extension-definition': ['created_by_ref', 'name', 'schema', 'version', 'extension_types'],
  'autonomous-system': ['number'],
  directory: ['path'],
  'domain-name': ['value'],
  'email-addr': ['value'],
  'email-message': ['is_multipart'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': ['protocols'],
  software: ['name'],
  url: ['value'],
  'bank-account': ['country', 'account_number'],
  'phone-number': ['value'],
  'cryptocurrency-wallet': ['chain', 'address'],
};

/** Properties of the spec's types that hold timestamps. */
export const TIMESTAMP_PROPERTIES: ReadonlySet<string> = new Set([
  'created', 'modified', 'first_seen', 'last_seen', 'valid_from', 'valid_until', 'published', 'first_observed', 'last_observed',
  'start_time', 'stop_time', 'submitted', 'analysis_started', 'analysis_ended', 'object_modified', 'ctime', 'mtime', 'atime',
  'date', 'start', 'end', 'created_time', 'modified_time', 'account_created', 'account_expires', 'credential_last_changed',
  'account_first_login', 'account_last_login', 'validity_not_before', 'validity_not_after',
]);

/** Pairs (earlier, later) the spec orders, and whether equal values are allowed. */
export const TIME_ORDER: readonly (readonly [string, string, boolean])[] = [
  ['created', 'modified', true],
  ['first_seen', 'last_seen', true],
  ['first_observed', 'last_observed', true],
  ['valid_from', 'valid_until', false],
  ['start_time', 'stop_time', false],
  ['analysis_started', 'analysis_ended', true],
  ['start', 'end', true],
  ['validity_not_before', 'validity_not_after', true],
];

/** Property names STIX 2.1 reserves: no object may use them (spec section 3.1). */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set(['severity', 'action', 'username', 'phone_numbers']);
