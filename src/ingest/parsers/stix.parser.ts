import type { StixObject } from '../../stix/stix.types.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import { isStix20Bundle, upgradeStix20Bundle } from '../../stix/stix20.upgrade.ts';
import { parseJsonText } from './json-text.ts';
import { ParseError, type ParseIssue, type ParseResult } from './parse-result.ts';
import { findUnstorable } from '../../shared/unstorable.ts';

/** Options of the STIX importer. */
export interface StixParseOptions {
  /** Keep the valid objects and report the rest; default all-or-nothing. */
  readonly lenient?: boolean;
}

function asBundle(json: unknown): { bundle: unknown; wrapped: boolean } {
  if (Array.isArray(json)) return { bundle: { type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects: json }, wrapped: true };
  if (json && typeof json === 'object' && (json as { type?: unknown }).type !== 'bundle' && typeof (json as { type?: unknown }).type === 'string')
    return { bundle: { type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects: [json] }, wrapped: true };
  return { bundle: json, wrapped: false };
}

/**
 * Reads a STIX 2.1 bundle (or a single object, or an array of objects); STIX 2.0 is upgraded first.
 * Errors name the object index and property; in strict mode any error rejects the whole file.
 * @example const result = parseStix(buf, validator)
 */
export function parseStix(input: Buffer | string | unknown, validator: StixValidator, opts: StixParseOptions = {}): ParseResult {
  const json = Buffer.isBuffer(input) || typeof input === 'string' ? parseJsonText(input, 'bundle') : input;
  if (!json || typeof json !== 'object') throw new ParseError('bundle', 'expected a STIX bundle object, got ' + (json === null ? 'null' : typeof json));
  const { bundle } = asBundle(json);
  const objectsField = (bundle as { objects?: unknown }).objects;
  if ((bundle as { type?: unknown }).type !== 'bundle') throw new ParseError('bundle.type', 'expected "bundle"');
  if (objectsField !== undefined && !Array.isArray(objectsField)) throw new ParseError('bundle.objects', 'must be an array');
  const warnings: ParseIssue[] = [];
  let format: ParseResult['format'] = 'stix';
  let source = bundle;
  if (isStix20Bundle(bundle)) {
    const up = upgradeStix20Bundle(bundle);
    warnings.push(...up.warnings, { where: 'bundle', reason: 'STIX 2.0 content upgraded to 2.1' });
    source = { type: 'bundle', id: (bundle as { id?: string }).id ?? 'bundle--00000000-0000-4000-8000-000000000000', objects: up.objects };
    format = 'stix20';
  }
  // Text the database cannot hold (NUL, lone surrogates) is an error of its object, like any invalid field (issue 10.8).
  const unstorable = new Set<unknown>();
  const textErrors: ParseIssue[] = [];
  ((source as { objects?: unknown[] }).objects ?? []).forEach((o, i) => {
    const bad = findUnstorable(o);
    if (!bad) return;
    unstorable.add(o);
    textErrors.push({ where: `objects[${i}]${bad.path}`, reason: bad.reason });
  });
  const checked = validator.validateBundle(source);
  warnings.push(...checked.warnings);
  const total = ((source as { objects?: unknown[] }).objects ?? []).length;
  const objects: StixObject[] = unstorable.size ? checked.objects.filter((o) => !unstorable.has(o)) : checked.objects;
  const errors = [...textErrors, ...checked.errors];
  if (errors.length && !opts.lenient) {
    return { format, objects: [], errors, warnings, summary: { objects: total, rejected_all: true }, textChecked: true };
  }
  return { format, objects, errors, warnings, summary: { objects: total }, textChecked: true };
}
