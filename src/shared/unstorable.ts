/** How deep arrays and objects may nest in anything the hub takes (STIX and MISP nest a handful of levels). */
export const MAX_NESTING = 100;

/** What is wrong with a value and where: a path such as `.objects[3].name` (empty for the value itself). */
export interface Unstorable {
  readonly path: string;
  readonly reason: string;
}

// With the u flag, \p{Cs} matches only unpaired surrogates: a proper pair is one code point.
const LONE_SURROGATE = /\p{Cs}/u;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Why a string cannot be stored as text (PostgreSQL refuses U+0000 in text and jsonb, and a lone UTF-16
 * surrogate is not Unicode), or null when it can.
 * @example textFault('a\u0000b') // 'contains a NUL character (U+0000)'
 */
export function textFault(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(s)) return 'contains a lone UTF-16 surrogate (not a Unicode character), which cannot be stored';
  return null;
}

/** A string safe to show and store in an error message: NULs and lone surrogates become U+FFFD. */
export function scrubText(s: string): string {
  return textFault(s) === null ? s : s.replaceAll('\u0000', '\ufffd').replace(new RegExp(LONE_SURROGATE.source, 'gu'), '\ufffd');
}

function segment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  if (IDENTIFIER.test(key)) return `.${key}`;
  return `[${JSON.stringify(scrubText(key.length > 60 ? `${key.slice(0, 60)}…` : key))}]`;
}

interface Frame {
  readonly node: object;
  readonly keys: readonly string[] | null;
  readonly key: string | number | null;
  i: number;
}

function pathOf(frames: readonly Frame[], leaf: string | number | null, limit = 12): string {
  const keys = [...frames.slice(1).map((f) => f.key!), ...(leaf === null ? [] : [leaf])];
  const shown = keys.length > limit ? [...keys.slice(0, limit).map(segment), `…(${keys.length - limit} more levels)`] : keys.map(segment);
  return shown.join('');
}

/**
 * The first string (value or property name) that cannot be stored, or the first array or object nested
 * deeper than `maxDepth`, in a parsed JSON value; null when all is well. Walks without recursion, so a
 * value nested 200,000 deep is answered, not a stack overflow.
 * @example findUnstorable({ objects: [{ name: 'a\u0000' }] }) // { path: '.objects[0].name', reason: 'contains a NUL …' }
 */
export function findUnstorable(value: unknown, opts: { maxDepth?: number; text?: boolean } = {}): Unstorable | null {
  const maxDepth = opts.maxDepth ?? MAX_NESTING;
  const text = opts.text ?? true;
  if (typeof value === 'string') {
    const fault = text ? textFault(value) : null;
    return fault ? { path: '', reason: fault } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  const frames: Frame[] = [{ node: value, keys: Array.isArray(value) ? null : Object.keys(value), key: null, i: 0 }];
  while (frames.length) {
    const f = frames[frames.length - 1]!;
    const size = f.keys ? f.keys.length : (f.node as unknown[]).length;
    if (f.i >= size) {
      frames.pop();
      continue;
    }
    const key: string | number = f.keys ? f.keys[f.i]! : f.i;
    f.i++;
    if (text && typeof key === 'string') {
      const fault = textFault(key);
      if (fault) return { path: pathOf(frames, key), reason: `property name ${fault}` };
    }
    const child = (f.node as Record<string | number, unknown>)[key];
    if (typeof child === 'string') {
      const fault = text ? textFault(child) : null;
      if (fault) return { path: pathOf(frames, key), reason: fault };
    } else if (child !== null && typeof child === 'object') {
      if (frames.length >= maxDepth) return { path: pathOf(frames, key), reason: `arrays and objects nested deeper than ${maxDepth} levels` };
      frames.push({ node: child, keys: Array.isArray(child) ? null : Object.keys(child), key, i: 0 });
    }
  }
  return null;
}
