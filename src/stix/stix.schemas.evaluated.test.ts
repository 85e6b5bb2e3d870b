import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { loadStixSchemas, newStixAjv, usesEvaluatedKeywords } from './stix.schemas.ts';

// Issue 17: the STIX schemas are compiled without Ajv's account of evaluated properties, and their patterns of
// property names remember their verdicts (newStixAjv). Neither may decide anything: every object, sound or broken,
// gets the same verdict and the same errors (the texts the importer reports are made from them) as from Ajv as it
// comes.

type Obj = Record<string, unknown>;

function objectsOf(folder: string, max = Infinity): Obj[] {
  const out: Obj[] = [];
  for (const f of readdirSync(sharedData('stix', folder)).filter((n) => n.endsWith('.json'))) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(sharedData('stix', folder, f), 'utf8'));
    } catch {
      continue; // The validator's examples of broken JSON.
    }
    const list = (json as { objects?: unknown }).objects;
    for (const o of Array.isArray(list) ? list : [json]) if (o && typeof o === 'object' && out.length < max) out.push(o as Obj);
  }
  return out;
}

// Values that pass and fail the schemas' checks: the anyOf of properties.json (null and [] fail every branch), the
// binary and hex patterns, types, lists.
const VALUES: readonly unknown[] = [null, [], [null], ['x'], {}, { a: 1 }, 5, -1, 1.5, true, '', 'x', 'YWJj', 'ab', 'zz', '2026-11-01T00:00:00.000Z'];
// Property names: too short, upper case, ending in id, custom binary and hex, a reference.
// Past 250 characters a name is not remembered; 'a' × 249 + '_bin' is the longest a binary name may be.
const NAMES: readonly string[] = ['ab', 'id', 'xid', 'Foo', 'x_custom', 'x_data_bin', 'x_data_hex', '_x', 'x-dash', 'created_by_ref', 'external_references', 'extensions', `${'a'.repeat(245)}_bin`, `${'a'.repeat(246)}_bin`, `${'a'.repeat(300)}_hex`, `${'a'.repeat(300)}-`];
// More distinct names than a pattern remembers (1,000) in one object, sound ones first: broken names past the bound,
// or only sound names with broken hex values past it.
const many = (badName: boolean): Obj =>
  Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [badName && i > 1_500 && i % 7 === 0 ? `X${i}` : `x_${i}${i % 3 === 0 ? '_hex' : ''}`, i > 1_500 && i % 5 === 0 ? 'zz' : 'ab']));
const MANY = [many(true), many(false)];

/** The object, each property of it changed to each value, each name added with each value (and MANY's names). */
function* variants(o: Obj, withMany: boolean): Generator<Obj> {
  yield o;
  for (const key of Object.keys(o)) for (const v of VALUES) yield { ...o, [key]: v };
  for (const name of NAMES) for (const v of VALUES) yield { ...o, [name]: v };
  if (withMany) for (const m of MANY) yield* [{ ...o, ...m }, { ...m, ...o }];
  const refs = o.external_references;
  if (Array.isArray(refs) && refs[0] && typeof refs[0] === 'object') {
    for (const v of VALUES) yield { ...o, external_references: [{ ...(refs[0] as Obj), url: v }, ...refs.slice(1)] };
  }
}

describe.runIf(hasSharedData())('the STIX schemas without the account of evaluated properties, names remembered', () => {
  it('give every object the verdict and errors Ajv as it comes gives', () => {
    const dir = sharedData('stix', 'schemas');
    const lean = loadStixSchemas(dir);
    const full = loadStixSchemas(dir, { evaluatedKeywords: true, rememberNames: false });
    const objects = [...objectsOf('oasis-examples'), ...objectsOf('validator-test-examples'), ...objectsOf('mitre-attack', 40)];
    let passed = 0;
    let failed = 0;
    let anyOfFailures = 0;
    for (const [i, o] of objects.entries()) {
      const type = typeof o.type === 'string' ? o.type : 'x-none';
      for (const v of variants(o, i < 4)) {
        // A type of its own has one validator; others go to the core or the SCO core by scoLike.
        for (const scoLike of lean.hasType(type) ? [false] : [false, true]) {
          const a = lean.validatorFor(type, scoLike);
          const b = full.validatorFor(type, scoLike);
          const okA = a(v);
          const okB = b(v);
          // expect() per object took seconds: the texts are compared, and expect() shows a difference.
          if (okA !== okB || JSON.stringify(a.errors ?? null) !== JSON.stringify(b.errors ?? null)) {
            expect({ object: v, valid: okA, errors: a.errors }).toEqual({ object: v, valid: okB, errors: b.errors });
          }
          if (okA) passed++;
          else failed++;
          if (a.errors?.some((e) => e.keyword === 'anyOf')) anyOfFailures++;
        }
      }
    }
    // The corpus holds both verdicts, and failures of the anyOf whose branches the account made run.
    expect(passed).toBeGreaterThan(1_000);
    expect(failed).toBeGreaterThan(1_000);
    expect(anyOfFailures).toBeGreaterThan(100);
  });
});

describe('an Ajv without the account', () => {
  it('refuses schemas that need it, which one with it judges', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, unevaluatedProperties: false };
    expect(usesEvaluatedKeywords({ allOf: [schema] })).toBe(true);
    expect(usesEvaluatedKeywords({ properties: { a: { items: [{ type: 'string' }] } } })).toBe(false);
    expect(() => newStixAjv().compile(schema)).toThrow(/unevaluatedProperties needs an Ajv made with evaluatedKeywords/);
    expect(() => newStixAjv().compile({ type: 'array', unevaluatedItems: false })).toThrow(/unevaluatedItems/);
    const withIt = newStixAjv(undefined, { evaluatedKeywords: true }).compile(schema);
    expect(withIt({ a: 'x' })).toBe(true);
    expect(withIt({ a: 'x', b: 1 })).toBe(false);
  });

  it('still checks every branch of a failing anyOf, and passes at the first good one', () => {
    const v = newStixAjv().compile({ anyOf: [{ type: 'array', minItems: 1 }, { type: 'string' }, { type: 'object' }] });
    expect(v('x')).toBe(true);
    expect(v.errors).toBeNull();
    expect(v([])).toBe(false);
    expect(v.errors?.map((e) => e.message)).toEqual(['must NOT have fewer than 1 items', 'must be string', 'must be object', 'must match a schema in anyOf']);
  });
});
