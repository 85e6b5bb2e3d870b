import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { ParseIssue } from '../ingest/parsers/parse-result.ts';
import type { StixObject } from './stix.types.ts';
import { checkSpecRules, type RuleResult } from './stix.rules.ts';
import { ajvIssues, loadStixSchemas, newStixAjv, type StixSchemaSet } from './stix.schemas.ts';
import { EXT_IDS, SCO_SCHEMAS } from './extensions.ts';
import { INCIDENT_DAMAGE_SCHEMA } from './extension.schemas.ts';
import { identifierType } from './stix.refs.ts';
import { clip } from './stix.timestamp.ts';

/** What a bundle holds once checked: its valid objects, and what was wrong or odd, by place. */
export interface BundleCheck {
  /** The objects without errors, in bundle order. */
  readonly objects: StixObject[];
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
}

/** Validates STIX 2.1 objects and bundles: the spec's rules always, the OASIS schemas when given. */
export interface StixValidator {
  /** The errors of one object; `where` prefixes each issue ("objects[12]"). Empty means valid. */
  validateObject(obj: unknown, where: string): ParseIssue[];
  /** Errors and warnings of one object. */
  checkObject(obj: unknown, where: string): RuleResult;
  /** Checks a bundle and each of its objects; a lone object is taken as a bundle of one, with a warning. */
  validateBundle(bundle: unknown): BundleCheck;
  /** True when the OASIS schemas are in use. */
  readonly usesSchemas: boolean;
}

// Start time (issue 17.3): Kessetsu's own schemas are compiled on first use, once per process (compiling all of
// them cost ~0.3 s of CPU at every start, before the first request could be answered).
let ownAjv: ReturnType<typeof newStixAjv> | undefined;
const ownSco = new Map<string, ValidateFunction>();
let ownDamage: ValidateFunction | undefined;

function ownScoValidator(type: string): ValidateFunction | undefined {
  if (!Object.hasOwn(SCO_SCHEMAS, type)) return undefined;
  let v = ownSco.get(type);
  if (!v) ownSco.set(type, (v = (ownAjv ??= newStixAjv()).compile((SCO_SCHEMAS as Record<string, object>)[type]!)));
  return v;
}

const ownDamageValidator = (): ValidateFunction => (ownDamage ??= (ownAjv ??= newStixAjv()).compile(INCIDENT_DAMAGE_SCHEMA));

const BUNDLE_ID = /^bundle--/;

// Start time (issue 17.3): every app (and every hub a test starts) asked for the same schemas again; they are
// read and compiled once per process and folder. The validators keep no state between calls.
const schemaSets = new Map<string, StixSchemaSet>();

function schemaSet(dir: string): StixSchemaSet {
  let set = schemaSets.get(dir);
  if (!set) schemaSets.set(dir, (set = loadStixSchemas(dir)));
  return set;
}

/**
 * A validator; `schemaDir` is the OASIS STIX 2.1 schema folder (common/, sdos/, sros/, observables/),
 * or undefined to apply the spec's rules and Kessetsu's extension schemas only. Schemas are read
 * once per process and folder, and each type's validator is compiled on first use, then cached.
 * @example createStixValidator('/work/shared/data/stix/schemas').validateBundle(JSON.parse(text)).errors
 */
export function createStixValidator(schemaDir: string | undefined): StixValidator {
  const schemas: StixSchemaSet | undefined = schemaDir === undefined ? undefined : schemaSet(schemaDir);

  const checkObject = (obj: unknown, where: string): RuleResult => {
    const outcome = checkSpecRules(obj, where);
    const { errors, warnings, type, kind } = outcome;
    // The schemas only see objects whose type and id are sound: their patterns are not all safe
    // against hostile strings, and their errors would only repeat ours.
    if (type === undefined || errors.some((e) => e.where === `${where}.type` || e.where === `${where}.id`)) return outcome;
    const o = obj as Record<string, unknown>;
    if (schemas) {
      const scoLike = kind === 'sco' || ((kind === 'custom' || kind === 'extension-defined') && o.created === undefined);
      const validate = schemas.validatorFor(type, scoLike);
      if (!validate(o)) {
        const known = new Set(errors.map((e) => e.where));
        errors.push(...ajvIssues(validate.errors, where).filter((e) => !known.has(e.where)));
      }
    }
    const sco = ownScoValidator(type);
    if (sco && !sco(o)) errors.push(...ajvIssues(sco.errors, where));
    const damage = (o.extensions as Record<string, unknown> | undefined)?.[EXT_IDS.incidentDamage];
    if (damage !== undefined) {
      const at = `${where}.extensions.${EXT_IDS.incidentDamage}`;
      const validateDamage = ownDamageValidator();
      if (!validateDamage(damage)) errors.push(...ajvIssues(validateDamage.errors, at));
      if (type !== 'incident') warnings.push({ where: at, reason: `the damage extension is defined for incident, not for ${type}` });
    }
    return { errors, warnings };
  };

  const validateBundle = (input: unknown): BundleCheck => {
    const errors: ParseIssue[] = [];
    const warnings: ParseIssue[] = [];
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      errors.push({ where: 'bundle', reason: `must be a JSON object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}` });
      return { objects: [], errors, warnings };
    }
    const b = input as Record<string, unknown>;
    let list: unknown[];
    if (b.type !== 'bundle' && typeof b.type === 'string' && b.objects === undefined) {
      warnings.push({ where: 'bundle', reason: `a lone ${clip(b.type, 60)} object, not a bundle: taken as a bundle of one` });
      list = [b];
    } else {
      if (b.type !== 'bundle') errors.push({ where: 'type', reason: 'must be "bundle"' });
      if (typeof b.id !== 'string' || !BUNDLE_ID.test(b.id) || identifierType(b.id) !== 'bundle') {
        errors.push({ where: 'id', reason: 'must be a bundle identifier (bundle--RFC 4122 UUID)' });
      }
      if (b.spec_version === '2.0') errors.push({ where: 'spec_version', reason: 'STIX 2.0 bundle: upgrade it to 2.1 first' });
      else if (b.spec_version !== undefined) warnings.push({ where: 'spec_version', reason: 'a STIX 2.1 bundle has no spec_version; ignored' });
      if (b.objects === undefined) list = [];
      else if (Array.isArray(b.objects)) list = b.objects;
      else {
        errors.push({ where: 'objects', reason: 'must be a list of STIX objects' });
        list = [];
      }
    }
    const objects: StixObject[] = [];
    const versions = new Set<string>();
    list.forEach((obj, i) => {
      const where = `objects[${i}]`;
      const r = checkObject(obj, where);
      errors.push(...r.errors);
      warnings.push(...r.warnings);
      if (r.errors.length > 0) return;
      const o = obj as StixObject;
      // One id may appear in several versions (different modified); the same version twice is noise.
      const version = `${o.id}|${String(o.modified ?? o.created ?? '')}`;
      if (versions.has(version)) warnings.push({ where, reason: `duplicate of an earlier object (same id ${o.id} and modified)` });
      versions.add(version);
      objects.push(o);
    });
    return { objects, errors, warnings };
  };

  return {
    validateObject: (obj, where) => checkObject(obj, where).errors,
    checkObject,
    validateBundle,
    usesSchemas: schemas !== undefined,
  };
}
