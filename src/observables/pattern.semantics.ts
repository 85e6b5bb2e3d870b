import type { ComparisonExpression, ObservationExpression, PatternLiteral } from './pattern.ast.ts';

// Hex lengths of the hashing-algorithm-ov names the OASIS validator checks (hyphens ignored);
// SSDEEP, TLSH and MD6 have no fixed hex form and are not checked.
const HASH_HEX_LENGTH: Readonly<Record<string, number>> = {
  MD5: 32,
  SHA1: 40,
  RIPEMD160: 40,
  SHA224: 56,
  SHA3224: 56,
  SHA256: 64,
  SHA3256: 64,
  SHA384: 96,
  SHA3384: 96,
  SHA512: 128,
  SHA3512: 128,
  WHIRLPOOL: 128,
};

/** The canonical hash name of a hashes key, upper case without hyphens ("SHA-256" → "SHA256"). */
export function hashAlgorithmKey(key: string): string {
  return key.toUpperCase().replace(/[-_]/g, '');
}

function checkTest(test: Extract<ComparisonExpression, { kind: 'test' }>): { error: string; position: number } | undefined {
  const steps = test.path.steps;
  const last = steps[steps.length - 1];
  if (!last || last.kind !== 'key' || !steps.some((s) => s.kind === 'key' && s.key === 'hashes') || last.key === 'hashes') return undefined;
  const length = HASH_HEX_LENGTH[hashAlgorithmKey(last.key)];
  if (length === undefined) return undefined;
  const values: readonly PatternLiteral[] = Array.isArray(test.value) ? test.value : [test.value as PatternLiteral];
  for (const v of values) {
    if (v.type !== 'string' || (test.operator !== '=' && test.operator !== '!=' && test.operator !== 'IN')) continue;
    if (v.value.length !== length || !/^[0-9a-fA-F]*$/.test(v.value)) return { error: `'${v.value}' is not a valid ${last.key} hash`, position: test.position };
  }
  return undefined;
}

function walkComparison(c: ComparisonExpression): { error: string; position: number } | undefined {
  if (c.kind === 'test') return checkTest(c);
  if (c.kind === 'exists') return undefined;
  for (const operand of c.operands) {
    const problem = walkComparison(operand);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The first hash comparison whose literal cannot be a hash of its algorithm (the OASIS validator's
 * object check), or undefined.
 */
export function checkHashLiterals(ast: ObservationExpression): { error: string; position: number } | undefined {
  switch (ast.kind) {
    case 'observation':
      return walkComparison(ast.comparison);
    case 'qualified':
      return checkHashLiterals(ast.expression);
    default:
      for (const operand of ast.operands) {
        const problem = checkHashLiterals(operand);
        if (problem) return problem;
      }
      return undefined;
  }
}
