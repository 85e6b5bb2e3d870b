import type { StixObject } from '../../stix/stix.types.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import { isStix20Bundle, upgradeStix20Bundle } from '../../stix/stix20.upgrade.ts';
import { parseJsonText } from './json-text.ts';
import { ParseError, type ParseIssue, type ParseResult } from './parse-result.ts';
import { findUnstorable } from '../../shared/unstorable.ts';
import { storableJson } from '../unstorable.check.ts';
import { jsonBytesBound, objectBytes, oversizeIssue, tooManyObjects, type ObjectLimits } from '../ingest.limits.ts';
import { broadIn, broadIssue, REFS } from '../broad-cidr.check.ts';
import type { PrefixLimits } from '../../observables/cidr.limit.ts';
import { tlpOfMarkingId, tlpOfMarkingObject } from '../../trust/tlp.ts';
import { generatedIndicatorId } from './stable-id.factory.ts';
import { indicatorKeys } from '../parse/carried-keys.ts';
import { IdSet } from '../id.set.ts';

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

// The bundle to validate (a lone object or a list wrapped, STIX 2.0 upgraded), its format, and the upgrade's warnings.
function bundleSource(input: unknown): { source: unknown; format: 'stix' | 'stix20'; warnings: ParseIssue[] } {
  const json = Buffer.isBuffer(input) || typeof input === 'string' ? parseJsonText(input, 'bundle') : input;
  if (!json || typeof json !== 'object') throw new ParseError('bundle', 'expected a STIX bundle object, got ' + (json === null ? 'null' : typeof json));
  const { bundle } = asBundle(json);
  const objectsField = (bundle as { objects?: unknown }).objects;
  if ((bundle as { type?: unknown }).type !== 'bundle') throw new ParseError('bundle.type', 'expected "bundle"');
  if (objectsField !== undefined && !Array.isArray(objectsField)) throw new ParseError('bundle.objects', 'must be an array');
  const warnings: ParseIssue[] = [];
  if (!isStix20Bundle(bundle)) return { source: bundle, format: 'stix', warnings };
  const up = upgradeStix20Bundle(bundle);
  warnings.push(...up.warnings, { where: 'bundle', reason: 'STIX 2.0 content upgraded to 2.1' });
  return { source: { type: 'bundle', id: (bundle as { id?: string }).id ?? 'bundle--00000000-0000-4000-8000-000000000000', objects: up.objects }, format: 'stix20', warnings };
}

/**
 * Reads a STIX 2.1 bundle (or a single object, or an array of objects); STIX 2.0 is upgraded first.
 * Errors name the object index and property; in strict mode any error rejects the whole file.
 * @example const result = parseStix(buf, validator)
 */
