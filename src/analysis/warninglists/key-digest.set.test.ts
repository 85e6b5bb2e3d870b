import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyDigestSet } from './key-digest.set.ts';

describe('KeyDigestSet', () => {
  it('answers as a Set of the same strings would (no digest shared by two of these keys)', () => {
    const key = fc.oneof(
      fc.tuple(fc.constantFrom('ipv4-addr', 'domain-name', 'url', 'file:sha-256'), fc.string({ maxLength: 80 })).map(([t, v]) => `${t}:${v}`),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constant(''),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 3000 }), fc.array(key, { maxLength: 200 }), (added, asked) => {
        const set = new KeyDigestSet();
        const ref = new Set<string>();
        for (const x of added) expect(set.add(x)).toBe(!ref.has(x) && Boolean(ref.add(x)));
        expect(set.size).toBe(ref.size);
        for (const x of [...added, ...asked]) expect(set.has(x)).toBe(ref.has(x));
      }),
      { numRuns: 50 },
    );
  });

  it('keeps a million feed keys apart, in ~16 bytes a key', () => {
    const set = new KeyDigestSet();
    let added = 0;
    for (let i = 0; i < 1_000_000; i++) if (set.add(i % 2 ? `domain-name:bad-${i}.example.com` : `ipv4-addr:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)) added++;
    // Keys that differ by one character, or by their order of characters, are different keys.
    expect(added).toBe(1_000_000);
    expect(set.size).toBe(1_000_000);
    expect(set.has('domain-name:bad-1.example.com')).toBe(true);
    expect(set.has('domain-name:bad-2.example.com')).toBe(false);
    expect(set.has('ipv4-addr:10.0.0.2')).toBe(true);
    expect(set.has('ipv4-addr:10.0.0.3')).toBe(false);
  });
});
