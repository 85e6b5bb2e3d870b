import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { normalizeAsn, normalizeCve, normalizeHash, normalizeMac } from './identifier.normalize.ts';

const haveData = hasSharedData();

describe('hashes', () => {
  it('lower-cases hex of the right length per algorithm', () => {
    expect(normalizeHash('md5', 'F6F8179AC71EAABFF12B8C024342109B')).toBe('f6f8179ac71eaabff12b8c024342109b');
    expect(normalizeHash('sha1', ' adc83b19e793491b1c6ea0fd8b46cd9f32e592fc ')).toBe('adc83b19e793491b1c6ea0fd8b46cd9f32e592fc');
    expect(normalizeHash('sha256', '01BA4719C80B6FE911B091A7C05124B64EEECE964E09C058EF8F9805DACA546B')).toBe(
      '01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b',
    );
  });

  it('refuses wrong lengths and non-hex with the reason', () => {
    expect(() => normalizeHash('md5', 'adc83b191b1c6ea0fd8b46cd9f32e592fc')).toThrow(/34 characters, md5 has 32 hex digits/);
    expect(() => normalizeHash('sha1', 'f6f8179ac71eaabff12b8c024342109b')).toThrow(/sha1 has 40/);
    expect(() => normalizeHash('md5', 'g6f8179ac71eaabff12b8c024342109b')).toThrow(/character "g" at 0 is not hex/);
  });

  it.runIf(haveData)('reads the 241 SHA-256 samples of the Gamaredon list and the 44 of the Conti list', () => {
    // 241 = sed -n 620,861p Gamaredon_IoCs_DEC2022.txt | grep -cv '^$'; 44 = grep -oE '\b[0-9a-f]{64}\b' Conti_IOCs.txt | sort -u | wc -l
    const dir = (f: string): string => readFileSync(sharedData('ioc-extraction', 'unit42-freetext', f), 'utf8');
    const samples = dir('Gamaredon_IoCs_DEC2022.txt').split(/^# /m).find((s) => s.startsWith('Sample'))!;
    const gamaredon = samples.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    expect(new Set(gamaredon.map((h) => normalizeHash('sha256', h))).size).toBe(241);
    const conti = dir('Conti_IOCs.txt').match(/\b[0-9a-f]{64}\b/g) ?? [];
    expect(new Set(conti.map((h) => normalizeHash('sha256', h))).size).toBe(44);
  });
});

describe('MAC addresses', () => {
  it('writes six lower-case colon-separated octets from the usual notations', () => {
    for (const raw of ['00:0C:29:1A:2B:3C', '00-0c-29-1a-2b-3c', '000c.291a.2b3c', '000C291A2B3C', '0:c:29:1a:2b:3c'])
      expect(normalizeMac(raw), raw).toBe('00:0c:29:1a:2b:3c');
  });

  it('refuses mixed separators, short and non-hex forms', () => {
    for (const raw of ['00:0c-29:1a:2b:3c', '00:0c:29:1a:2b', '00:0c:29:1a:2b:3g', '000c.291a.2b3', ''])
      expect(() => normalizeMac(raw), raw).toThrow(/is not six octets/);
  });
});

describe('AS numbers', () => {
  it('reads AS64500, as64500, ASN15169, plain numbers and asdot', () => {
    expect(normalizeAsn('AS64500')).toBe(64500);
    expect(normalizeAsn('as64500')).toBe(64500);
    expect(normalizeAsn('64500')).toBe(64500);
    expect(normalizeAsn('ASN15169')).toBe(15169);
    expect(normalizeAsn('AS 3462')).toBe(3462);
    expect(normalizeAsn('AS1.10')).toBe(65546);
    expect(normalizeAsn('4294967295')).toBe(4294967295);
  });

  it('refuses what is not a 32-bit AS number', () => {
    expect(() => normalizeAsn('4294967296')).toThrow(/greater than 4294967295/);
    expect(() => normalizeAsn('AS1.65536')).toThrow(/at most 65535/);
    expect(() => normalizeAsn('ASX')).toThrow(/is not an AS number/);
    expect(() => normalizeAsn('-1')).toThrow(/is not an AS number/);
  });
});

describe('CVE ids', () => {
  it('upper-cases and repairs typographic dashes', () => {
    expect(normalizeCve('cve-2021-44228')).toBe('CVE-2021-44228');
    expect(normalizeCve('CVE\u20132014\u20130160')).toBe('CVE-2014-0160');
    expect(normalizeCve('CVE-2024-1234567')).toBe('CVE-2024-1234567');
  });

  it('follows the CVE id syntax', () => {
    expect(() => normalizeCve('CVE-2021-123')).toThrow(/is not a CVE id/);
    expect(() => normalizeCve('CVE-2021-012345')).toThrow(/no leading zero/);
    expect(() => normalizeCve('CVE-1998-0001')).toThrow(/start in 1999/);
    expect(() => normalizeCve('CAN-2021-44228')).toThrow(/is not a CVE id/);
  });
});
