import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { patternString } from '../stix/pattern-string.ts';
import { parsePattern, type ObservationExpression } from './pattern.parser.ts';

const haveData = hasSharedData();
const casesDir = (...p: string[]): string => sharedData('stix', 'pattern-validator-cases', ...p);
const lines = (file: string): string[] => readFileSync(casesDir(file), 'utf8').split('\n').filter((l) => l.trim() !== '');

function ast(text: string): ObservationExpression {
  const r = parsePattern(text);
  if (!r.ok) throw new Error(`${text}: ${r.error} at ${r.position}`);
  return r.ast;
}

describe.runIf(haveData)('the OASIS pattern-validator cases', () => {
  const json = haveData
    ? (JSON.parse(readFileSync(casesDir('v21_pass_fail_cases.json'), 'utf8')) as {
        FAIL_CASES: [string, string][];
        TIMESTAMP_FAIL_CASES: [string, string][];
        PASS_CASES: string[];
        TIMESTAMP_PASS_CASES: string[];
      })
    : undefined;

  it('has the expected number of cases (so none is silently lost)', () => {
    // Counted once: wc -l on the two example files, and the list lengths in the JSON.
    expect(lines('spec_examples_v21_valid.txt')).toHaveLength(23);
    expect(lines('spec_examples_v20_valid.txt')).toHaveLength(24);
    expect(json!.PASS_CASES).toHaveLength(26);
    expect(json!.TIMESTAMP_PASS_CASES).toHaveLength(11);
    expect(json!.FAIL_CASES).toHaveLength(17);
    expect(json!.TIMESTAMP_FAIL_CASES).toHaveLength(10);
  });

  it('parses every valid example of the spec (2.1 and 2.0 lists) and every pass case', () => {
    const valid = [...lines('spec_examples_v21_valid.txt'), ...lines('spec_examples_v20_valid.txt'), ...json!.PASS_CASES, ...json!.TIMESTAMP_PASS_CASES];
    const failures = valid.map((p) => ({ p, r: parsePattern(p) })).filter(({ r }) => !r.ok);
    expect(failures).toEqual([]);
  });

  it('refuses every failing case at the position the OASIS validator gives, for the same reason', () => {
    for (const [pattern, expected] of [...json!.FAIL_CASES, ...json!.TIMESTAMP_FAIL_CASES]) {
      const r = parsePattern(pattern);
      expect(r.ok, pattern).toBe(false);
      if (r.ok) continue;
      const located = /^FAIL: Error found at line 1:(\d*)\.? ?(.*)$/.exec(expected);
      if (!located) {
        // Semantic checks ("'f00' is not a valid SHA-256 hash", duplicate qualifiers): same message.
        expect(r.error, pattern).toBe(expected.replace(/^FAIL: /, ''));
        continue;
      }
      if (located[1]) expect(r.position, pattern).toBe(Number(located[1]));
      // The offending token and what was expected, as the validator names them.
      for (const quoted of located[2]!.match(/'[^']*'|<EOF>|\{[^}]*\}|StringLiteral/g) ?? []) expect(r.error, pattern).toContain(quoted);
    }
  });
});

describe('pattern syntax trees', () => {
  it('reads comparisons, quoted keys and list indices', () => {
    expect(ast("[file:hashes.'x-custom' = 'abc' ]")).toEqual({
      kind: 'observation',
      position: 0,
      comparison: {
        kind: 'test',
        path: { objectType: 'file', steps: [{ kind: 'key', key: 'hashes' }, { kind: 'key', key: 'x-custom' }] },
        operator: '=',
        negated: false,
        value: { type: 'string', value: 'abc', text: "'abc'" },
        position: 1,
      },
    });
    const p = ast('[email-message:body_multipart[*].body_raw_ref.name NOT MATCHES \'a\\\\b\\\'c\']');
    expect(p.kind === 'observation' && p.comparison.kind === 'test' && p.comparison).toMatchObject({
      path: { steps: [{ key: 'body_multipart' }, { index: '*' }, { key: 'body_raw_ref' }, { key: 'name' }] },
      operator: 'MATCHES',
      negated: true,
      value: { value: "a\\b'c" },
    });
    expect(ast('[x:list[-1] = 1]')).toMatchObject({ comparison: { path: { steps: [{ key: 'list' }, { index: -1 }] } } });
  });

  it('binds AND tighter than OR, OR tighter than FOLLOWEDBY, and qualifiers to one observation', () => {
    const t = ast('[a:x = 1] AND [a:y = 2] OR [a:z = 3] FOLLOWEDBY [a:w = 4] WITHIN 5 SECONDS');
    expect(t.kind).toBe('followedby');
    if (t.kind !== 'followedby') return;
    expect(t.operands[0]!.kind).toBe('or');
    expect(t.operands[1]).toMatchObject({ kind: 'qualified', qualifier: { kind: 'within', seconds: 5 }, expression: { kind: 'observation' } });
    const c = ast('[a:x = 1 OR a:y = 2 AND a:z = 3]');
    expect(c).toMatchObject({ comparison: { kind: 'or', operands: [{ kind: 'test' }, { kind: 'and' }] } });
  });

  it('reads every literal and operator form', () => {
    const t = ast(
      "[a:b == 'x' AND a:c <> -5 AND a:d >= +2.5 AND a:e < .5 AND a:f = true AND a:g = t'2016-06-01T01:30:00.123Z' AND a:h = h'ffD8' AND a:i = b'dGVzdA==' AND a:j IN () AND a:k IN ('a', 1, false) AND EXISTS a:l AND a:m ISSUPERSET '10.0.0.0/8' AND a:n LIKE 'x%']",
    );
    if (t.kind !== 'observation' || t.comparison.kind !== 'and') throw new Error('shape');
    const ops = t.comparison.operands.map((o) => (o.kind === 'test' ? `${o.operator}:${Array.isArray(o.value) ? o.value.map((v) => v.type).join('|') : (o.value as { type: string }).type}` : o.kind));
    expect(ops).toEqual(['=:string', '!=:int', '>=:float', '<:float', '=:bool', '=:timestamp', '=:hex', '=:binary', 'IN:', 'IN:string|int|bool', 'exists', 'ISSUPERSET:string', 'LIKE:string']);
  });

  it('reads START/STOP and REPEATS, skips comments and Unicode spaces', () => {
    expect(ast("/* c */ [a:b = 1]\u3000REPEATS 2 TIMES // trailing\n START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'")).toMatchObject({
      kind: 'qualified',
      qualifier: { kind: 'start-stop', start: '2016-06-01T01:30:00Z', stop: '2016-06-01T02:20:00Z' },
      expression: { kind: 'qualified', qualifier: { kind: 'repeats', times: 2 } },
    });
  });

  it('says where and why a pattern is broken', () => {
    const bad: [string, number, RegExp][] = [
      ['', 0, /missing square brackets/],
      ['[a:b = 1', 8, /mismatched input <EOF> expecting '\]'/],
      ["[a:b = 'unterminated]", 7, /unterminated string literal/],
      ["[a:b = 'bad \\x escape']", 12, /invalid escape '\\x'/],
      ['[a:b-c = 1]', 3, /quote names with hyphens/],
      ['[a:b < true]', 7, /orderable literal/],
      ['[a:b = 1] AND', 13, /expecting '\[' or '\('/],
      ['[a:b IN (1, ]', 12, /expecting a literal/],
      ['[a:b[x] = 1]', 5, /expecting an index or '\*'/],
      ['[a:b = 1] REPEATS 1.5 TIMES', 18, /IntPosLiteral/],
      ['[a:b = 1] /* open', 10, /unterminated comment/],
      ['[a:b = 1] 😀', 10, /extraneous input '😀'/],
      ["[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', 'zz')]", 1, /'zz' is not a valid MD5 hash/],
    ];
    for (const [pattern, position, reason] of bad) {
      const r = parsePattern(pattern);
      expect(r, pattern).toMatchObject({ ok: false, position });
      if (!r.ok) expect(r.error, pattern).toMatch(reason);
    }
  });

  it('refuses hostile depth and wrong types instead of crashing', () => {
    expect(parsePattern(`${'('.repeat(5000)}[a:b = 1]${')'.repeat(5000)}`)).toMatchObject({ ok: false, error: /nested more than 100 levels/ });
    expect(parsePattern(`[${'('.repeat(5000)}a:b = 1${')'.repeat(5000)}]`)).toMatchObject({ ok: false, error: /nested more than 100 levels/ });
    expect(parsePattern(`([a:b = 1])${' WITHIN 1 SECONDS'.repeat(500)}`)).toMatchObject({ ok: false, error: /more than 100 qualifiers/ });
    expect(parsePattern(null as never)).toMatchObject({ ok: false, error: /not null/ });
    expect(parsePattern('x'.repeat(4_000_001))).toMatchObject({ ok: false, error: /longer than/ });
  });

  it('parses an IN list of 20,000 hashes', () => {
    const hashes = Array.from({ length: 20_000 }, (_, i) => `'${i.toString(16).padStart(32, '0')}'`);
    const r = parsePattern(`[file:hashes.MD5 IN (${hashes.join(', ')})]`);
    expect(r.ok).toBe(true);
    expect(r.ok && r.ast.kind === 'observation' && r.ast.comparison.kind === 'test' && r.ast.comparison.value).toHaveLength(20_000);
  });

  it('never throws, whatever the input (property)', () => {
    const alphabet = fc.constantFrom('[', ']', '(', ')', "'", 'a', ':', '.', '=', ' ', 'AND', 'OR', 'IN', '1', '-', 't', 'h', 'b', '\\', 'WITHIN', 'SECONDS', '*', ',');
    const patternish = fc.array(alphabet, { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.oneof(patternish, fc.string({ maxLength: 80 })), (s) => {
        const r = parsePattern(s);
        return r.ok || (typeof r.error === 'string' && r.position >= 0 && r.position <= s.length);
      }),
      { numRuns: 5000, seed: 6 },
    );
  });
});

// The importers' one-value pattern is read without the tokenizer (issue 17): the tree must be the one the general
// parser makes of the same pattern. With a second space before "=", the same pattern goes the general way.
describe('the one-value pattern, read without the tokenizer', () => {
  const general = (p: string): string => p.replace(':value = ', ':value  = ');
  const tree = (p: string) => ({ ...parsePattern(p) });

  it('gives the general parser\'s tree, whatever the value holds', () => {
    const types = fc.constantFrom('ipv4-addr', 'domain-name', 'url', 'email-addr', 'x-custom-2', 't', 'h', 'b', 'true', 'mac-addr');
    fc.assert(
      fc.property(types, fc.string({ unit: 'binary', maxLength: 40 }), (type, value) => {
        const p = `[${type}:value = ${patternString(value)}]`;
        expect(tree(p)).toEqual(tree(general(p)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a value near the pattern length limit, escaped or not, and refuses it unterminated', () => {
    const long = 'a'.repeat(3_900_000);
    expect(ast(`[url:value = '${long}']`)).toMatchObject({ comparison: { value: { value: long } } });
    expect(ast(`[url:value = '${String.raw`\'`.repeat(1_900_000)}']`)).toMatchObject({ comparison: { value: { value: "'".repeat(1_900_000) } } });
    expect(parsePattern(`[url:value = '${long}'`).ok).toBe(false);
  });

  it('refuses what the general parser refuses, and leaves other spellings to it', () => {
    const patterns = [String.raw`[url:value = 'a\b']`, String.raw`[url:value = 'it's']`, String.raw`[url:value = 'open]`, String.raw`[url:value = 'a\']`, String.raw`[URL:value = 'a']`, String.raw`[url_x:value = 'a']`];
    for (const p of patterns) expect(parsePattern(p).ok, p).toBe(parsePattern(general(p)).ok);
    expect(parsePattern(patterns[0]!).ok).toBe(false);
    expect(ast(String.raw`[domain-name:value = 'it\'s.example\\x']`)).toEqual({
      kind: 'observation', position: 0,
      comparison: { kind: 'test', position: 1, operator: '=', negated: false, path: { objectType: 'domain-name', steps: [{ kind: 'key', key: 'value' }] }, value: { type: 'string', value: String.raw`it's.example\x`, text: String.raw`'it\'s.example\\x'` } },
    });
  });
});
