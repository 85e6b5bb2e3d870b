import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ParseIssue } from '../ingest/parsers/parse-result.ts';
import { clip } from './stix.timestamp.ts';
import { own } from './stix.catalog.ts';

// The OASIS STIX 2.1 schemas declare JSON Schema draft 2020-12 (Ajv2020); older releases of them
// used draft-07. The Ajv class follows what the files declare. Every file is registered under its
// $id so their relative $refs ("../common/core.json") resolve offline.

/** Ajv classes by the `$schema` a schema file declares. */
const AJV_BY_DRAFT: Readonly<Record<string, typeof Ajv2020 | typeof Ajv2019 | typeof Ajv>> = {
  'https://json-schema.org/draft/2020-12/schema': Ajv2020,
  'https://json-schema.org/draft/2019-09/schema': Ajv2019,
  'http://json-schema.org/draft-07/schema#': Ajv,
  'http://json-schema.org/draft-07/schema': Ajv,
  'http://json-schema.org/draft-06/schema#': Ajv,
};

/** Any of the Ajv classes: they share the methods used here. */
export type AnyAjv = Ajv2020 | Ajv2019 | Ajv;

const SCHEMA_FOLDERS = ['common', 'sdos', 'sros', 'observables'] as const;
const COMMON_TYPES = new Set(['marking-definition', 'language-content', 'extension-definition']);

// Two OASIS patterns nest quantifiers, ([a-z][a-z0-9]*)+, and backtrack exponentially on a long
// hostile string. These rewrites accept exactly the same strings in linear time.
const SAFE_PATTERNS: Readonly<Record<string, string>> = {
  '^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\\-?$': '^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$',
  '^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\\-ext$': '^[a-z][a-z0-9]*(-[a-z0-9]+)*-ext$',
};

function makeSafe(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(makeSafe);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'pattern' && typeof value === 'string') out[key] = own(SAFE_PATTERNS, value) ?? value;
    else if (key === 'patternProperties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([p, s]) => [own(SAFE_PATTERNS, p) ?? p, makeSafe(s)]));
    } else out[key] = makeSafe(value);
  }
  return out;
}

// ajv-formats has no idn-hostname: a lenient check that labels are 1-63 characters without spaces.
function idnHostname(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  return text.split('.').every((label) => label.length > 0 && label.length <= 63 && !/[\s\p{Cc}/\\@:?#]/u.test(label));
}

/**
 * A new Ajv for STIX schemas of a JSON Schema draft (2020-12 unless told): formats, first error
 * only (fast), non-unicode regexps as the OASIS patterns need.
 */
export function newStixAjv(draft = 'https://json-schema.org/draft/2020-12/schema'): AnyAjv {
  const AjvClass = own(AJV_BY_DRAFT, draft);
  if (!AjvClass) throw new Error(`JSON Schema draft ${draft} is not supported (2020-12, 2019-09, draft-07 or draft-06 are)`);
  const ajv = new AjvClass({ allErrors: false, strict: false, unicodeRegExp: false, validateSchema: false });
  (addFormats as unknown as (a: AnyAjv, o: object) => void)(ajv, { mode: 'fast' });
  ajv.addFormat('idn-hostname', idnHostname);
  return ajv;
}

/** The OASIS STIX 2.1 schemas, loaded from a folder, with one compiled validator per type on demand. */
export interface StixSchemaSet {
  /** The validator of a spec type, or the common core one for other types (SCO-like or not). */
  validatorFor(type: string, scoLike: boolean): ValidateFunction;
  /** True when the folder has a schema of this very type. */
  hasType(type: string): boolean;
}

/**
 * Reads every schema file under `dir` (common/, sdos/, sros/, observables/) and prepares Ajv.
 * Throws when the folder is not the OASIS schema set, naming the file and the reason.
 */
export function loadStixSchemas(dir: string): StixSchemaSet {
  const byType = new Map<string, string>();
  const loaded: object[] = [];
  const drafts = new Set<string>();
  let coreId: string | undefined;
  let scoCoreId: string | undefined;
  for (const folder of SCHEMA_FOLDERS) {
    const full = path.join(dir, folder);
    let files: string[];
    try {
      files = readdirSync(full).filter((f) => f.endsWith('.json'));
    } catch (e) {
      throw new Error(`STIX schemas: cannot read ${full} (${(e as Error).message}); the folder needs common/, sdos/, sros/ and observables/`, { cause: e });
    }
    for (const file of files) {
      const where = path.join(full, file);
      let schema: { $id?: unknown; $schema?: unknown };
      try {
        schema = makeSafe(JSON.parse(readFileSync(where, 'utf8'))) as { $id?: unknown; $schema?: unknown };
      } catch (e) {
        throw new Error(`STIX schema ${where}: ${(e as Error).message}`, { cause: e });
      }
      if (typeof schema.$id !== 'string') throw new Error(`STIX schema ${where}: no $id`);
      if (typeof schema.$schema === 'string') drafts.add(schema.$schema);
      loaded.push(schema);
      const type = file.slice(0, -'.json'.length);
      if (folder !== 'common' || COMMON_TYPES.has(type)) byType.set(type, schema.$id);
      if (folder === 'common' && type === 'core') coreId = schema.$id;
      if (folder === 'common' && type === 'cyber-observable-core') scoCoreId = schema.$id;
    }
  }
  if (!coreId || !scoCoreId) throw new Error(`STIX schemas in ${dir}: common/core.json or common/cyber-observable-core.json missing`);
  if (drafts.size > 1) throw new Error(`STIX schemas in ${dir} mix JSON Schema drafts: ${[...drafts].join(', ')}`);
  const ajv = newStixAjv([...drafts][0]);
  for (const schema of loaded) ajv.addSchema(schema);
  const cache = new Map<string, ValidateFunction>();
  const compiled = (id: string): ValidateFunction => {
    let fn = cache.get(id);
    if (!fn) {
      fn = ajv.getSchema(id);
      if (!fn) throw new Error(`STIX schema ${id} did not compile`);
      cache.set(id, fn);
    }
    return fn;
  };
  return {
    validatorFor: (type, scoLike) => compiled(byType.get(type) ?? (scoLike ? scoCoreId : coreId)),
    hasType: (type) => byType.has(type),
  };
}

/** Ajv's errors as issues: "objects[3].kill_chain_phases[0].phase_name: must be string". */
export function ajvIssues(errors: readonly ErrorObject[] | null | undefined, where: string, max = 3): ParseIssue[] {
  const seen = new Set<string>();
  const out: ParseIssue[] = [];
  // Branch failures of oneOf/anyOf come first and say little; the most specific message is kept first.
  const sorted = [...(errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
  for (const e of sorted) {
    let at = where + e.instancePath.split('/').slice(1).map(segment).join('');
    const params = e.params as { additionalProperty?: unknown; missingProperty?: unknown };
    // A missing property is reported at its own place, as the spec rules do, so the two agree.
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') at += segment(params.missingProperty);
    if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') at += segment(params.additionalProperty);
    const reason = `${e.message ?? e.keyword} (schema)`;
    const key = `${at}|${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ where: at, reason });
    if (out.length >= max) break;
  }
  return out;
}

function segment(part: string): string {
  const name = part.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(name) ? `[${name}]` : `.${clip(name, 60)}`;
}
