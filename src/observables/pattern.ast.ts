// The syntax tree of a STIX 2.1 pattern (STIX 2.1 part 9). Binary chains of one operator are
// flattened into n-ary `operands`; "==" is read as "=" and "<>" as "!=".

/** A literal value; `text` is the literal as written in the pattern. */
export type PatternLiteral =
  | { readonly type: 'string'; readonly value: string; readonly text: string }
  | { readonly type: 'int'; readonly value: number; readonly text: string }
  | { readonly type: 'float'; readonly value: number; readonly text: string }
  | { readonly type: 'bool'; readonly value: boolean; readonly text: string }
  | { readonly type: 'timestamp'; readonly value: string; readonly text: string }
  | { readonly type: 'hex'; readonly value: string; readonly text: string }
  | { readonly type: 'binary'; readonly value: string; readonly text: string };

/** One step of an object path after the object type: a property key or a list index. */
export type PathStep = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number | '*' };

/** An object path such as file:hashes.'SHA-256' or email-message:body_multipart[*].body_raw_ref.name. */
export interface ObjectPath {
  readonly objectType: string;
  readonly steps: readonly PathStep[];
}

/** Comparison operators (with NOT they are negated). */
export type PatternOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

/** A comparison expression: the inside of one observation's brackets. */
export type ComparisonExpression =
  | {
      readonly kind: 'test';
      readonly path: ObjectPath;
      readonly operator: PatternOperator;
      readonly negated: boolean;
      /** A list for IN, a single literal otherwise. */
      readonly value: PatternLiteral | readonly PatternLiteral[];
      readonly position: number;
    }
  | { readonly kind: 'exists'; readonly path: ObjectPath; readonly position: number }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly ComparisonExpression[] };

/** A qualifier of an observation expression. */
export type PatternQualifier =
  | { readonly kind: 'within'; readonly seconds: number }
  | { readonly kind: 'repeats'; readonly times: number }
  | { readonly kind: 'start-stop'; readonly start: string; readonly stop: string };

/** An observation expression: bracketed comparisons joined by AND, OR, FOLLOWEDBY, with qualifiers. */
export type ObservationExpression =
  | { readonly kind: 'observation'; readonly comparison: ComparisonExpression; readonly position: number }
  | { readonly kind: 'qualified'; readonly expression: ObservationExpression; readonly qualifier: PatternQualifier }
  | { readonly kind: 'and' | 'or' | 'followedby'; readonly operands: readonly ObservationExpression[] };

/** The text of an object path in pattern syntax, keys that need it quoted: file:hashes.'SHA-256'. */
export function pathText(path: ObjectPath): string {
  let out = `${path.objectType}:`;
  path.steps.forEach((step, i) => {
    if (step.kind === 'index') out += `[${step.index}]`;
    else {
      const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(step.key) ? step.key : `'${step.key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      out += i === 0 ? key : `.${key}`;
    }
  });
  return out;
}
