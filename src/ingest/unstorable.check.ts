import { findUnstorable, scrubText } from '../shared/unstorable.ts';
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
    const bad = findUnstorable(o);
    if (!bad) return void keep.push(o);
    const id = typeof o.id === 'string' ? ` (${scrubText(o.id.slice(0, 120))})` : '';
    errors.push({ where: `objects[${i}]${id}${bad.path}`, reason: bad.reason });
  });
  if (errors.length === 0) return parsed;
  return { ...parsed, objects: lenient ? keep : [], errors: [...errors, ...parsed.errors], textChecked: true };
}

/** An issue safe to store and show: NULs and lone surrogates in its text become U+FFFD. */
export function storableIssue(i: ParseIssue): ParseIssue {
  return { where: scrubText(i.where), reason: scrubText(i.reason) };
}
