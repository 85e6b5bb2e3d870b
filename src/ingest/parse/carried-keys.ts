import { patternKeys } from '../../observables/pattern.keys.ts';
import type { StixObject } from '../../stix/stix.types.ts';

// Issue 17: the parse worker parses every indicator's pattern to validate it; the observable keys the pattern matches
// on are derived there too and come to the main thread with the slice, so the preparation does not parse the pattern
// a second time. They are held here by pattern (keys are a function of the pattern alone, so an object made from
// another, with its id or markings changed, finds them too), for the last two slices only: a pattern not found is
// parsed again, as before. (A WeakMap by object cost ~2 µs a set on the main thread.)
let current = new Map<string, readonly string[]>();
let previous = new Map<string, readonly string[]>();

/**
 * The keys keysOf gives an indicator with a STIX pattern (none when the pattern cannot be matched by key), or null
 * for any other object (its keys are not carried).
 * @example indicatorKeys({ type: 'indicator', pattern_type: 'stix', pattern: "[ipv4-addr:value = '198.51.100.1']", … }) // ['ipv4-addr:198.51.100.1']
 */
export function indicatorKeys(o: StixObject): string[] | null {
  if (o.type !== 'indicator' || o.pattern_type !== 'stix' || typeof o.pattern !== 'string') return null;
  const r = patternKeys(o.pattern);
  return r.usable ? r.keys : [];
}

/** Remembers a slice's carried keys (indicatorKeys of each object, in order) by pattern, in place of the slice before last's. */
export function carryKeys(objects: readonly StixObject[], keys: readonly (readonly string[] | null)[] | undefined): void {
  if (!keys || keys.length !== objects.length) return;
  previous = current;
  current = new Map();
  for (let i = 0; i < objects.length; i++) {
    const k = keys[i];
    if (k) current.set(objects[i]!.pattern as string, k);
  }
}

/** The keys carried for a pattern of the last two slices (shared: never to be changed), or undefined. */
export function carriedKeys(pattern: string): readonly string[] | undefined {
  return current.get(pattern) ?? previous.get(pattern);
}