export function parseStix(input: Buffer | string | unknown, validator: StixValidator, opts: StixParseOptions = {}): ParseResult {
  const { source, format, warnings } = bundleSource(input);
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

/** What a bundle given out in slices is held to: strictness, the object limits, the broadest CIDRs taken. */
export interface StixSliceOptions extends StixParseOptions {
  readonly limits: ObjectLimits;
  readonly prefixLimits: PrefixLimits;
}

/** One slice of a bundle: objects valid, storable, within the limits and the CIDR prefixes (`checked`). */
export interface StixSlice {
  readonly objects: StixObject[];
  readonly progress: number;
  readonly checked: true;
  /** Each object's indicatorKeys (null for an object that is not an indicator with a STIX pattern): see carried-keys.ts. */
  readonly patternKeys: (string[] | null)[];
  /** The ids of the slice's objects that an object of the bundle refers to (ParseSlice.targets). */
  readonly targets: string[];
}

// Ids the importers make are version-5 UUIDs (the 22nd character from the end), as prepare.ts tells them.
const mayBeDerived = (id: string): boolean => id.length >= 36 && id.charCodeAt(id.length - 22) === 0x35;

// broadIn on an object not yet validated: what is not an object, or a pattern the key reader chokes on, is not broad
// (validation refuses it anyway).
function rawBroadIn(o: unknown, limits: PrefixLimits): string | null {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return null;
  const { type } = o as { type?: unknown };
  if (type !== 'ipv4-addr' && type !== 'ipv6-addr' && type !== 'indicator') return null;
  try {
    return broadIn(o as StixObject, limits);
  } catch {
    return null;
  }
}

/**
 * parseStix, enforceObjectLimits and withoutBroadCidrs of a bundle, given out in slices of about `sliceObjects`
 * objects as they are validated (issue 17): the body is parsed whole (JSON.parse), each object is checked once, in
 * order, and the end (the head) carries the errors, warnings and summary the whole-file path makes, in its order.
 * What the whole path decides over the whole file is decided before the first slice, from a look over the raw
 * objects: which ids are refused as broad ranges (a relationship may come before the address it points at), and
 * so whether a strict bundle is refused for one. A strict bundle with an invalid object gives no slice from there on
 * and says rejected_all at the end (the caller rolls back what it wrote). Slices are never cut between two versions
 * of one id (written in one batch, as a whole bundle's are), nor before the last local TLP marking definition or
 * importer-made indicator id (the preparation needs those before the objects that use them).
 * @example for (let r = slices.next(); !r.done; r = slices.next()) write(r.value.objects)
 */
export function* stixSlices(input: Buffer, validator: StixValidator, opts: StixSliceOptions, sliceObjects: number): Generator<StixSlice, Omit<ParseResult, 'objects'>> {
  const { source, format, warnings } = bundleSource(input);
  const { limits, prefixLimits } = opts;
  const lenient = opts.lenient === true;
  const list = (source as { objects?: unknown[] }).objects ?? [];
  const shell = validator.validateBundle({ ...(source as object), objects: [] });
  const errors: ParseIssue[] = [...shell.errors];
  warnings.push(...shell.warnings);
  // The look over the raw objects: the last place of each id, where the first slice must reach, broad candidates.
  let last: Map<string, number> | null = new Map<string, number>();
  // Ids the bundle holds more than once: only their places are kept (a slice must not end between two of them), and
  // only they can be the same version twice.
  const repeated = new Map<string, number>();
  let reach = -1;
  const candidates: number[] = [];
  // Every id a reference of the bundle names (as the dangling-reference check reads them): only those of the objects
  // given out need to be remembered by that check (issue 17: most objects of a bundle are no reference's target).
  // Kept compactly (IdSet): a bundle of relationships names two ids an object.
  const referenced = new IdSet();
  for (let i = 0; i < list.length; i++) {
    const o = list[i] as { id?: unknown; type?: unknown; pattern?: unknown } | null;
    if (!o || typeof o !== 'object') continue;
    refsOf(o as Record<string, unknown>, referenced);
    const id = o.id;
    if (typeof id !== 'string') continue;
    const size = last.size;
    if (last.set(id, i).size === size) repeated.set(id, i);
    if (o.type === 'marking-definition' && !tlpOfMarkingId(id) && tlpOfMarkingObject(o as StixObject)) reach = i;
    else if (o.type === 'indicator' && typeof o.pattern === 'string' && mayBeDerived(id) && id === generatedIndicatorId(o.pattern)) reach = i;
    if (rawBroadIn(o, prefixLimits)) candidates.push(i);
  }
  for (const id of repeated.keys()) repeated.set(id, last.get(id)!);
  last = null;
  // Ids refused as broad ranges: those of the objects the whole path would have kept up to that check.
  const broadIds = new Set<string>();
  for (const i of candidates) {
    const o = list[i] as StixObject;
    if (findUnstorable(o) || validator.checkObject(o, `objects[${i}]`).errors.length) continue;
    if (limits.maxObjectBytes !== null && objectBytes(o) > limits.maxObjectBytes) continue;
    broadIds.add(o.id);
  }
  // Text the database cannot hold (NUL, lone surrogates) reaches a value read from UTF-8 JSON only through a backslash-u
  // escape of the file: the objects of a STIX 2.1 file without one are not checked for it (issue 17). The nesting was
  // checked over the whole file as it was parsed (parseJsonText). An upgraded STIX 2.0 bundle's objects are made anew.
  const plainText = format === 'stix' && !input.includes('\\u');
  const textErrors: ParseIssue[] = [];
  const oversize: ParseIssue[] = [];
  const broad: ParseIssue[] = [];
  const versions = new Set<string>();
  // Set once nothing more is to be given out: the bundle is refused whole (or over the object count).
  let refused = !lenient && (errors.length > 0 || (format === 'stix' && broadIds.size > 0));
  let kept = 0;
  let limited = 0;
  let out: StixObject[] = [];
  let keys: (string[] | null)[] = [];
  let targets: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const raw = list[i];
    // The bundle was parsed here: an object given out (or refused) is not held by the parse until its end.
    list[i] = undefined;
    const where = `objects[${i}]`;
    const id = repeated.size > 0 ? (raw as { id?: unknown } | null)?.id : undefined;
    const again = typeof id === 'string' ? repeated.get(id) : undefined;
    if (again !== undefined) reach = Math.max(reach, again);
    // An object is written as JSON only when it may be larger than the limit (jsonBytesBound) or, in a file with
    // escapes, to say whether it holds unstorable text (storableJson): most objects are not walked again for it
    // (issue 17). A value JSON.stringify cannot write (nested past its stack) is walked.
    // In a file with escapes the JSON is written anyway: no bound is walked to spare it.
    const bound = limits.maxObjectBytes === null ? 0 : plainText ? jsonBytesBound(raw, limits.maxObjectBytes) : Infinity;
    const json = limits.maxObjectBytes !== null && bound > limits.maxObjectBytes ? jsonOf(raw) : undefined;
    const bad = plainText || (json !== undefined && storableJson(json)) ? null : findUnstorable(raw);
    if (bad) textErrors.push({ where: `${where}${bad.path}`, reason: bad.reason });
    const r = validator.checkObject(raw, where);
    for (const e of r.errors) errors.push(e);
    for (const w of r.warnings) warnings.push(w);
    if (r.errors.length === 0 && again !== undefined) {
      // One id may appear in several versions (different modified); the same version twice is noise (validateBundle).
      const o = raw as StixObject;
      const version = `${o.id}|${String(o.modified ?? o.created ?? '')}`;
      if (versions.has(version)) warnings.push({ where, reason: `duplicate of an earlier object (same id ${o.id} and modified)` });
      versions.add(version);
    }
    if (r.errors.length > 0 || bad) {
      if (!lenient) refused = true;
    } else {
      const o = raw as StixObject;
      const index = kept++;
      if (limits.maxObjects !== null && kept > limits.maxObjects) refused = true;
      // objectBytes(o), where the bound does not answer: the validation changes nothing of the object.
      const size = limits.maxObjectBytes === null || bound <= limits.maxObjectBytes ? 0 : json !== undefined ? Buffer.byteLength(json, 'utf8') : objectBytes(o);
      if (limits.maxObjectBytes !== null && size > limits.maxObjectBytes) {
        oversize.push(oversizeIssue(index, o, size, limits.maxObjectBytes));
        if (!lenient) refused = true;
      } else {
        const at = limited++;
        if (broadIds.size > 0 && broadIds.has(o.id)) {
          const what = broadIn(o, prefixLimits);
          if (what) broad.push(broadIssue(o, at, what, prefixLimits));
        } else if (!(broadIds.size > 0 && REFS.some((k) => typeof o[k] === 'string' && broadIds.has(o[k])))) {
          out.push(o);
          // Validation parsed the pattern just now: the keys come from that parse (parsePattern remembers the last).
          keys.push(indicatorKeys(o));
          if (referenced.size > 0 && referenced.has(o.id)) targets.push(o.id);
        }
      }
    }
    if (refused) {
      out = [];
      keys = [];
      targets = [];
    } else if (out.length >= sliceObjects && i >= reach) {
      yield { objects: out, progress: (i + 1) / list.length, checked: true, patternKeys: keys, targets };
      out = [];
      keys = [];
      targets = [];
    }
  }
  if (!refused && out.length > 0) yield { objects: out, progress: 1, checked: true, patternKeys: keys, targets };
  const total = list.length;
  const parseErrors = [...textErrors, ...errors];
  if (parseErrors.length > 0 && !lenient) return { format, errors: parseErrors, warnings, summary: { objects: total, rejected_all: true }, textChecked: true };
  if (limits.maxObjects !== null && kept > limits.maxObjects) throw tooManyObjects(kept, limits.maxObjects);
  if (oversize.length > 0 && !lenient) return { format, errors: [...parseErrors, ...oversize], warnings, summary: { objects: total, rejected_all: true }, textChecked: true };
  const held = [...parseErrors, ...oversize];
  // withoutBroadCidrs: errors for STIX 2.1 and lenient ingests, warnings for an upgraded STIX 2.0 bundle taken strictly.
  if (broad.length === 0 || lenient || format === 'stix') return { format, errors: [...held, ...broad], warnings, summary: { objects: total }, textChecked: true };
  return { format, errors: held, warnings: [...warnings, ...broad], summary: { objects: total }, textChecked: true };
}

// An object's JSON text, or undefined when JSON.stringify cannot write it (a value nested past its stack).
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

// The ids an object's references name, as DanglingRefs reads them (its own `*_ref` and `*_refs` properties).
function refsOf(o: Readonly<Record<string, unknown>>, into: IdSet): void {
  for (const k of Object.keys(o)) {
    if (k.endsWith('_ref')) {
      const v = o[k];
      if (typeof v === 'string') into.add(v);
    } else if (k.endsWith('_refs')) {
      const v = o[k];
      if (Array.isArray(v)) for (const r of v) if (typeof r === 'string') into.add(r);
    }
  }
}
