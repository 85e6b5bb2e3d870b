import { v5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { uuidv5 } from './uuid5.ts';

describe('uuidv5', () => {
  it('equals the uuid package for the STIX namespace, other namespaces and any text', () => {
    const namespaces = ['00abedb4-aa42-466c-9c01-fed23315a9b7', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'D3A1C1B2-0000-4000-8000-ABCDEFABCDEF'];
    const names = ['', 'a', '{"value":"198.51.100.7"}', 'ünïcødé 結節 🙂', 'x'.repeat(10_000)];
    for (let i = 0; i < 300; i++) names.push(String.fromCharCode(...Array.from({ length: i % 37 }, (_, j) => (i * 7919 + j * 104729) % 0xffff)));
    // The uuid package cannot encode lone surrogates (it throws); the store never sees them (unstorable.check.ts).
    const encodable = names.filter((n) => n.isWellFormed());
    expect(encodable.length).toBeGreaterThan(200);
    for (const ns of namespaces) for (const n of encodable) expect(uuidv5(n, ns)).toBe(v5(n, ns));
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidv5('a', 'not-a-uuid')).toThrow(/namespace/);
  });
});
