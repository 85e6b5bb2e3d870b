import type { ParseIssue } from '../ingest/parsers/parse-result.ts';
import { RESERVED_PROPERTIES, REQUIRED, own, TIME_ORDER, TIMESTAMP_PROPERTIES, knownProperties, typeKind, type TypeKind } from './stix.catalog.ts';
import { checkRefs, identifierType } from './stix.refs.ts';
import { checkConditions } from './stix.conditions.ts';
import { clip, timestampProblem, timestampValue } from './stix.timestamp.ts';
import { scoExtensionId } from './extensions.ts';

/** Errors (the object is not valid STIX 2.1) and warnings (taken, with a caveat). */
export interface RuleResult {
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
}

/** What the rules learnt of an object, so the schema step can pick the right schema. */
export interface RuleOutcome extends RuleResult {
  /** The object's type when it is usable (a valid name of a known, custom or extension-defined type). */
  readonly type: string | undefined;
  readonly kind: TypeKind | 'extension-defined' | undefined;
}

const TYPE_NAME = /^[a-z][a-z0-9-]{1,248}[a-z0-9]$/;
// As the OASIS schema's properties.json: a letter first, then letters, digits and underscores.
const PROPERTY_NAME = /^[a-z][a-z0-9_]{2,249}$/;
const EXTENSION_KEY = /^(extension-definition--[0-9a-fA-F-]{36}|[a-z][a-z0-9]*(-[a-z0-9]+)*-ext)$/;
const EXTENSION_TYPES: ReadonlySet<string> = new Set(['new-sdo', 'new-sco', 'new-sro', 'property-extension', 'toplevel-property-extension']);

/** A new object type defined by an extension-definition (STIX 2.1 section 7.3) rather than by the spec. */
function definingExtension(obj: Readonly<Record<string, unknown>>): string | undefined {
  const ext = obj.extensions;
  if (!ext || typeof ext !== 'object' || Array.isArray(ext)) return undefined;
  for (const [key, value] of Object.entries(ext)) {
    const kind = (value as { extension_type?: unknown } | null)?.extension_type;
    if (key.startsWith('extension-definition--') && typeof kind === 'string' && kind.startsWith('new-')) return key;
  }
  return undefined;
}

/**
 * The STIX 2.1 rules a JSON schema cannot say: type and id agreement, RFC 4122 ids, spec_version,
 * timestamp syntax and order, reference target types, required and conditional properties,
 * custom types and properties. `where` prefixes every issue (e.g. "objects[12]").
 * @example checkSpecRules({ type: 'indicator', id: 'indicator--…', … }, 'objects[0]').errors // []
 */
export function checkSpecRules(input: unknown, where: string): RuleOutcome {
  const errors: ParseIssue[] = [];
  const warnings: ParseIssue[] = [];
  const fail = (type?: string, kind?: RuleOutcome['kind']): RuleOutcome => ({ errors, warnings, type, kind });
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    errors.push({ where, reason: `must be a JSON object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}` });
    return fail();
  }
  const obj = input as Readonly<Record<string, unknown>>;
  const at = (prop: string): string => `${where}.${prop}`;

  // type
  const type = obj.type;
  if (type === undefined) {
    errors.push({ where: at('type'), reason: 'missing: every STIX object has a type' });
    return fail();
  }
  if (typeof type !== 'string' || !TYPE_NAME.test(type) || type.includes('--')) {
    const shown = typeof type === 'string' ? `"${clip(type)}"` : typeof type;
    errors.push({ where: at('type'), reason: `${shown} is not a STIX type name (3-250 characters a-z, 0-9, hyphen)` });
    return fail();
  }
  let kind: RuleOutcome['kind'] = typeKind(type);
  if (type === 'bundle') {
    errors.push({ where: at('type'), reason: 'a bundle cannot be an object of a bundle' });
    return fail();
  }
  if (kind === 'unknown') {
    const ext = definingExtension(obj);
    if (!ext) {
      errors.push({ where: at('type'), reason: `unknown type "${type}": not defined by STIX 2.1; custom types must start with "x-"` });
      return fail();
    }
    kind = 'extension-defined';
    warnings.push({ where: at('type'), reason: `type "${type}" is defined by ${ext}: taken, checked against the common properties only` });
  } else if (kind === 'custom') {
    warnings.push({ where: at('type'), reason: `custom object type "${type}": taken, checked against the common properties only` });
  }

  // id
  const idType = identifierType(obj.id);
  if (obj.id === undefined) errors.push({ where: at('id'), reason: 'missing: every STIX object has an id' });
  else if (idType === undefined) errors.push({ where: at('id'), reason: `${typeof obj.id === 'string' ? `"${clip(obj.id)}"` : typeof obj.id} is not a STIX identifier (type--RFC 4122 UUID)` });
  else if (idType !== type) errors.push({ where: at('id'), reason: `id prefix "${idType}" differs from the type "${type}"` });

  // spec_version: optional only on SCOs (and on custom or extension-defined objects shaped like them).
  const scoLike = kind === 'sco' || ((kind === 'custom' || kind === 'extension-defined') && obj.created === undefined);
  if (obj.spec_version === undefined) {
    if (!scoLike) errors.push({ where: at('spec_version'), reason: 'missing: a STIX 2.1 object says spec_version "2.1" (without it, it reads as STIX 2.0)' });
  } else if (obj.spec_version === '2.0') {
    errors.push({ where: at('spec_version'), reason: 'STIX 2.0 object: upgrade the bundle to 2.1 first' });
  } else if (obj.spec_version !== '2.1') {
    errors.push({ where: at('spec_version'), reason: `must be "2.1", got ${clip(JSON.stringify(obj.spec_version) ?? 'undefined')}` });
  }

  // created / modified
  const hasCommonTimes = kind === 'sdo' || kind === 'sro' || type === 'language-content' || type === 'extension-definition' || !scoLike;
  if (hasCommonTimes && type !== 'marking-definition') {
    for (const p of ['created', 'modified']) if (obj[p] === undefined) errors.push({ where: at(p), reason: 'missing: required on SDOs, SROs and meta objects' });
  }
  checkTimes(obj, type, kind, at, errors);

  // properties
  for (const p of own(REQUIRED, type) ?? []) {
    if (obj[p] === undefined || obj[p] === null) errors.push({ where: at(p), reason: `missing: required on ${type}` });
  }
  checkPropertyNames(obj, type, where, errors, warnings);
  checkConditions(obj, type, where, errors, warnings);
  checkExtensions(obj, type, at, errors, warnings);
  errors.push(...checkRefs(obj, where));
  return { errors, warnings, type, kind };
}

