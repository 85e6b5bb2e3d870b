import type { ComparisonExpression, ObjectPath, ObservationExpression, PathStep, PatternLiteral, PatternOperator, PatternQualifier } from './pattern.ast.ts';
import { PatternSyntaxError, tokenize, type Token, type TokenType } from './pattern.lexer.ts';
import { checkHashLiterals } from './pattern.semantics.ts';

export { patternKeys, type PatternKeys } from './pattern.keys.ts';
export type * from './pattern.ast.ts';

/** Result of parsing a pattern: the tree, or the first error with its offset in the text. */
export type PatternParse = { ok: true; ast: ObservationExpression } | { ok: false; error: string; position: number };

// Patterns are indicator properties, yet an IN list of ten thousand hashes is legitimate.
const MAX_LENGTH = 4_000_000;
const MAX_DEPTH = 100;
const ORDER_OPS = new Set(['<', '<=', '>', '>=']);
const STRING_OPS = new Set(['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);
const LITERAL_TYPES = new Set<TokenType>(['string', 'int', 'float', 'bool', 'timestamp', 'hex', 'binary']);
const BAD_PREFIX: Readonly<Record<string, string>> = { t: 'timestamp', h: 'hex', b: 'binary (base64)' };

function quoted(token: Token): string {
  return token.type === 'eof' ? '<EOF>' : `'${token.text.length > 60 ? `${token.text.slice(0, 60)}…` : token.text}'`;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private get token(): Token {
    return this.tokens[this.index]!;
  }

  private advance(): Token {
    const t = this.token;
    if (t.type !== 'eof') this.index++;
    return t;
  }

  // A method, not `this.token.type`, so that TypeScript does not carry a narrowing past advance().
  private at(type: TokenType): boolean {
    return this.token.type === type;
  }

  private isKeyword(word: string): boolean {
    return this.token.type === 'keyword' && this.token.text === word;
  }

  private fail(expecting: string): never {
    const t = this.token;
    // '/', '^', '+' and '-' are tokens of the grammar that fit nowhere; anything else is not a token at all.
    if (t.type === 'other' && !'/^+-'.includes(t.text)) throw new PatternSyntaxError(`extraneous input ${quoted(t)}: not part of the pattern language`, t.position);
    throw new PatternSyntaxError(`mismatched input ${quoted(t)} expecting ${expecting}`, t.position);
  }

  private expect(type: TokenType, expecting: string): Token {
    if (this.token.type !== type) this.fail(expecting);
    return this.advance();
  }

  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.fail(`'${word}'`);
    this.advance();
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new PatternSyntaxError(`nested more than ${MAX_DEPTH} levels deep`, this.token.position);
  }

  pattern(): ObservationExpression {
    const first = this.token;
    if (first.type !== 'lbrack' && first.type !== 'lparen') throw new PatternSyntaxError('input is missing square brackets', 0);
    const ast = this.observations();
    if (this.token.type !== 'eof') this.fail('<EOF>');
    return ast;
  }

  private chain<T>(next: () => T, word: string, make: (operands: T[]) => T): T {
    const operands = [next()];
    while (this.isKeyword(word)) {
      this.advance();
      operands.push(next());
    }
    return operands.length === 1 ? operands[0]! : make(operands);
  }

  // Precedence, loosest first: FOLLOWEDBY, OR, AND, then qualifiers binding to one observation.
  private observations(): ObservationExpression {
    return this.chain(() => this.observationOr(), 'FOLLOWEDBY', (operands) => ({ kind: 'followedby', operands }));
  }

  private observationOr(): ObservationExpression {
    return this.chain(() => this.observationAnd(), 'OR', (operands) => ({ kind: 'or', operands }));
  }

  private observationAnd(): ObservationExpression {
    return this.chain(() => this.qualified(), 'AND', (operands) => ({ kind: 'and', operands }));
  }

  // The OASIS validator refuses two qualifiers of one type applied directly to a bracketed
  // observation, but allows them on a parenthesised group ("([…]) WITHIN 5 SECONDS WITHIN 6 SECONDS").
  private qualified(): ObservationExpression {
    const simple = this.token.type === 'lbrack';
    let expression = this.observationPrimary();
    const seen = new Set<string>();
    let count = 0;
    for (;;) {
      const at = this.token;
      let qualifier: PatternQualifier;
      if (this.isKeyword('WITHIN')) qualifier = this.within();
      else if (this.isKeyword('REPEATS')) qualifier = this.repeats();
      else if (this.isKeyword('START')) qualifier = this.startStop();
      else return expression;
      const name = qualifier.kind === 'start-stop' ? 'STARTSTOP' : qualifier.kind.toUpperCase();
      if (simple && seen.has(name)) throw new PatternSyntaxError(`Duplicate qualifier type encountered: ${name}`, at.position);
      seen.add(name);
      // Qualifiers nest the tree one level each; a bound keeps tree walkers off the stack limit.
      if (++count > MAX_DEPTH) throw new PatternSyntaxError(`more than ${MAX_DEPTH} qualifiers on one expression`, at.position);
      expression = { kind: 'qualified', expression, qualifier };
    }
  }

  private within(): PatternQualifier {
    this.advance();
    const t = this.token;
    if ((t.type !== 'int' && t.type !== 'float') || t.text.startsWith('-')) this.fail('{IntPosLiteral, FloatPosLiteral}');
    this.advance();
    this.expectKeyword('SECONDS');
    return { kind: 'within', seconds: Number(t.text) };
  }

  private repeats(): PatternQualifier {
    this.advance();
    const t = this.token;
    if (t.type !== 'int' || t.text.startsWith('-')) this.fail('IntPosLiteral');
    this.advance();
    this.expectKeyword('TIMES');
    return { kind: 'repeats', times: Number(t.text) };
  }

  private startStop(): PatternQualifier {
    this.advance();
    const start = this.expect('timestamp', 'TimestampLiteral');
    this.expectKeyword('STOP');
    const stop = this.expect('timestamp', 'TimestampLiteral');
    return { kind: 'start-stop', start: start.content!, stop: stop.content! };
  }

  private observationPrimary(): ObservationExpression {
    this.enter();
    const open = this.token;
    let result: ObservationExpression;
    if (open.type === 'lbrack') {
      this.advance();
      const comparison = this.comparisonOr();
      this.expect('rbrack', "']'");
      result = { kind: 'observation', comparison, position: open.position };
    } else if (open.type === 'lparen') {
      this.advance();
      result = this.observations();
      this.expect('rparen', "')'");
    } else this.fail("'[' or '('");
    this.depth--;
    return result;
  }

  private comparisonOr(): ComparisonExpression {
    return this.chain(() => this.comparisonAnd(), 'OR', (operands) => ({ kind: 'or', operands }));
  }

  private comparisonAnd(): ComparisonExpression {
    return this.chain(() => this.propTest(), 'AND', (operands) => ({ kind: 'and', operands }));
  }

  private propTest(): ComparisonExpression {
    const start = this.token;
    if (start.type === 'lparen') {
      this.enter();
      this.advance();
      const inner = this.comparisonOr();
      this.expect('rparen', "')'");
      this.depth--;
      return inner;
    }
    if (this.isKeyword('EXISTS')) {
      this.advance();
      return { kind: 'exists', path: this.objectPath(), position: start.position };
    }
    const path = this.objectPath();
    const negated = this.isKeyword('NOT');
    if (negated) this.advance();
    const opToken = this.token;
    let operator: PatternOperator;
    if (opToken.type === 'op') operator = opToken.text === '==' ? '=' : opToken.text === '<>' ? '!=' : (opToken.text as PatternOperator);
    else if (opToken.type === 'keyword' && (opToken.text === 'IN' || STRING_OPS.has(opToken.text))) operator = opToken.text as PatternOperator;
    else this.fail('a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)');
    this.advance();
    let value: PatternLiteral | PatternLiteral[];
    if (operator === 'IN') value = this.setLiteral();
    else if (STRING_OPS.has(operator)) value = this.literal(this.expect('string', 'StringLiteral'));
    else {
      if (ORDER_OPS.has(operator) && this.token.type === 'bool') this.fail('an orderable literal (booleans have no order)');
      value = this.literal(this.takeLiteral());
    }
    return { kind: 'test', path, operator, negated, value, position: start.position };
  }

  private takeLiteral(): Token {
    const t = this.token;
    if (LITERAL_TYPES.has(t.type)) return this.advance();
    const next = this.tokens[this.index + 1];
    const kind = BAD_PREFIX[t.text];
    if (t.type === 'ident' && kind && next?.type === 'string' && next.position === t.position + 1)
      throw new PatternSyntaxError(`extraneous input ${quoted(t)}: ${t.text}${next.text} is not a valid ${kind} literal`, t.position);
    this.fail('a literal');
  }

  private setLiteral(): PatternLiteral[] {
    this.expect('lparen', "'('");
    const values: PatternLiteral[] = [];
    if (this.token.type !== 'rparen') {
      values.push(this.literal(this.takeLiteral()));
      while (this.token.type === 'comma') {
        this.advance();
        values.push(this.literal(this.takeLiteral()));
      }
    }
    this.expect('rparen', "',' or ')'");
    return values;
  }

  private literal(t: Token): PatternLiteral {
    switch (t.type) {
      case 'string':
      case 'timestamp':
      case 'hex':
      case 'binary':
        return { type: t.type, value: t.content!, text: t.text };
      case 'int':
      case 'float':
        return { type: t.type, value: Number(t.text), text: t.text };
      default:
        return { type: 'bool', value: t.text === 'true', text: t.text };
    }
  }

  private objectPath(): ObjectPath {
    const typeToken = this.token;
    if (typeToken.type !== 'ident') this.fail('an object type');
    this.advance();
    if (!this.at('colon')) {
      const t = this.token;
      throw new PatternSyntaxError(`no viable alternative at input '${typeToken.text}${t.type === 'eof' ? '' : t.text}': expected ':' after the object type`, t.position);
    }
    this.advance();
    const steps: PathStep[] = [this.pathKey('a property name')];
    for (;;) {
      if (this.at('dot')) {
        this.advance();
        steps.push(this.pathKey('a property name after "."'));
      } else if (this.at('lbrack')) {
        this.advance();
        const t = this.token;
        if (t.type === 'star') steps.push({ kind: 'index', index: '*' });
        else if (t.type === 'int') steps.push({ kind: 'index', index: Number(t.text) });
        else this.fail("an index or '*'");
        this.advance();
        this.expect('rbrack', "']'");
      } else return { objectType: typeToken.text, steps };
    }
  }

  // Property names are identifiers without hyphens, or quoted strings ('SHA-256', 'windows-pebinary-ext').
  private pathKey(expecting: string): PathStep {
    const t = this.token;
    if (t.type === 'string') {
      this.advance();
      return { kind: 'key', key: t.content! };
    }
    if (t.type !== 'ident' || t.hyphen) this.fail(`${expecting} (quote names with hyphens: 'SHA-256')`);
    this.advance();
    return { kind: 'key', key: t.text };
  }
}

/**
 * Parses a STIX 2.1 pattern (STIX 2.1 part 9) into a tree, or says where and why it is not one.
 * Syntax follows the OASIS grammar; like the OASIS validator it also refuses hash literals of the
 * wrong form ("'f00' is not a valid SHA-256 hash") and duplicated qualifiers on one observation.
 * @example parsePattern("[ipv4-addr:value = '198.51.100.1']").ok // true
 * @example parsePattern('[file:size = ]') // { ok: false, error: "mismatched input ']' expecting a literal", position: 13 }
 */
export function parsePattern(text: string): PatternParse {
  if (typeof text !== 'string') return { ok: false, error: `a pattern is a string, not ${text === null ? 'null' : typeof text}`, position: 0 };
  if (text.length > MAX_LENGTH) return { ok: false, error: `pattern is longer than ${MAX_LENGTH} characters`, position: MAX_LENGTH };
  if (text === lastText) return lastParse!;
  const r = parseText(text);
  lastText = text;
  lastParse = r;
  return r;
}

// The last pattern parsed and its outcome (issue 17): an ingest validates a pattern and derives its keys right after,
// both from one parse. The tree is never changed by its readers.
let lastText: string | undefined;
let lastParse: PatternParse | undefined;

function parseText(text: string): PatternParse {
  try {
    const ast = oneValue(text) ?? new Parser(tokenize(text)).pattern();
    const problem = checkHashLiterals(ast);
    if (problem) return { ok: false, error: problem.error, position: problem.position };
    return { ok: true, ast };
  } catch (e) {
    if (e instanceof PatternSyntaxError) return { ok: false, error: e.message, position: e.position };
    throw e;
  }
}

// The pattern the importers write for one value (ioc-pattern.builder.ts, feed-line.ts: `[type:value = '…']`), read
// without the tokenizer into the very tree the parser makes of it (issue 17: tokenizing and parsing it was ~4 µs of a
// CSV line on the parse worker, and of every such indicator of a bundle). The type is a lower-case identifier (never
// a keyword, a boolean or a prefixed literal's letter before a quote), the literal holds no escape but \' and \\:
// anything else, and any other spacing, goes the general way.
const ONE_VALUE = /^\[([a-z][a-z0-9]*(?:-[a-z0-9]+)*):value = '((?:[^'\\]|\\['\\])*)'\]$/;

function oneValue(text: string): ObservationExpression | undefined {
  const m = ONE_VALUE.exec(text);
  if (!m || m[1] === 'true' || m[1] === 'false') return undefined;
  const literal = m[2]!;
  const value = literal.includes('\\') ? literal.replace(/\\(['\\])/g, '$1') : literal;
  const path: ObjectPath = { objectType: m[1]!, steps: [{ kind: 'key', key: 'value' }] };
  return { kind: 'observation', comparison: { kind: 'test', path, operator: '=', negated: false, value: { type: 'string', value, text: `'${literal}'` }, position: 1 }, position: 0 };
}
