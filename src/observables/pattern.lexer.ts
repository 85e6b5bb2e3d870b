// Tokens of the STIX 2.1 patterning grammar (the OASIS ANTLR grammar STIXPattern.g4): keywords are
// upper case and case-sensitive, booleans lower case; t'…', h'…' and b'…' are literals only when
// their content is well formed, otherwise the letter is an identifier, as with ANTLR's longest match.

/** Token types. */
export type TokenType =
  | 'lbrack'
  | 'rbrack'
  | 'lparen'
  | 'rparen'
  | 'colon'
  | 'dot'
  | 'comma'
  | 'star'
  | 'op'
  | 'keyword'
  | 'ident'
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'timestamp'
  | 'hex'
  | 'binary'
  | 'other'
  | 'eof';

/** A token: its type, the text as written, and its offset in the pattern. */
export interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly position: number;
  /** Decoded content of string, timestamp, hex and binary literals. */
  readonly content?: string;
  /** For identifiers: whether it has a hyphen (allowed in object types only). */
  readonly hyphen?: boolean;
}

/** A lexical error: where and why. */
export class PatternSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'PatternSyntaxError';
    this.position = position;
  }
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUPERSET', 'ISSUBSET', 'EXISTS', 'LAST', 'IN', 'START', 'STOP', 'SECONDS', 'WITHIN', 'REPEATS', 'TIMES']);
// The grammar's WS rule: ASCII and Unicode spaces, line and paragraph separators.
const SPACE = /[ \t\r\n\v\f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/y;
const FLOAT = /[+-]?[0-9]*\.[0-9]+/y;
const INT = /[+-]?(?:0|[1-9][0-9]*)/y;
const TIMESTAMP = /t'([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?Z)'/y;
const HEX = /h'((?:[0-9A-Fa-f]{2})*)'/y;
const BINARY = /b'((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==))'/y;
const PUNCT: Readonly<Record<string, TokenType>> = { '[': 'lbrack', ']': 'rbrack', '(': 'lparen', ')': 'rparen', ':': 'colon', ',': 'comma', '*': 'star' };

function sticky(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

// Issue 17: the lexer read every character class with a RegExp; the ASCII classes are read from the character code
// (the same sets: SPACE's ASCII members are tab to carriage return and space).
const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f; // [A-Za-z_]
const isWordPart = (c: number): boolean => isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d; // [A-Za-z0-9_-]
const isNumberStart = (c: number): boolean => (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e; // [0-9+\-.]

function skipSpaceAndComments(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    // Most tokens follow no space: an ASCII character that is neither a space nor a slash starts one.
    if (c < 0x80 && c !== 0x2f && !isAsciiSpace(c)) return at;
    if (isAsciiSpace(c) || sticky(SPACE, text, at)) at++;
    else if (text.startsWith('/*', at)) {
      const end = text.indexOf('*/', at + 2);
      if (end < 0) throw new PatternSyntaxError('unterminated comment', at);
      at = end + 2;
    } else if (text.startsWith('//', at)) {
      const nl = text.slice(at).search(/[\r\n]/);
      at = nl < 0 ? text.length : at + nl;
    } else return at;
  }
}

// A string literal admits exactly two escapes, \' and \\; anything else after a backslash is an error.
// Runs without an escape are taken whole (a character at a time made a string per character; issue 17). Linear in
// the text whatever it holds: each character is looked at once, each quote searched for once.
function readString(text: string, start: number): Token {
  let content = '';
  let i = start + 1;
  let quote = text.indexOf("'", i);
  for (;;) {
    // An escaped quote was taken: the literal ends at a later one.
    if (quote >= 0 && quote < i) quote = text.indexOf("'", i);
    const end = quote < 0 ? text.length : quote;
    let slash = i;
    while (slash < end && text.charCodeAt(slash) !== 0x5c) slash++;
    if (slash === end) {
      if (quote < 0) throw new PatternSyntaxError('unterminated string literal', start);
      content += text.slice(i, quote);
      return { type: 'string', text: text.slice(start, quote + 1), position: start, content };
    }
    const next = text[slash + 1];
    if (next !== "'" && next !== '\\') throw new PatternSyntaxError(`invalid escape '\\${next ?? ''}' in string literal (only \\' and \\\\ are allowed)`, slash);
    content += text.slice(i, slash) + next;
    i = slash + 2;
  }
}

function readPrefixedLiteral(text: string, at: number): Token | undefined {
  const c = text[at];
  const re = c === 't' ? TIMESTAMP : c === 'h' ? HEX : c === 'b' ? BINARY : undefined;
  if (!re || text[at + 1] !== "'") return undefined;
  const m = sticky(re, text, at);
  if (!m) return undefined;
  const type: TokenType = c === 't' ? 'timestamp' : c === 'h' ? 'hex' : 'binary';
  return { type, text: m[0], position: at, content: m[1] ?? '' };
}

function readNumber(text: string, at: number): Token | undefined {
  const f = sticky(FLOAT, text, at);
  const n = sticky(INT, text, at);
  if (f && (!n || f[0].length >= n[0].length)) return { type: 'float', text: f[0], position: at };
  if (n) return { type: 'int', text: n[0], position: at };
  return undefined;
}

function readOperator(text: string, at: number): Token | undefined {
  const two = text.slice(at, at + 2);
  if (two === '==' || two === '!=' || two === '<>' || two === '<=' || two === '>=') return { type: 'op', text: two, position: at };
  const one = text[at]!;
  if (one === '=' || one === '<' || one === '>') return { type: 'op', text: one, position: at };
  return undefined;
}

/** The token starting at `at` (after space and comments), or an eof token. */
function nextToken(text: string, from: number): Token {
  const at = skipSpaceAndComments(text, from);
  if (at >= text.length) return { type: 'eof', text: '<EOF>', position: text.length };
  const c = text[at]!;
  const punct = PUNCT[c];
  if (punct) return { type: punct, text: c, position: at };
  if (c === "'") return readString(text, at);
  const prefixed = readPrefixedLiteral(text, at);
  if (prefixed) return prefixed;
  const code = text.charCodeAt(at);
  if (isLetter(code)) {
    let end = at + 1;
    while (end < text.length && isWordPart(text.charCodeAt(end))) end++;
    const word = text.slice(at, end);
    if (KEYWORDS.has(word)) return { type: 'keyword', text: word, position: at };
    if (word === 'true' || word === 'false') return { type: 'bool', text: word, position: at };
    return { type: 'ident', text: word, position: at, hyphen: word.includes('-') };
  }
  if (isNumberStart(code)) {
    const number = readNumber(text, at);
    if (number) return number;
    if (c === '.') return { type: 'dot', text: c, position: at };
  }
  const op = readOperator(text, at);
  if (op) return op;
  // One code point, so that an emoji is reported whole.
  return { type: 'other', text: String.fromCodePoint(text.codePointAt(at)!), position: at };
}

/** All tokens of a pattern, ending with an eof token; throws PatternSyntaxError on a lexical error. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    const token = nextToken(text, at);
    tokens.push(token);
    if (token.type === 'eof') return tokens;
    at = token.position + token.text.length;
  }
}
