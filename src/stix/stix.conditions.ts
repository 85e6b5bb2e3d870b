import type { ParseIssue } from '../ingest/parsers/parse-result.ts';
import { parsePattern } from '../observables/pattern.parser.ts';
import { knownProperties, own } from './stix.catalog.ts';
import { clip } from './stix.timestamp.ts';

// Requirements of the spec that depend on other properties or on value ranges, per type.

type Props = Readonly<Record<string, unknown>>;
type Check = (o: Props, at: (p: string) => string, errors: ParseIssue[], warnings: ParseIssue[]) => void;

const has = (o: Props, p: string): boolean => o[p] !== undefined && o[p] !== null;

function integerIn(o: Props, p: string, min: number, max: number, at: (p: string) => string, errors: ParseIssue[]): void {
  const v = o[p];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) errors.push({ where: at(p), reason: `must be an integer from ${min} to ${max}` });
}

function numberIn(o: Props, p: string, min: number, max: number, at: (p: string) => string, errors: ParseIssue[]): void {
  const v = o[p];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) errors.push({ where: at(p), reason: `must be a number from ${min} to ${max}` });
}

const BY_TYPE: Readonly<Record<string, Check>> = {
  // A STIX pattern must parse by the OASIS grammar (issue 11.3): an unparsable one matches nothing and
  // would be re-served to every partner. The column is counted from 0, as the OASIS validator does.
  indicator(o, at, errors) {
    if (o.pattern_type !== 'stix' || typeof o.pattern !== 'string') return;
    const r = parsePattern(o.pattern);
    if (!r.ok) errors.push({ where: at('pattern'), reason: `${typeof o.id === 'string' ? `${clip(o.id, 80)}: ` : ''}the STIX pattern does not parse at column ${r.position}: ${clip(r.error, 300)}` });
  },
  malware(o, at, errors) {
    if (has(o, 'is_family') && typeof o.is_family !== 'boolean') errors.push({ where: at('is_family'), reason: 'must be true or false' });
    if (o.is_family === true && !has(o, 'name')) errors.push({ where: at('name'), reason: 'missing: required on a malware family (is_family true)' });
  },
  location(o, at, errors) {
    if (!has(o, 'region') && !has(o, 'country') && !(has(o, 'latitude') && has(o, 'longitude'))) {
      errors.push({ where: at('region'), reason: 'a location needs region, country, or latitude and longitude' });
    }
    if (has(o, 'latitude') !== has(o, 'longitude')) errors.push({ where: at(has(o, 'latitude') ? 'longitude' : 'latitude'), reason: 'latitude and longitude go together' });
    if (has(o, 'precision') && !has(o, 'latitude')) errors.push({ where: at('precision'), reason: 'precision needs latitude and longitude' });
    numberIn(o, 'latitude', -90, 90, at, errors);
    numberIn(o, 'longitude', -180, 180, at, errors);
  },
  'malware-analysis'(o, at, errors) {
    if (!has(o, 'result') && !has(o, 'analysis_sco_refs')) errors.push({ where: at('result'), reason: 'a malware analysis needs result or analysis_sco_refs' });
  },
  'observed-data'(o, at, errors, warnings) {
    if (has(o, 'objects') === has(o, 'object_refs')) errors.push({ where: at('object_refs'), reason: 'observed-data has exactly one of object_refs and the deprecated objects' });
    else if (has(o, 'objects')) warnings.push({ where: at('objects'), reason: 'embedded objects are deprecated in STIX 2.1: use object_refs' });
    integerIn(o, 'number_observed', 1, 999_999_999, at, errors);
  },
  sighting(o, at, errors) {
    integerIn(o, 'count', 0, 999_999_999, at, errors);
  },
  relationship(o, at, errors) {
    const t = o.relationship_type;
    if (has(o, 'relationship_type') && (typeof t !== 'string' || !/^[a-z0-9-]{1,250}$/.test(t))) {
      errors.push({ where: at('relationship_type'), reason: 'must be lower-case a-z, 0-9 and hyphen' });
    }
  },
  'marking-definition'(o, at, errors) {
    const legacy = has(o, 'definition_type') || has(o, 'definition');
    if (legacy && !(has(o, 'definition_type') && has(o, 'definition'))) errors.push({ where: at('definition'), reason: 'definition_type and definition go together' });
    if (!legacy && !has(o, 'extensions')) errors.push({ where: at('extensions'), reason: 'a marking definition needs definition_type and definition, or an extension' });
  },
  artifact(o, at, errors) {
    if (has(o, 'payload_bin') && has(o, 'url')) errors.push({ where: at('url'), reason: 'an artifact has payload_bin or url, not both' });
    if (has(o, 'url') && !has(o, 'hashes')) errors.push({ where: at('hashes'), reason: 'missing: required when an artifact has a url' });
  },
  file(o, at, errors) {
    if (!has(o, 'hashes') && !has(o, 'name')) errors.push({ where: at('hashes'), reason: 'a file needs hashes or name' });
    integerIn(o, 'size', 0, Number.MAX_SAFE_INTEGER, at, errors);
  },
  'network-traffic'(o, at, errors) {
    if (!has(o, 'src_ref') && !has(o, 'dst_ref')) errors.push({ where: at('src_ref'), reason: 'network traffic needs src_ref or dst_ref' });
    integerIn(o, 'src_port', 0, 65535, at, errors);
    integerIn(o, 'dst_port', 0, 65535, at, errors);
    if (o.is_active === true && has(o, 'end')) errors.push({ where: at('end'), reason: 'active traffic (is_active true) has no end' });
  },
  'autonomous-system'(o, at, errors) {
    integerIn(o, 'number', 0, 4_294_967_295, at, errors);
  },
  'extension-definition'(o, at, errors) {
    const types = o.extension_types;
    const toplevel = Array.isArray(types) && types.includes('toplevel-property-extension');
    if (has(o, 'extension_properties') && !toplevel) errors.push({ where: at('extension_properties'), reason: 'only for toplevel-property-extension definitions' });
  },
};

