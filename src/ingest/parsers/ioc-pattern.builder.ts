import type { StixObject } from '../../stix/stix.types.ts';
import { patternString } from '../../stix/pattern-string.ts';
import { idProperties } from '../../stix/deterministic-id.ts';

/** One STIX pattern comparison: `<objectType>:<path> [NOT] <op> <value>`. */
export interface Comparison {
  readonly objectType: string;
  /** The object path after the colon, already quoted where needed: `value`, `hashes.'SHA-256'`. */
  readonly path: string;
  readonly op: '=' | '!=' | '>' | '<' | '>=' | '<=' | 'LIKE' | 'MATCHES';
  readonly value: string | number | boolean;
  readonly negate?: boolean;
}

/** A boolean tree of comparisons, as STIX 1 compositions and OpenIOC indicators nest them. */
export type PatternNode =
  | { readonly kind: 'cmp'; readonly cmp: Comparison }
  | { readonly kind: 'and' | 'or'; readonly children: readonly PatternNode[] };

/** A path step for a property name: bare when it is an identifier, quoted otherwise (`hashes.'SHA-256'`). */
export function pathStep(name: string): string {
  return /^[a-z_][a-z0-9_]*$/i.test(name) ? name : patternString(name);
}

/** The text of one comparison. */
export function comparisonText(c: Comparison): string {
  const value = typeof c.value === 'string' ? patternString(c.value) : String(c.value);
  return `${c.objectType}:${c.path} ${c.negate ? 'NOT ' : ''}${c.op} ${value}`;
}

/** A leaf of a pattern tree. */
export function cmp(objectType: string, path: string, value: string | number | boolean, op: Comparison['op'] = '=', negate = false): PatternNode {
  return { kind: 'cmp', cmp: negate ? { objectType, path, op, value, negate } : { objectType, path, op, value } };
}

function objectTypes(node: PatternNode, into = new Set<string>()): Set<string> {
  if (node.kind === 'cmp') into.add(node.cmp.objectType);
  else for (const c of node.children) objectTypes(c, into);
  return into;
}

function comparisonExpression(node: PatternNode, nested: boolean): string {
  if (node.kind === 'cmp') return comparisonText(node.cmp);
  if (node.children.length === 1) return comparisonExpression(node.children[0]!, nested);
  const text = node.children.map((c) => comparisonExpression(c, true)).join(node.kind === 'and' ? ' AND ' : ' OR ');
  return nested ? `(${text})` : text;
}

// Comparisons on different object types may not share one observation expression (STIX 2.1
// section 9.5), so a tree spanning several types becomes observation expressions joined alike.
function observationExpression(node: PatternNode, nested: boolean): string {
  if (objectTypes(node).size <= 1) return `[${comparisonExpression(node, false)}]`;
  if (node.kind === 'cmp') return `[${comparisonText(node.cmp)}]`;
  if (node.children.length === 1) return observationExpression(node.children[0]!, nested);
  const text = node.children.map((c) => observationExpression(c, true)).join(node.kind === 'and' ? ' AND ' : ' OR ');
  return nested ? `(${text})` : text;
}

/**
 * The STIX 2.1 pattern of a comparison tree.
 * @example patternOf({ kind: 'or', children: [cmp('ipv4-addr', 'value', '198.51.100.1'), cmp('domain-name', 'value', 'example.com')] })
 * // "[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'example.com']"
 */
export function patternOf(node: PatternNode): string {
  return observationExpression(node, false);
}

/** Comparisons that pin down an observable: its id-contributing scalar properties and each of its hashes. */
export function scoComparisons(obj: StixObject): PatternNode[] {
  const out: PatternNode[] = [];
  for (const name of idProperties(obj.type) ?? []) {
    const v = obj[name];
    if (name === 'hashes' && v && typeof v === 'object') {
      for (const [algo, h] of Object.entries(v as Record<string, unknown>)) if (typeof h === 'string') out.push(cmp(obj.type, `hashes.${pathStep(algo)}`, h));
    } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      if (!name.endsWith('_ref')) out.push(cmp(obj.type, name, v));
    }
  }
  return out;
}

/** The pattern that matches all of these observables together (one observation each), or undefined when none can be expressed. */
export function scoPattern(objs: readonly StixObject[]): string | undefined {
  const parts = objs.map((o) => scoComparisons(o)).filter((c) => c.length > 0);
  if (parts.length === 0) return undefined;
  return parts.map((children) => `[${comparisonExpression({ kind: 'and', children }, false)}]`).join(' AND ');
}

/**
 * Combines converted parts of a source condition: an AND with an unconvertible part is dropped whole
 * (dropping a conjunct would widen it into false positives), an OR keeps the parts it can express.
 * @example combine('or', [a, undefined]) // a
 */
export function combine(kind: 'and' | 'or', parts: readonly (PatternNode | undefined)[]): PatternNode | undefined {
  if (kind === 'and' && parts.some((p) => p === undefined)) return undefined;
  const kept = parts.filter((p): p is PatternNode => p !== undefined);
  if (kept.length === 0) return undefined;
  return kept.length === 1 ? kept[0] : { kind, children: kept };
}
