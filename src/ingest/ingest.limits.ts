import { AppError } from '../shared/errors.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { formatBytes } from './body.ts';
import type { IngestFormat, ParseIssue, ParseResult } from './parsers/parse-result.ts';

/** Ceilings on what one ingest may hold; null means no ceiling. */
export interface ObjectLimits {
  /** Largest STIX object, serialized as JSON, in bytes. */
  readonly maxObjectBytes: number | null;
  /** Most objects per ingest. */
  readonly maxObjects: number | null;
  /** Most lines of a CSV or text file. */
  readonly maxLines: number | null;
}

/** No ceilings at all (trusted callers that bring their own). */
export const NO_LIMITS: ObjectLimits = { maxObjectBytes: null, maxObjects: null, maxLines: null };

const LINE_FORMATS: ReadonlySet<string> = new Set<IngestFormat>(['csv', 'text', 'cowrie']);

/** Counts the lines of a buffer (memchr speed), stopping once past `stopAfter`. */
export function countLines(body: Buffer, stopAfter = Infinity): number {
  let lines = body.length > 0 && body[body.length - 1] !== 0x0a ? 1 : 0;
  for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, i + 1)) if (++lines > stopAfter) break;
  return lines;
}

/**
 * Refuses a CSV or text file with more lines than allowed, before it is parsed.
 * @example checkLines(body, 'text', { maxLines: 2_000_000, maxObjects: null, maxObjectBytes: null })
 */
export function checkLines(body: Buffer, format: IngestFormat | null, limits: ObjectLimits): void {
  if (limits.maxLines === null || format === null || !LINE_FORMATS.has(format)) return;
  const lines = countLines(body, limits.maxLines);
  if (lines > limits.maxLines)
    throw new AppError('payload_too_large', `the file has more than ${limits.maxLines.toLocaleString('en')} lines, the most one ingest may hold (KESSETSU_INGEST_MAX_LINES): split it`, {
      limit: 'KESSETSU_INGEST_MAX_LINES',
      max_lines: limits.maxLines,
    });
}

/** The 413 of a file holding more objects than one ingest may hold. */
export function tooManyObjects(objects: number, maxObjects: number): AppError {
  return new AppError('payload_too_large', `the file holds ${objects.toLocaleString('en')} objects, more than the ${maxObjects.toLocaleString('en')} one ingest may hold (KESSETSU_INGEST_MAX_OBJECTS): split it`, {
    limit: 'KESSETSU_INGEST_MAX_OBJECTS',
    max_objects: maxObjects,
    objects,
  });
}

/** The issue of one object larger than allowed, naming its index, id and size. */
export function oversizeIssue(index: number, o: StixObject, size: number, maxBytes: number): ParseIssue {
  const id = typeof o.id === 'string' ? o.id.slice(0, 120) : String(o.type).slice(0, 60);
  return { where: `objects[${index}] (${id})`, reason: `${formatBytes(size)} serialized, over the ${formatBytes(maxBytes)} limit per object (KESSETSU_MAX_OBJECT_BYTES)` };
}

/** Serialized size of an object in bytes (UTF-8 JSON, as stored and served). */
export function objectBytes(obj: StixObject): number {
  return Buffer.byteLength(JSON.stringify(obj), 'utf8');
}

/**
 * An upper bound of objectBytes(value) reached without writing the JSON (issue 17: a parse that only asks whether each
 * object is within the limit): each UTF-16 unit of a string or property name counts 6 bytes (the longest way JSON writes
 * one, a backslash-u escape), a number 24 characters (its longest form), quotes, colons, commas and brackets as they
 * are. Counting stops once past `limit`: a larger answer only says the value may be above it (objectBytes then tells).
 * For a parsed JSON value (no toJSON methods, no undefined).
 * @example jsonBytesBound({ name: 'a' }, 1024) // 38: braces and a comma's place 3, "name": 6 × 4 + 3, "a": 6 + 2
 */
export function jsonBytesBound(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') total += 6 * v.length + 2;
    else if (typeof v === 'number') total += 24;
    else if (Array.isArray(v)) {
      total += 2 + v.length;
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      total += 2 + keys.length;
      for (const k of keys) {
        total += 6 * k.length + 3;
        stack.push((v as Record<string, unknown>)[k]);
      }
    } else total += 5; // true, false, null
  }
  return total;
}

/** The issues of objects larger than allowed, naming each by index, id and size. */
export function oversizeObjects(objects: readonly StixObject[], maxBytes: number): { index: number; issue: ParseIssue }[] {
  const found: { index: number; issue: ParseIssue }[] = [];
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    const size = objectBytes(o);
    if (size <= maxBytes) continue;
    found.push({ index: i, issue: oversizeIssue(i, o, size, maxBytes) });
  }
  return found;
}

/**
 * Holds a parse result to the object limits: too many objects refuse the file (413); objects too large
 * are errors naming index, id and size, rejecting the whole file unless lenient (then only they are dropped).
 * @example const held = enforceObjectLimits(parsed, limits, false)
 */
export function enforceObjectLimits(result: ParseResult, limits: ObjectLimits, lenient: boolean): ParseResult {
  if (limits.maxObjects !== null && result.objects.length > limits.maxObjects) throw tooManyObjects(result.objects.length, limits.maxObjects);
  if (limits.maxObjectBytes === null) return result;
  const big = oversizeObjects(result.objects, limits.maxObjectBytes);
  if (big.length === 0) return result;
  const errors = [...result.errors, ...big.map((b) => b.issue)];
  if (!lenient) return { ...result, objects: [], errors, summary: { ...result.summary, objects: result.summary?.objects ?? result.objects.length, rejected_all: true } };
  const drop = new Set(big.map((b) => b.index));
  return { ...result, objects: result.objects.filter((_, i) => !drop.has(i)), errors };
}