function checkGranularMarkings(o: Props, at: (p: string) => string, errors: ParseIssue[]): void {
  const gm = o.granular_markings;
  if (gm === undefined) return;
  if (!Array.isArray(gm)) {
    errors.push({ where: at('granular_markings'), reason: 'must be a list' });
    return;
  }
  gm.forEach((m: unknown, i) => {
    const w = at(`granular_markings[${i}]`);
    if (!m || typeof m !== 'object' || Array.isArray(m)) return void errors.push({ where: w, reason: 'must be an object' });
    const g = m as Props;
    if (has(g, 'marking_ref') === has(g, 'lang')) errors.push({ where: w, reason: 'a granular marking has exactly one of marking_ref and lang' });
    if (!Array.isArray(g.selectors) || g.selectors.length === 0 || !g.selectors.every((s) => typeof s === 'string')) {
      errors.push({ where: `${w}.selectors`, reason: 'must be a non-empty list of selector strings' });
    }
  });
}

function checkExternalReferences(o: Props, at: (p: string) => string, errors: ParseIssue[]): void {
  const refs = o.external_references;
  if (refs === undefined) return;
  if (!Array.isArray(refs)) return void errors.push({ where: at('external_references'), reason: 'must be a list' });
  refs.forEach((r: unknown, i) => {
    const w = at(`external_references[${i}]`);
    if (!r || typeof r !== 'object' || Array.isArray(r)) return void errors.push({ where: w, reason: 'must be an object' });
    const e = r as Props;
    if (typeof e.source_name !== 'string') errors.push({ where: `${w}.source_name`, reason: 'missing: every external reference has a source_name' });
    if ((e.source_name === 'cve' || e.source_name === 'capec') && typeof e.external_id !== 'string') {
      errors.push({ where: `${w}.external_id`, reason: `missing: required for ${e.source_name} references` });
    }
    if (!has(e, 'description') && !has(e, 'url') && !has(e, 'external_id')) {
      errors.push({ where: w, reason: 'an external reference needs description, url or external_id' });
    }
  });
}

/**
 * The spec's conditional and range requirements of an object (its type already checked): lists not
 * empty, confidence 0-100, granular markings and external references well formed, and per-type rules.
 */
export function checkConditions(o: Props, type: string, where: string, errors: ParseIssue[], warnings: ParseIssue[]): void {
  const at = (p: string): string => `${where}.${p}`;
  integerIn(o, 'confidence', 0, 100, at, errors);
  if (has(o, 'revoked') && typeof o.revoked !== 'boolean') errors.push({ where: at('revoked'), reason: 'must be true or false' });
  // The spec forbids empty lists; only its own properties are held to it, custom ones are the producer's.
  const known = knownProperties(type);
  for (const [p, v] of Object.entries(o)) {
    if (Array.isArray(v) && v.length === 0 && (known ? known.has(p) : !p.startsWith('x_'))) errors.push({ where: at(clip(p, 60)), reason: 'must not be an empty list' });
  }
  checkGranularMarkings(o, at, errors);
  checkExternalReferences(o, at, errors);
  own(BY_TYPE, type)?.(o, at, errors, warnings);
}
