import { describe, expect, it } from 'vitest';
import { dottedQuad, ipv4OfKey } from './dotted-quad.ts';
import { parseIpv4 } from '../observables/ip.normalize.ts';

// The strict parser the full path uses: dottedQuad must accept exactly its spellings, with the same value.
const reference = (s: string): number => {
  const v = parseIpv4(s);
  return typeof v === 'number' ? v : -1;
};

describe('dottedQuad', () => {
  it('accepts exactly what parseIpv4 accepts, with the same value, on hostile and random strings', () => {
    const samples = ['0.0.0.0', '255.255.255.255', '256.0.0.0', '1.2.3.4', '01.2.3.4', '1.02.3.4', '1.2.3.00', '1.2.3.0', '10.0.0.10', '1.2.3', '1.2.3.4.5', '1.2.3.4.', '.1.2.3.4',
      '1..2.3', '1.2.3.4/32', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '１.2.3.4', '1.2.3.-4', '1.2.3.+4', '1.2.3.4e', '0x1.2.3.4', '1.2.3.1000', '1234.1.1.1', '999.999.999.999',
      '1.2.3.٤', '1:2.3.4', '1/2.3.4', '', '.', '....', '1.2.3.4\u0000', '100.200.250.255', '127.0.0.1', '1.1.1.1'];
    const chars = '0123456789.0123456789./: a-';
    let s = 7;
    const next = () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20_000; i++) {
      const len = 5 + Math.floor(next() * 13);
      samples.push(Array.from({ length: len }, () => chars[Math.floor(next() * chars.length)]).join(''));
      const o = () => String([Math.floor(next() * 300), `0${i % 10}`, String(i % 256), ''][Math.floor(next() * 4)]);
      samples.push(`${o()}.${o()}.${o()}.${o()}`);
    }
    const wrong = samples.filter((x) => dottedQuad(x) !== reference(x));
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(samples.filter((x) => dottedQuad(x) >= 0).length).toBeGreaterThan(500);
    expect(dottedQuad('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(dottedQuad('xx10.0.0.1', 2)).toBe(0x0a00_0001);
  });

  it('reads the address of an ipv4-addr key and of no other key', () => {
    expect(ipv4OfKey('ipv4-addr:10.0.0.1')).toBe(0x0a00_0001);
    expect(ipv4OfKey('ipv4-addr:0.0.0.0')).toBe(0);
    for (const k of ['ipv4-addr:10.0.0.0/24', 'ipv4-addr:10.0.0.01', 'ipv6-addr:10.0.0.1', 'ipv4-addr10.0.0.1', 'domain-name:10.0.0.1', 'ipv4-addr:', 'ipv4-addr: 10.0.0.1', 'IPV4-ADDR:10.0.0.1'])
      expect(ipv4OfKey(k), k).toBe(-1);
  });
});
