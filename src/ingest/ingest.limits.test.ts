import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { jsonBytesBound, objectBytes } from './ingest.limits.ts';

// jsonBytesBound answers whether an object may be over the size limit without writing its JSON (issue 17): it must
// never be below the size objectBytes measures, whatever the text, numbers and nesting.
const tricky: unknown[] = [
  {},
  [],
  { a: '' },
  { name: 'caf\u00e9 \u2028 \u{1F600} \u0001 "quoted" back\\slash', n: 1e21, m: -1.7976931348623157e308, k: 5e-324, t: true, f: false, z: null },
  { list: [1, 'two', [3, [4, { five: 5 }]], null, false], 'k\u00e9y "q"': { '': [] } },
  { controls: '\u0000\u0007\u001f\b\f\n\r\t', lone: '\ud800x\udfff' },
  Array.from({ length: 50 }, (_, i) => ({ i, s: 'x'.repeat(i) })),
];

describe('jsonBytesBound', () => {
  it('is never below the JSON size, for tricky values', () => {
    for (const v of tricky) expect(jsonBytesBound(v, Number.MAX_SAFE_INTEGER)).toBeGreaterThanOrEqual(objectBytes(v as StixObject));
  });

  it('stops counting once past the limit, and says so with a larger answer', () => {
    const big = { description: 'x'.repeat(10_000), more: Array.from({ length: 1000 }, () => 'y'.repeat(100)) };
    const bounded = jsonBytesBound(big, 1024);
    expect(bounded).toBeGreaterThan(1024);
    expect(bounded).toBeLessThan(jsonBytesBound(big, Number.MAX_SAFE_INTEGER));
  });

  it.runIf(hasSharedData())('is never below the JSON size of the objects of the real bundles', () => {
    let checked = 0;
    const files = ['oasis-examples', 'mitre-attack', 'stix20-unit42'].flatMap((d) => readdirSync(sharedData('stix', d)).filter((n) => n.endsWith('.json')).map((n) => path.join(sharedData('stix', d), n)));
    for (const f of files) {
      let json: { objects?: unknown[] };
      try {
        json = JSON.parse(readFileSync(f, 'utf8')) as { objects?: unknown[] };
      } catch {
        continue;
      }
      for (const o of json.objects ?? []) {
        expect(jsonBytesBound(o, Number.MAX_SAFE_INTEGER)).toBeGreaterThanOrEqual(objectBytes(o as StixObject));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
