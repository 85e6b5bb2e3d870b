import { describe, expect, it } from 'vitest';
import { KeyTable } from './key.table.ts';
import { IntTable } from './int.table.ts';
import { Ipv4Table } from './ipv4.table.ts';

// Keys that differ only late, by length, by one code unit above 0xff, or by a lone surrogate.
const TRICKY = ['', 'a', 'ab', 'ba', 'ipv4-addr:10.0.0.1', 'ipv4-addr:10.0.0.10', 'ipv4-addr:10.0.0.2', 'domain-name:xn--r8jz45g.jp', 'domain-name:例え.jp', 'domain-name:例ぇ.jp', 'email-addr:café@example.org', 'email-addr:cafe@example.org', '\ud800x', '\udc00x', '\u0100', '\u0001\u0000', 'ĀA', 'AĀ'];

describe('KeyTable', () => {
  it('keeps keys whose hashes all collide apart by their bytes', () => {
    const t = new KeyTable(16, 16, 0); // every key hashes to 0
    TRICKY.forEach((k, i) => t.setValue(t.insert(k, -1), i));
    expect(t.size).toBe(TRICKY.length);
    expect(TRICKY.map((k) => t.value(t.find(k)))).toEqual(TRICKY.map((_, i) => i));
    for (const absent of ['abc', 'ipv4-addr:10.0.0.3', 'domain-name:例.jp', '\ud801x', 'A', 'ĀB', '\u0001']) expect(t.find(absent)).toBe(-1);
    // Inserting again finds the stored key rather than adding a second one.
    expect(t.value(t.insert('ipv4-addr:10.0.0.10', -1))).toBe(TRICKY.indexOf('ipv4-addr:10.0.0.10'));
    expect(t.size).toBe(TRICKY.length);
  });

  it('agrees with a Map over many keys while growing from a tiny table and arena', () => {
    for (const [bits, count] of [
      [4, 1_500],
      [32, 20_000],
    ] as const) {
      const t = new KeyTable(4, 8, bits);
      const oracle = new Map<string, number>();
      const wrong: string[] = [];
      for (let i = 0; i < count; i++) {
        const k = i % 7 === 0 ? `url:https://例え.jp/${i * 31}` : `ipv4-addr:10.${(i >> 8) & 255}.${i & 255}.${i % 3}`;
        const slot = t.insert(k, -1);
        if (!oracle.has(k) && t.value(slot) !== -1) wrong.push(`new ${k}`);
        t.setValue(slot, i);
        oracle.set(k, i);
      }
      expect(t.size).toBe(oracle.size);
      for (const [k, v] of oracle) if (t.value(t.find(k)) !== v) wrong.push(k);
      expect(wrong).toEqual([]);
      expect(t.find('ipv4-addr:10.0.0.9')).toBe(-1);
    }
  });

  it('stores keys longer than a one-byte length', () => {
    const t = new KeyTable();
    const long = `url:https://example.org/${'x'.repeat(70_000)}`;
    t.setValue(t.insert(long, -1), 7);
    expect(t.value(t.find(long))).toBe(7);
    expect(t.find(long.slice(0, -1))).toBe(-1);
    expect(t.find(`${long}y`)).toBe(-1);
  });
});

describe('IntTable', () => {
  it('agrees with a Map through growth, overwrites and removals', () => {
    const t = new IntTable(2);
    const oracle = new Map<number, number>();
    for (let i = 1; i <= 50_000; i++) {
      const k = (i * 2_654_435_761) % 2_147_483_647 || 1;
      t.set(k, i);
      oracle.set(k, i);
      if (i % 5 === 0) {
        t.set(k, -1);
        oracle.delete(k);
      }
    }
    expect([...oracle].filter(([k, v]) => t.get(k) !== v)).toEqual([]);
    expect(t.get(3)).toBe(oracle.get(3) ?? -1);
    expect(() => t.set(0, 1)).toThrow(RangeError);
    expect(() => t.set(2 ** 31, 1)).toThrow(RangeError);
  });
});

describe('Ipv4Table', () => {
  it('agrees with a Map over addresses across the whole 32-bit range while growing, 0.0.0.0 and 255.255.255.255 included', () => {
    const t = new Ipv4Table(4);
    const oracle = new Map<number, number>();
    const ips = [0, 1, 2 ** 32 - 1, 2 ** 31, 2 ** 31 - 1, 0x0a00_0001];
    for (let i = 0; i < 30_000; i++) ips.push((Math.imul(i, 2_654_435_761) >>> 0) % (i % 3 ? 2 ** 32 : 5_000));
    ips.forEach((ip, i) => {
      const slot = t.insert(ip, -1);
      if (!oracle.has(ip)) {
        expect(t.value(slot)).toBe(-1);
        t.setValue(slot, i);
        oracle.set(ip, i);
      }
    });
    expect(t.size).toBe(oracle.size);
    const wrong = [...oracle].filter(([ip, v]) => t.get(ip, -7) !== v || t.value(t.find(ip)) !== v || t.get(ip | 0, -7) !== v);
    expect(wrong.slice(0, 5)).toEqual([]);
    for (const absent of [3, 2 ** 32 - 2, 0x0a00_0002]) if (!oracle.has(absent)) expect([t.find(absent), t.get(absent, -7)]).toEqual([-1, -7]);
    expect(() => t.setValue(0, -(2 ** 31))).toThrow(RangeError);
  });
});
