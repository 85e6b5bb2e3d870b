import { ParseError, type ParseIssue } from '../ingest/parsers/parse-result.ts';
import type { StixObject } from './stix.types.ts';
import { SCO_TYPES } from './stix.types.ts';
import { embeddedToScos } from './stix20.observables.ts';
import { withMillis } from './stix.timestamp.ts';
import { TLP1_MARKING_IDS } from '../trust/tlp.ts';
import { own } from './stix.catalog.ts';

// STIX 2.0 → 2.1, after the spec's "changes from 2.0" and what the OASIS elevator does for 2.0 input.

/** In 2.0 `labels` was the required type vocabulary of these objects; 2.1 gave each its own property. */
const LABELS_BECOME: Readonly<Record<string, string>> = {
  indicator: 'indicator_types',
  malware: 'malware_types',
  report: 'report_types',
  'threat-actor': 'threat_actor_types',
  tool: 'tool_types',
};

type Dict = Record<string, unknown>;

/**
 * The TLP 1.0 marking as STIX 2.1 predefines it (section 7.2.1.4): 2.1 allows no other content
 * under these ids, and 2.0 producers wrote them without a name.
 */
function tlp1Marking(id: string): StixObject | undefined {
  const level = own(TLP1_MARKING_IDS, id);
  if (!level) return undefined;
  const tlp = level === 'clear' ? 'white' : level;
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: `TLP:${tlp.toUpperCase()}`,
    definition: { tlp },
  };
}
const isDict = (v: unknown): v is Dict => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * True for a STIX 2.0 bundle: it says spec_version "2.0", one of its objects does, or its
 * non-observable objects carry no spec_version at all (which 2.1 requires of them).
 * @example isStix20Bundle({ type: 'bundle', spec_version: '2.0', id: 'bundle--…', objects: [] }) // true
 */
export function isStix20Bundle(json: unknown): boolean {
  if (!isDict(json) || json.type !== 'bundle') return false;
  if (json.spec_version === '2.0') return true;
  if (!Array.isArray(json.objects)) return false;
  let unversioned = false;
  for (const o of json.objects) {
    if (!isDict(o)) continue;
    if (o.spec_version === '2.0') return true;
    if (o.spec_version === '2.1') return false;
    if (o.spec_version === undefined && typeof o.type === 'string' && !SCO_TYPES.has(o.type)) unversioned = true;
  }
  return unversioned;
}

/** Granular-marking selectors that named `labels` now name the property the labels moved to. */
function moveSelectors(markings: unknown, to: string): unknown {
  if (!Array.isArray(markings)) return markings;
  return markings.map((m: unknown) => {
    if (!isDict(m) || !Array.isArray(m.selectors)) return m;
    const selectors = m.selectors.map((s: unknown) => (typeof s === 'string' && (s === 'labels' || s.startsWith('labels.')) ? to + s.slice('labels'.length) : s));
    return { ...m, selectors };
  });
}

function upgradeObject(input: Dict, where: string, warnings: ParseIssue[], extra: StixObject[]): Dict {
  if (input.spec_version === '2.1') return input;
  if (input.type === 'marking-definition' && typeof input.id === 'string') {
    const predefined = tlp1Marking(input.id);
    if (predefined) return predefined;
  }
  const o: Dict = { ...input, spec_version: '2.1' };
  // 2.1 holds created and modified to the millisecond; 2.0 producers often wrote whole seconds.
  for (const p of ['created', 'modified']) if (typeof o[p] === 'string') o[p] = withMillis(o[p]);
  const type = typeof o.type === 'string' ? o.type : '';

  const target = own(LABELS_BECOME, type);
  if (target && Array.isArray(o.labels) && o[target] === undefined) {
    o[target] = o.labels;
    delete o.labels;
    if (o.granular_markings !== undefined) o.granular_markings = moveSelectors(o.granular_markings, target);
  }
  if (type === 'indicator' && o.pattern_type === undefined) o.pattern_type = 'stix';
  if (type === 'malware' && o.is_family === undefined) o.is_family = true;

  if (type === 'observed-data' && isDict(o.objects) && o.object_refs === undefined) {
    const observedId = typeof o.id === 'string' ? o.id : where;
    const { scos } = embeddedToScos(observedId, o.objects, `${where}.objects`, warnings);
    delete o.objects;
    if (scos.length > 0) o.object_refs = scos.map((s) => s.id);
    else warnings.push({ where: `${where}.objects`, reason: 'no observable could be taken from the embedded objects' });
    extra.push(...scos);
  }
  return o;
}

/**
 * Upgrades a STIX 2.0 bundle to STIX 2.1 objects: spec_version on each object, `labels` moved to
 * the type vocabularies (indicator_types with pattern_type "stix", malware_types with is_family,
 * report_types, threat_actor_types, tool_types), observed-data's embedded observables made into
 * SCOs with deterministic ids referenced by object_refs. TLP 1.0 markings keep their ids, which
 * 2.1 predefines. Objects keep their index; the new SCOs follow, each once.
 * Throws a ParseError only when the input is not a bundle at all.
 * @example upgradeStix20Bundle(JSON.parse(text)).objects.every((o) => o.spec_version === '2.1') // true
 */
export function upgradeStix20Bundle(bundle: unknown): { objects: StixObject[]; warnings: ParseIssue[] } {
  if (!isDict(bundle) || bundle.type !== 'bundle') throw new ParseError('bundle', 'not a STIX bundle: a JSON object with "type": "bundle" is expected');
  if (!Array.isArray(bundle.objects)) {
    if (bundle.objects === undefined) return { objects: [], warnings: [] };
    throw new ParseError('objects', 'must be a list of STIX objects');
  }
  const warnings: ParseIssue[] = [];
  const extra: StixObject[] = [];
  const objects = bundle.objects.map((o: unknown, i) => {
    // Non-objects stay where they were, for the validator to name at their index.
    if (!isDict(o)) return o as StixObject;
    return upgradeObject(o, `objects[${i}]`, warnings, extra) as StixObject;
  });
  const seen = new Set(objects.filter(isDict).map((o) => o.id));
  for (const sco of extra) {
    if (seen.has(sco.id)) continue;
    seen.add(sco.id);
    objects.push(sco);
  }
  return { objects, warnings };
}
