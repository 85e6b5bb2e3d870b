import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { domainDisplay, emailDisplay, normalizeDomain, normalizeEmail } from './domain.normalize.ts';
import { refang } from './refang.ts';

const haveData = hasSharedData();

describe('domain names', () => {
  const canonical: [string, string][] = [
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['テスト.example.com', 'xn--zckzah.example.com'],
    ['xn--zckzah.example.com', 'xn--zckzah.example.com'],
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['faß.de', 'xn--fa-hia.de'], // IDNA2008/UTS 46 non-transitional, as WHATWG URL does
    ['ｅｘａｍｐｌｅ．ｃｏｍ', 'example.com'],
    ['_dmarc.example.com', '_dmarc.example.com'],
    ['a0662337.xsph.ru', 'a0662337.xsph.ru'],
    ['foo.onion', 'foo.onion'],
    ['m12-11.163.com', 'm12-11.163.com'],
  ];
  for (const [raw, want] of canonical) it(`${raw} → ${want}`, () => expect(normalizeDomain(raw)).toBe(want));

  it('keeps the Unicode form for display', () => {
    expect(domainDisplay('xn--zckzah.example.com')).toBe('テスト.example.com');
    expect(domainDisplay('xn--e1afmkfd.xn--p1ai')).toBe('пример.рф');
    expect(domainDisplay('example.com')).toBe('example.com');
  });

  it('refuses broken names with a reason', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['.', /empty/],
      ['a..b.com', /label 2 is empty/],
      ['-a.com', /starts or ends with a hyphen/],
      ['a-.com', /starts or ends with a hyphen/],
      [`${'a'.repeat(64)}.com`, /64 characters long, more than 63/],
      [`${'abcdefghi.'.repeat(26)}com`, /more than 253/],
      ['a b.com', /character " "/],
      ['a/b.com', /character "\/"/],
      ['1234', /numeric label/],
      ['198.51.100.3', /numeric label/],
      ['xn--a.com', /not valid Punycode/],
      ['foo.c_m', /top-level label has an underscore/],
      ['example.nope', /".nope" is not a public suffix/],
      ['host.local', /is not a public suffix/],
      ['co.jp', /is itself a public suffix/],
      ['com', /is itself a public suffix/],
    ];
    for (const [raw, reason] of bad) expect(() => normalizeDomain(raw), raw).toThrow(reason);
  });

  it('accepts names without a public suffix when told so', () => {
    expect(normalizeDomain('Host.LOCAL', { requirePublicSuffix: false })).toBe('host.local');
    expect(normalizeDomain('example.nope', { requirePublicSuffix: false })).toBe('example.nope');
    expect(() => normalizeDomain('a..b', { requirePublicSuffix: false })).toThrow(/label 2 is empty/);
  });

  it('is idempotent on generated names (property)', () => {
    fc.assert(
      fc.property(fc.domain(), (d) => {
        const once = normalizeDomain(d, { requirePublicSuffix: false });
        return normalizeDomain(once, { requirePublicSuffix: false }) === once && once === once.toLowerCase();
      }),
      { numRuns: 3000, seed: 3 },
    );
  });

  it.runIf(haveData)('reads all 596 domains of the Unit 42 Gamaredon list, each a distinct key', () => {
    // 596 = `sed -n 2,598p Gamaredon_IoCs_DEC2022.txt | grep -cv '^\s*$'`, all distinct after lower-casing.
    const text = readFileSync(sharedData('ioc-extraction', 'unit42-freetext', 'Gamaredon_IoCs_DEC2022.txt'), 'utf8');
    const section = text.split(/^# /m).find((s) => s.startsWith('Domain'))!;
    const domains = section.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    expect(domains).toHaveLength(596);
    expect(new Set(domains.map((d) => normalizeDomain(d))).size).toBe(596);
  });

  it.runIf(haveData)('reads the 56 distinct defanged names of the BazarCall appendix', () => {
    // 56 = grep -oE '[a-z0-9][a-z0-9.-]*\[\.\][a-z]{2,}(\[\.\][a-z]{2,})?' Appendix-A.txt | sed 's/\[\.\]/./g' | sort -u | wc -l
    const text = readFileSync(sharedData('ioc-extraction', 'unit42-freetext', 'Appendix-A.txt'), 'utf8');
    const found = text.match(/[a-z0-9][a-z0-9.-]*\[\.\][a-z]{2,}(?:\[\.\][a-z]{2,})?/g) ?? [];
    const names = new Set(found.map((d) => normalizeDomain(refang(d))));
    expect(names.size).toBe(56);
    expect(names.has('brasiliaeletronica.com.br')).toBe(true);
  });
});

describe('e-mail addresses', () => {
  it('normalises the domain part and keeps the local part as written', () => {
    expect(normalizeEmail('Jane.Doe@Example.COM')).toBe('Jane.Doe@example.com');
    expect(normalizeEmail('test@テスト.example.com')).toBe('test@xn--zckzah.example.com');
    expect(emailDisplay('test@xn--zckzah.example.com')).toBe('test@テスト.example.com');
    expect(normalizeEmail('<vinicius.sc@somahospitalar.com.br>')).toBe('vinicius.sc@somahospitalar.com.br');
    expect(normalizeEmail('mailto:no-reply@worldbookpoint.com')).toBe('no-reply@worldbookpoint.com');
    expect(normalizeEmail('a+tag@example.com')).toBe('a+tag@example.com');
  });

  it('refuses malformed addresses with a reason', () => {
    const bad: [string, RegExp][] = [
      ['no-at.example.com', /has no @/],
      ['@example.com', /empty local part/],
      [`${'a'.repeat(65)}@example.com`, /more than 64/],
      ['a b@example.com', /local part has a space/],
      ['"quoted"@example.com', /local part has/],
      ['.a@example.com', /misplaced dot/],
      ['a..b@example.com', /misplaced dot/],
      ['a@[192.0.2.1]', /address literals/],
      ['a@example.nope', /not a public suffix/],
      ['a@exa mple.com', /character " "/],
    ];
    for (const [raw, reason] of bad) expect(() => normalizeEmail(raw), raw).toThrow(reason);
    expect(normalizeEmail('a@example.nope', { requirePublicSuffix: false })).toBe('a@example.nope');
  });
});
