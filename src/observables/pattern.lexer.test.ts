import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tokenize } from './pattern.lexer.ts';

// Issue 17: the lexer reads its ASCII character classes from character codes, not RegExps. It must cut every text
// into the same tokens, and fail on the same texts with the same errors at the same places, as the RegExp lexer did.

// A seeded generator (mulberry32): the same texts at every run.
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces of patterns and of hostile text: every ASCII space and a slash that is no comment, Unicode spaces and
// characters just past ASCII, literals well and badly formed, keywords, numbers, escapes, NUL and an emoji.
const PIECES = ['a', 'Z', '_', '-', '0', '7', '+', '.', '[', ']', '(', ')', ':', ',', '*', "'", '\\', '=', '<', '>', '!', '/', '/*', '*/', '//', ' ', '\t', '\n', '\r', '\v', '\f', '\u0085', '\u00a0', '\u2028', '\u3000', '\u0080', '\u0084', '\u00e9', '😀', "t'", "h'", "b'", "t'2016-01-01T00:00:00Z'", "h'ab'", "b'YWJj'", 'AND', 'OR', 'IN', 'true', 'false', 'ipv4-addr', 'value', '1.5', '-3', '\u0000', '\u007f', '`', '@', '#'];

describe('the pattern lexer', () => {
  it('cuts 200,000 random texts as the RegExp lexer did (digest of its tokens and errors)', () => {
    const random = seeded(17);
    const digest = createHash('sha256');
    let failed = 0;
    for (let i = 0; i < 200_000; i++) {
      let text = '';
      const n = Math.floor(random() * 12);
      for (let k = 0; k < n; k++) text += PIECES[Math.floor(random() * PIECES.length)];
      try {
        digest.update(JSON.stringify(tokenize(text)));
      } catch (e) {
        failed++;
        digest.update(`${(e as Error).message}@${(e as { position: number }).position}`);
      }
    }
    // Computed with the RegExp lexer (main at 49fa86e) on the same texts.
    expect(failed).toBe(57_874);
    expect(digest.digest('hex')).toBe('99a7e27af0e30033c09abce3d2356d47b744bba40caf2211cc5d9a49a410a2bf');
  });

  it('skips every kind of space and comment, and reads words, numbers and other characters', () => {
    const kinds = (text: string) => tokenize(text).map((t) => `${t.type}:${t.text}`);
    expect(kinds("\t\n\v\f\r \u0085\u00a0\u2028\u3000[ipv4-addr:value/* c */=// x\n'a']")).toEqual([
      'lbrack:[',
      'ident:ipv4-addr',
      'colon::',
      'ident:value',
      'op:=',
      "string:'a'",
      'rbrack:]',
      'eof:<EOF>',
    ]);
    expect(kinds('_a-1 AND true -2.5 +3 . \u0084')).toEqual(['ident:_a-1', 'keyword:AND', 'bool:true', 'float:-2.5', 'int:+3', 'dot:.', 'other:\u0084', 'eof:<EOF>']);
    expect(tokenize('x-y')[0]).toMatchObject({ type: 'ident', text: 'x-y', hyphen: true });
    expect(() => tokenize('a /* open')).toThrow('unterminated comment');
  });
});