function checkTimes(
  obj: Readonly<Record<string, unknown>>,
  type: string,
  kind: RuleOutcome['kind'],
  at: (p: string) => string,
  errors: ParseIssue[],
): void {
  // Custom objects may use these names for other things; only created/modified are common to all.
  const known = kind !== 'custom' && kind !== 'extension-defined';
  for (const p of Object.keys(obj)) {
    if (!TIMESTAMP_PROPERTIES.has(p) || (!known && p !== 'created' && p !== 'modified')) continue;
    const millis = (p === 'created' || p === 'modified') && type !== 'marking-definition';
    const problem = timestampProblem(obj[p], millis);
    if (problem) errors.push({ where: at(p), reason: problem });
  }
  for (const [early, late, equalOk] of TIME_ORDER) {
    const a = timestampValue(obj[early]);
    const b = timestampValue(obj[late]);
    if (a === undefined || b === undefined) continue;
    if (b < a || (!equalOk && b === a)) {
      errors.push({ where: at(late), reason: `${late} (${String(obj[late])}) must be ${equalOk ? 'later than or equal to' : 'later than'} ${early} (${String(obj[early])})` });
    }
  }
}

function checkPropertyNames(
  obj: Readonly<Record<string, unknown>>,
  type: string,
  where: string,
  errors: ParseIssue[],
  warnings: ParseIssue[],
): void {
  const known = knownProperties(type);
  const custom: string[] = [];
  const unprefixed: string[] = [];
  for (const p of Object.keys(obj)) {
    if (known?.has(p) || p === 'id' || p === 'type') continue;
    if (RESERVED_PROPERTIES.has(p)) {
      errors.push({ where: `${where}.${p}`, reason: `"${p}" is a property name STIX 2.1 reserves` });
    } else if (!PROPERTY_NAME.test(p)) {
      errors.push({ where: `${where}.${clip(p, 60)}`, reason: 'a custom property name has 3-250 characters a-z, 0-9 and underscore, a letter first' });
    } else if (known) {
      (p.startsWith('x_') ? custom : unprefixed).push(p);
    }
  }
  if (custom.length > 0) warnings.push({ where, reason: `custom properties taken as they are: ${list(custom)}` });
  if (unprefixed.length > 0) warnings.push({ where, reason: `custom properties should have names that start with "x_": ${list(unprefixed)}` });
}

function list(names: string[]): string {
  const shown = names.slice(0, 8).map((n) => clip(n, 40));
  return names.length > 8 ? `${shown.join(', ')} and ${names.length - 8} more` : shown.join(', ');
}

function checkExtensions(
  obj: Readonly<Record<string, unknown>>,
  type: string,
  at: (p: string) => string,
  errors: ParseIssue[],
  warnings: ParseIssue[],
): void {
  const ext = obj.extensions;
  const ownExtension = scoExtensionId(type);
  if (ext === undefined) {
    if (ownExtension) warnings.push({ where: at('extensions'), reason: `a ${type} should name its extension definition: { "${ownExtension}": { "extension_type": "new-sco" } }` });
    return;
  }
  if (!ext || typeof ext !== 'object' || Array.isArray(ext)) {
    errors.push({ where: at('extensions'), reason: 'must be a dictionary of extensions' });
    return;
  }
  const entries = Object.entries(ext as Record<string, unknown>);
  if (entries.length === 0) errors.push({ where: at('extensions'), reason: 'must not be empty' });
  for (const [key, value] of entries) {
    const where = at(`extensions.${clip(key, 60)}`);
    if (key.length > 250 || !EXTENSION_KEY.test(key) || (key.startsWith('extension-definition--') && identifierType(key) === undefined)) {
      errors.push({ where, reason: 'an extension is named by an extension-definition id or a name ending in "-ext"' });
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ where, reason: 'must be an object' });
      continue;
    }
    if (key.startsWith('extension-definition--')) {
      const kind = (value as Record<string, unknown>).extension_type;
      if (typeof kind !== 'string' || !EXTENSION_TYPES.has(kind)) {
        errors.push({ where: `${where}.extension_type`, reason: `must be one of ${[...EXTENSION_TYPES].join(', ')}` });
      }
    }
  }
  if (ownExtension && !(ownExtension in (ext as Record<string, unknown>))) {
    warnings.push({ where: at('extensions'), reason: `a ${type} should name its extension definition ${ownExtension}` });
  }
}
