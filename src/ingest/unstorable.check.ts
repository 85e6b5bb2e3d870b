import { findUnstorable, MAX_NESTING, scrubText } from '../shared/unstorable.ts';
import type { ParseIssue, ParseResult } from './parsers/parse-result.ts';

/**
 * Objects holding text the database cannot store (NUL, lone surrogates) or nested too deep become errors
 * naming the object and field; strict ingests then take nothing, lenient ones the rest. Runs before the
 * dry-run branch, so a dry run refuses exactly what the real ingest would (issue 10.8).
 * @example const safe = withoutUnstorable(parsed, params.lenient)
 */
export function withoutUnstorable(parsed: ParseResult, lenient: boolean): ParseResult {
  if (parsed.textChecked) return parsed;
  const errors: ParseIssue[] = [];
  const keep: ParseResult['objects'] = [];
  parsed.objects.forEach((o, i) => {
    const issue = unstorableIssue(o, i);
    if (!issue) return void keep.push(o);
    errors.push(issue);
  });
  if (errors.length === 0) return parsed;
  return { ...parsed, objects: lenient ? keep : [], errors: [...errors, ...parsed.errors], textChecked: true };
}

/** An issue safe to store and show: NULs and lone surrogates in its text become U+FFFD. */
export function storableIssue(i: ParseIssue): ParseIssue {
  return { where: scrubText(i.where), reason: scrubText(i.reason) };
}

/** The error of an object (the file's `index`th) holding text the database cannot store, or null. */
export function unstorableIssue(o: ParseResult['objects'][number], index: number): ParseIssue | null {
  const bad = findUnstorable(o);
  if (!bad) return null;
  const id = typeof o.id === 'string' ? ` (${scrubText(o.id.slice(0, 120))})` : '';
  return { where: `objects[${index}]${id}${bad.path}`, reason: bad.reason };
}

/**
 * Whether the JSON text of a value (JSON.stringify's) shows it holds nothing unstorableIssue refuses: JSON.stringify
 * writes a NUL and a lone surrogate as a backslash-u escape, and nesting deeper than MAX_NESTING needs more opening brackets
 * than that. False when unsure (any backslash-u, many brackets): the value is then checked itself. A parse that serializes
 * each object for its size anyway answers for it at the cost of a scan (issue 17).
 * @example storableJson(JSON.stringify({ name: 'a' })) // true
 */
export function storableJson(json: string): boolean {
  if (json.includes('\\u')) return false;
  if (json.length <= 2 * MAX_NESTING) return true;
  let open = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if ((c === 0x7b || c === 0x5b) && ++open >= MAX_NESTING) return false;
  }
  return true;
}
