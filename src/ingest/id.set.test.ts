import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdSet } from './id.set.ts';

describe('IdSet', () => {
  it('answers as a Set of the same strings would, for usual ids and any other', () => {
    const id = fc.oneof(
      fc.tuple(fc.constantFrom('indicator', 'relationship', 'ipv4-addr', 'x-custom'), fc.uuid()).map(([t, u]) => `${t}--${u}`),
      fc.tuple(fc.constantFrom('indicator', 'url'), fc.uuid()).map(([t, u]) => `${t}--${u.toUpperCase()}`),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 3000 }), fc.array(id, { maxLength: 200 }), (added, asked) => {
        const ids = new IdSet();
        const ref = new Set<string>();
        // Half through addNew, which says whether the id is new, as the Set's size does.
        added.forEach((x, i) => {
          if (i % 2) ids.add(x);
          else expect(ids.addNew(x)).toBe(!ref.has(x));
          ref.add(x);
        });
        expect(ids.size).toBe(ref.size);
        for (const x of [...added, ...asked]) expect(ids.has(x)).toBe(ref.has(x));
        // The same UUID under another type, or in capitals, is another id.
        for (const x of added) {
          const other = x.replace(/^[a-z-]+?--/, 'malware--');
          expect(ids.has(other)).toBe(ref.has(other));
          expect(ids.has(x.toUpperCase())).toBe(ref.has(x.toUpperCase()));
        }
      }),
      { numRuns: 50 },
    );
  });

  it('grows past many ids', () => {
    const ids = new IdSet();
    const made = Array.from({ length: 50_000 }, () => `indicator--${crypto.randomUUID()}`);
    expect(made.every((x) => ids.addNew(x))).toBe(true);
    expect(made.some((x) => ids.addNew(x))).toBe(false);
    for (const x of made) ids.add(x);
    expect(ids.size).toBe(50_000);
    expect(made.every((x) => ids.has(x))).toBe(true);
    expect(ids.has(`indicator--${crypto.randomUUID()}`)).toBe(false);
  });
});
