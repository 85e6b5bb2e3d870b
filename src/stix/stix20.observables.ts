import { v5 as uuidv5 } from 'uuid';
import type { ParseIssue } from '../ingest/parsers/parse-result.ts';
import type { StixObject } from './stix.types.ts';
import { deterministicId, idProperties } from './deterministic-id.ts';
import { KESSETSU_NAMESPACE } from './extensions.ts';
import { clip } from './stix.timestamp.ts';
import { own } from './stix.catalog.ts';
import { identifierType } from './stix.refs.ts';

// STIX 2.0 observed-data embeds its observables in an `objects` dictionary whose members point to
// each other by dictionary key ("0", "1"). STIX 2.1 makes each one a top-level SCO with an id.

/** 2.0 property names that 2.1 renamed, per observable type. */
const RENAMED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  file: { created: 'ctime', modified: 'mtime', accessed: 'atime' },
  directory: { created: 'ctime', modified: 'mtime', accessed: 'atime' },
  process: { created: 'created_time', binary_ref: 'image_ref' },
  'user-account': { password_last_changed: 'credential_last_changed' },
  'windows-registry-key': { modified: 'modified_time' },
};

/** 2.0 properties that 2.1 removed, with what to do instead. */
const REMOVED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  file: {
    is_encrypted: 'STIX 2.1 records encryption on the artifact holding the content',
    encryption_algorithm: 'STIX 2.1 records encryption on the artifact holding the content',
    decryption_key: 'STIX 2.1 records encryption on the artifact holding the content',
  },
  process: { name: 'STIX 2.1 processes have no name (see image_ref)', arguments: 'STIX 2.1 keeps arguments in command_line' },
};

/** What the embedded observables became: SCOs in key order, and the id each key got. */
export interface EmbeddedResult {
  readonly scos: StixObject[];
  readonly ids: ReadonlyMap<string, string>;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => !!v && typeof v === 'object' && !Array.isArray(v);

// A plain assignment of "__proto__" (a key JSON.parse happily makes) would set the prototype instead.
function put(o: Dict, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

// idProperties reads a plain table, where "constructor" would find Object's; only real lists count.
function idNames(type: string): readonly string[] {
  const names = idProperties(type);
  return Array.isArray(names) ? names : [];
}

/** Renames and drops the properties 2.1 changed; warnings name what was dropped. */
function to21(type: string, obj: Dict, where: string, warnings: ParseIssue[]): Dict {
  const renamed = own(RENAMED, type) ?? {};
  const removed = own(REMOVED, type) ?? {};
  const out: Dict = {};
  for (const [key, value] of Object.entries(obj)) {
    const why = own(removed, key);
    if (why !== undefined) warnings.push({ where: `${where}.${key}`, reason: `dropped: ${why}` });
    else put(out, own(renamed, key) ?? key, value);
  }
  return out;
}

/** A copy of a value with every local `*_ref` / `*_refs` key replaced by what `resolve` gives. */
function rewriteRefs(value: unknown, resolve: (key: string, where: string) => string | undefined, where: string, depth = 0): unknown {
  if (depth > 24 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => rewriteRefs(v, resolve, `${where}[${i}]`, depth + 1));
  const out: Dict = {};
  for (const [key, v] of Object.entries(value)) {
    const at = `${where}.${key}`;
    if (key.endsWith('_ref') && typeof v === 'string') {
      const id = resolve(v, at);
      if (id !== undefined) put(out, key, id);
    } else if (key.endsWith('_refs') && Array.isArray(v)) {
      const ids = v.flatMap((r, i) => (typeof r === 'string' ? (resolve(r, `${at}[${i}]`) ?? []) : []));
      if (ids.length > 0) put(out, key, ids);
    } else {
      put(out, key, rewriteRefs(v, resolve, at, depth + 1));
    }
  }
  return out;
}

/**
 * Turns a 2.0 observed-data `objects` dictionary into 2.1 SCOs. Ids are the spec's deterministic
 * ids; types without id-contributing properties (process) get a UUIDv5 of the observed-data id and
 * the key, so that importing the same file twice gives the same ids.
 * @example embeddedToScos('observed-data--…', { '0': { type: 'ipv4-addr', value: '8.8.8.8' } }, 'objects[2].objects', []).scos[0].id
 */
export function embeddedToScos(observedId: string, embedded: Dict, where: string, warnings: ParseIssue[]): EmbeddedResult {
  const keys = Object.keys(embedded);
  const place = (key: string): string => `${where}['${clip(key, 40)}']`;
  const upgraded = new Map<string, { type: string; props: Dict }>();
  for (const key of keys) {
    const o = embedded[key];
    if (!isDict(o) || typeof o.type !== 'string' || o.type === '') {
      warnings.push({ where: place(key), reason: 'not an observable object (no type): skipped' });
      continue;
    }
    const { type: _type, id: _id, spec_version: _version, ...rest } = o;
    upgraded.set(key, { type: o.type, props: to21(o.type, rest, place(key), warnings) });
  }

  const fallback = (key: string, type: string): string => `${type}--${uuidv5(`${observedId}/${key}`, KESSETSU_NAMESPACE)}`;
  const ids = new Map<string, string>();
  const inProgress = new Set<string>();

  // An id depends on the ids of the objects its contributing refs point to, so those come first;
  // a cycle through contributing refs falls back to the key-based id where it closes.
  const idOf = (key: string): string | undefined => {
    const known = ids.get(key);
    if (known) return known;
    const u = upgraded.get(key);
    if (!u) return undefined;
    if (inProgress.has(key)) {
      const id = fallback(key, u.type);
      ids.set(key, id);
      return id;
    }
    inProgress.add(key);
    const contributing: Dict = {};
    for (const name of idNames(u.type)) if (u.props[name] !== undefined) contributing[name] = u.props[name];
    const resolved = rewriteRefs(contributing, (ref) => idOf(ref) ?? (identifierType(ref) ? ref : undefined), '') as Dict;
    inProgress.delete(key);
    const id = ids.get(key) ?? (idNames(u.type).length > 0 ? deterministicId(u.type, resolved) : undefined) ?? fallback(key, u.type);
    ids.set(key, id);
    return id;
  };
  for (const key of upgraded.keys()) idOf(key);

  const scos: StixObject[] = [];
  for (const [key, u] of upgraded) {
    const resolve = (ref: string, at: string): string | undefined => {
      // Some producers already wrote full identifiers here; those are kept as they are.
      const id = ids.get(ref) ?? (identifierType(ref) ? ref : undefined);
      if (id === undefined) warnings.push({ where: at, reason: `points to "${clip(ref, 40)}", which is not a key of this observed-data: dropped` });
      return id;
    };
    const props = rewriteRefs(u.props, resolve, place(key)) as Dict;
    scos.push({ type: u.type, spec_version: '2.1', id: ids.get(key)!, ...props });
  }
  return { scos, ids };
}
