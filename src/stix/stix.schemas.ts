import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
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

// Issue 17: Ajv2019 and Ajv2020 keep account of the properties and items each subschema evaluated, for these two
// keywords, and so run every branch of an anyOf even after one passed. OASIS's properties.json checks the value of
// every property against six types in an anyOf: a string made five error objects (two replace() each) that the
// passing branch then threw away, half of an indicator's validation time. Without the two keywords the account
// decides nothing (an anyOf passes or fails alike, with the same errors when it fails): an Ajv for schemas that do
// not use them keeps none, and refuses to compile them rather than judge them without it.
const EVALUATED_KEYWORDS = ['unevaluatedProperties', 'unevaluatedItems'] as const;

/** True when a schema (or any schema inside it) uses unevaluatedProperties or unevaluatedItems. */
export function usesEvaluatedKeywords(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(usesEvaluatedKeywords);
  if (!node || typeof node !== 'object') return false;
  for (const [key, value] of Object.entries(node)) {
    if ((EVALUATED_KEYWORDS as readonly string[]).includes(key) || usesEvaluatedKeywords(value)) return true;
  }
  return false;
}

/** The patterns of property names (patternProperties' keys) a schema uses, added to `into`. */
function namePatternsOf(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const n of node) namePatternsOf(n, into);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'patternProperties' && value && typeof value === 'object') for (const p of Object.keys(value)) into.add(p);
      namePatternsOf(value, into);
    }
  }
  return into;
}

// Issue 17: OASIS's properties.json matches every property name of every object against three patterns, twice (one
// pass for additionalProperties, one per pattern), and the names repeat from object to object: a pattern of property
// names remembers its verdict on the last texts it saw (a RegExp without the g or y flag is a function of the text).
const REMEMBERED = 1_000;
const REMEMBERED_LENGTH = 250;

/** Ajv's RegExp engine: a plain RegExp, or for a pattern of property names one that remembers its last verdicts. */
function regExpEngine(namePatterns: ReadonlySet<string>): RegExpEngine {
  const engine = (pattern: string, flags: string): RegExpLike => {
    const rx = new RegExp(pattern, flags);
    if (!namePatterns.has(pattern)) return rx;
    let seen = new Map<string, boolean>();
    const remembering: RegExpLike & { toString(): string } = {
      test(text: string): boolean {
        if (text.length > REMEMBERED_LENGTH) return rx.test(text);
        let verdict = seen.get(text);
        if (verdict === undefined) {
          if (seen.size >= REMEMBERED) seen = new Map();
          seen.set(text, (verdict = rx.test(text)));
        }
        return verdict;
      },
      // Ajv keys its scope values by the text of the RegExp.
      toString: () => rx.toString(),
    };
    return remembering;
  };
  return Object.assign(engine, { code: 'new RegExp' });
}

/** How newStixAjv's Ajv is made. */
export interface StixAjvOptions {
  /** Keep the account of evaluated properties, for schemas that use unevaluatedProperties/Items. */
  readonly evaluatedKeywords?: boolean;
  /** Patterns of property names (patternProperties' keys): their verdicts are remembered per name. */
  readonly namePatterns?: ReadonlySet<string>;
}

/**
 * A new Ajv for STIX schemas of a JSON Schema draft (2020-12 unless told): formats, first error
 * only (fast), non-unicode regexps as the OASIS patterns need. Unless `evaluatedKeywords` is true, it
 * keeps no account of evaluated properties and refuses schemas that use unevaluatedProperties/Items.
 * @example newStixAjv().compile({ type: 'string', format: 'uri' })('https://example.org/') // true
 */
export function newStixAjv(draft = 'https://json-schema.org/draft/2020-12/schema', opts: StixAjvOptions = {}): AnyAjv {
  const AjvClass = own(AJV_BY_DRAFT, draft);
  if (!AjvClass) throw new Error(`JSON Schema draft ${draft} is not supported (2020-12, 2019-09, draft-07 or draft-06 are)`);
  const code = opts.namePatterns && opts.namePatterns.size > 0 ? { regExp: regExpEngine(opts.namePatterns) } : {};
  const ajv = new AjvClass({ allErrors: false, strict: false, unicodeRegExp: false, validateSchema: false, code });
  if (opts.evaluatedKeywords !== true && ajv.opts.unevaluated) {
    // Ajv2019/2020 force the option in their constructor; the compiler reads it at each compile.
    (ajv.opts as { unevaluated?: boolean }).unevaluated = false;
    for (const keyword of EVALUATED_KEYWORDS) {
      ajv.removeKeyword(keyword);
      ajv.addKeyword({
        keyword,
        compile: () => {
          throw new Error(`${keyword} needs an Ajv made with evaluatedKeywords (newStixAjv)`);
        },
      });
    }
  }
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
 * Throws when the folder is not the OASIS schema set, naming the file and the reason. Ajv keeps an
 * account of evaluated properties only when a file uses unevaluatedProperties/Items (or when told); its
 * patterns of property names remember their verdicts unless `rememberNames` is false.
 */
export function loadStixSchemas(dir: string, opts: { readonly evaluatedKeywords?: boolean; readonly rememberNames?: boolean } = {}): StixSchemaSet {
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
  const namePatterns = opts.rememberNames === false ? undefined : namePatternsOf(loaded, new Set());
  const ajv = newStixAjv([...drafts][0], { evaluatedKeywords: opts.evaluatedKeywords ?? loaded.some(usesEvaluatedKeywords), namePatterns });
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
