import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { storableJson, unstorableIssue } from './unstorable.check.ts';
import type { StixObject } from '../stix/stix.types.ts';

describe('storableJson', () => {
  it('answers storable only for values unstorableIssue finds nothing in (NUL, lone surrogates, deep nesting)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a\u0000b', '\ud800', 'x\udfffy', '\\u0000 written out', '\u0001'));
    const deep = fc.integer({ min: 95, max: 105 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown);
    const value = fc.oneof(fc.jsonValue(), fc.dictionary(text, fc.oneof(text, fc.array(text), deep), { maxKeys: 6 }), deep);
    fc.assert(
      fc.property(value, (v) => {
        const o = { type: 'x-test', id: 'x-test--1', v } as unknown as StixObject;
        if (storableJson(JSON.stringify(o))) expect(unstorableIssue(o, 0)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('answers storable for a feed line’s plain objects, and not when unsure', () => {
    const o = { type: 'indicator', id: 'indicator--6ba7b810-9dad-11d1-80b4-00c04fd430c8', pattern: "[url:value = 'http://x.example/ä?q=1']", labels: ['kit'] };
    expect(storableJson(JSON.stringify(o))).toBe(true);
    expect(storableJson(JSON.stringify({ ...o, name: 'a\u0000' }))).toBe(false);
    expect(storableJson(JSON.stringify({ ...o, name: '\ud800' }))).toBe(false);
    expect(storableJson(JSON.stringify({ ...o, deep: JSON.parse('['.repeat(120) + ']'.repeat(120)) as unknown }))).toBe(false);
  });
});
