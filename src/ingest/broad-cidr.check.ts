import { broadKey, limitsText, tooBroad, type PrefixLimits } from '../observables/cidr.limit.ts';
import { patternKeys } from '../observables/pattern.keys.ts';
import type { StixObject } from '../stix/stix.types.ts';
import type { ParseIssue, ParseResult } from './parsers/parse-result.ts';

// Issue 11.3: a range broader than the configured prefix ("1.1.1.1/0" is 0.0.0.0/0) is refused: the
// address object, every indicator whose pattern names it, and the relationships and sightings that
// point at them. Strict STIX ingests then take nothing (all or nothing), lenient ones and the
// extracting formats (text, CSV, MISP, e-mail) the rest.

/** The references by which a relationship or sighting is dropped with the object it points at. */
export const REFS = ['source_ref', 'target_ref', 'sighting_of_ref'] as const;

// A pattern can only name a CIDR in a string literal ending in "/<prefix>" (normalizeIpv4/normalizeIpv6 take
// digits only after the slash, then at most the "]" of a bracketed IPv6 and blanks): a pattern without that shape
// is not parsed again here (every URL pattern holds a slash; prepareObjects parses each pattern once for its keys).
const MAY_NAME_CIDR = /\/\s*\d{1,3}\s*\]?\s*'/;

/** What of an object is broader than the limits ("ipv4-addr 1.0.0.0/8", "its pattern names …"), or null. */
export function broadIn(o: StixObject, limits: PrefixLimits): string | null {
  if ((o.type === 'ipv4-addr' || o.type === 'ipv6-addr') && typeof o.value === 'string') {
    return tooBroad(o.type, o.value, limits) === null ? null : `${o.type} ${o.value}`;
  }
  if (o.type === 'indicator' && o.pattern_type === 'stix' && typeof o.pattern === 'string' && MAY_NAME_CIDR.test(o.pattern)) {
    const key = patternKeys(o.pattern).keys.find((k) => broadKey(k, limits));
    return key ? `its pattern names ${key.replace(':', ' ')}` : null;
  }
  return null;
}

/**
 * The parse result without objects naming CIDRs broader than the limits (errors naming each object),
 * nor the relationships and sightings that point at them.
 * @example const safe = withoutBroadCidrs(parsed, { v4: 16, v6: 32 }, params.lenient)
 */
export function withoutBroadCidrs(parsed: ParseResult, limits: PrefixLimits, lenient: boolean): ParseResult {
  const refused = new Set<string>();
  const errors: ParseIssue[] = [];
  parsed.objects.forEach((o, i) => {
    const what = broadIn(o, limits);
    if (!what) return;
    refused.add(o.id);
    errors.push(broadIssue(o, i, what, limits));
  });
  if (refused.size === 0) return parsed;
  const strict = parsed.format === 'stix' && !lenient;
  const keep = strict ? [] : parsed.objects.filter((o) => !refused.has(o.id) && !REFS.some((r) => typeof o[r] === 'string' && refused.has(o[r])));
  // Extracted formats keep their other values: the refusal is a warning there, the file is not at fault.
  return strict || lenient || parsed.format === 'stix'
    ? { ...parsed, objects: keep, errors: [...parsed.errors, ...errors] }
    : { ...parsed, objects: keep, warnings: [...parsed.warnings, ...errors] };
}

/** The issue of the file's `index`th object, refused for naming a broad range. */
export function broadIssue(o: StixObject, index: number, what: string, limits: PrefixLimits): ParseIssue {
  return { where: `objects[${index}] (${o.id})`, reason: `refused: ${what}, a range ${limitsText(limits)}` };
}
