import { ParseError } from './parse-result.ts';
import { findUnstorable } from '../../shared/unstorable.ts';

/** Line and column of a character offset, for error messages. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

/**
 * Decodes a buffer as UTF-8 JSON; a syntax error names its line and column, a truncated file says so,
 * nesting deeper than MAX_NESTING names the path.
 * @example parseJsonText(buf, 'bundle')
 */
export function parseJsonText(input: Buffer | string, what: string): unknown {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new ParseError(what, 'the file is empty');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    if (/Unexpected end of JSON input|Unterminated string/.test(msg) && !pos) throw new ParseError(what, 'the JSON ends too early: the file looks truncated');
    if (pos) {
      const offset = Number(pos[1]);
      const { line, column } = lineColumn(body, offset);
      const truncated = offset >= body.trimEnd().length - 1 ? ' (the file looks truncated)' : '';
      throw new ParseError(`${what} line ${line} column ${column}`, `malformed JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}${truncated}`);
    }
    throw new ParseError(what, `malformed JSON: ${msg}`);
  }
  // Nesting is checked before anything walks the value (recursive code would overflow the stack).
  const deep = findUnstorable(json, { text: false });
  if (deep) throw new ParseError(`${what}${deep.path}`, deep.reason);
  return json;
}
