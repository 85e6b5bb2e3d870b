import { domainToASCII } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AssetMatcher } from './asset.matcher.ts';
import { AhoCorasick } from './aho-corasick.ts';
import { skeleton } from './homoglyph.ts';
import { validateRule, type AssetRule } from './subscription.rules.ts';

const asset = (r: Record<string, unknown>): AssetRule => validateRule('asset', r) as AssetRule;

describe('brand keywords', () => {
  const sakura = asset({ keywords: ['sakura', 'さくら銀行'], exclude_domains: ['sakura-bank.co.jp'] });
  const m = new AssetMatcher([sakura, asset({ keywords: ['momiji'] })]);

  it('match URLs and domains imitating the brand', () => {
    expect(m.match('domain-name:sakura-bank-login.example')).toEqual([{ owner: 0, reason: 'brand "sakura"' }]);
    expect(m.match('url:http://secure-sakura.example/login').map((h) => h.owner)).toEqual([0]);
    expect(m.match('email-addr:support@sakura-help.example').map((h) => h.owner)).toEqual([0]);
  });

  it('match a Japanese brand name in an IDN host and in a percent-encoded path', () => {
    const idn = domainToASCII('さくら銀行-ログイン.example');
    expect(idn.startsWith('xn--')).toBe(true);
    expect(m.match(`domain-name:${idn}`)).toEqual([{ owner: 0, reason: 'brand "さくら銀行"' }]);
    expect(m.match(`url:http://login.example/${encodeURIComponent('さくら銀行')}/`).map((h) => h.reason)).toEqual(['brand "さくら銀行"']);
  });

  it('see through homoglyphs, digits and separators', () => {
    // Cyrillic ѕ (U+0455) and а (U+0430) in place of Latin s and a, written as Punycode like any stored domain.
    const cyrillic = domainToASCII('ѕаkurа-login.example');
    expect(cyrillic.startsWith('xn--')).toBe(true);
    expect(m.match(`domain-name:${cyrillic}`).map((h) => h.owner)).toEqual([0]);
    expect(m.match('domain-name:s4kura.example').map((h) => h.owner)).toEqual([0]);
    expect(m.match('domain-name:sa-ku-ra.example').map((h) => h.owner)).toEqual([0]);
    expect(skeleton('ＳＡＫＵＲＡ')).toBe('sakura');
  });

  it('leave the brand’s own domains and unrelated names alone', () => {
    expect(m.match('url:https://www.sakura-bank.co.jp/login')).toEqual([]);
    expect(m.match('domain-name:example.com')).toEqual([]);
    expect(m.match('ipv4-addr:198.51.100.3')).toEqual([]);
  });

  it('refuse keywords too short to mean anything', () => {
    expect(() => validateRule('asset', { keywords: ['ab'] })).toThrow(/too short/);
    expect(validateRule('asset', { keywords: ['銀行'] })).toMatchObject({ keywords: ['銀行'] });
  });
});

describe('ranges, domains, AS numbers', () => {
  const m = new AssetMatcher([
    asset({ cidrs: ['198.51.100.0/24', '2001:db8::/32'], asns: ['AS64500'] }),
    asset({ domains: ['Example.CO.JP'], cidrs: ['198.51.100.128/25'] }),
  ]);

  it('match addresses inside ranges, of both families, and overlapping wider ranges', () => {
    expect(m.match('ipv4-addr:198.51.100.3').map((h) => h.owner)).toEqual([0]);
    expect(m.match('ipv4-addr:198.51.100.200').map((h) => h.owner).sort()).toEqual([0, 1]);
    expect(m.match('ipv4-addr:198.51.0.0/16').map((h) => h.owner).sort()).toEqual([0, 1]);
    expect(m.match('ipv6-addr:2001:db8:1::5').map((h) => h.reason)).toEqual(['address in 2001:db8::/32']);
    expect(m.match('ipv4-addr:203.0.113.9')).toEqual([]);
    expect(m.match('url:http://198.51.100.7/x').map((h) => h.owner)).toEqual([0]);
  });

  it('match domains and their subdomains on label boundaries, and AS numbers', () => {
    expect(m.match('url:https://mail.example.co.jp/a').map((h) => h.reason)).toEqual(['domain example.co.jp']);
    expect(m.match('domain-name:badexample.co.jp')).toEqual([]);
    expect(m.match('autonomous-system:64500').map((h) => h.owner)).toEqual([0]);
  });

  it('refuse ranges that are not ranges', () => {
    expect(() => validateRule('asset', { cidrs: ['300.1.1.1/8'] })).toThrow(/rule.cidrs\[0\]/);
    expect(() => validateRule('asset', {})).toThrow(/at least one/);
  });
});

describe('a thousand subscriptions against a million values', () => {
  it('matches a million keys against a thousand rules, each hit exactly once', () => {
    // Fixed-length codes of letters that no homoglyph rule rewrites (no r, n, v, m, w), so no brand's skeleton is inside another's.
    const letters = 'abcdefghijklopqstuxyz';
    const code = (n: number): string => `${letters[n % 21]}${letters[Math.floor(n / 21) % 21]}${letters[Math.floor(n / 441)]}`;
    const rules = Array.from({ length: 1000 }, (_, i) => asset({ keywords: [`brand${code(i)}`], cidrs: [`10.${i % 256}.${Math.floor(i / 256)}.0/24`] }));
    const m = new AssetMatcher(rules);
    let hits = 0;
    for (let i = 0; i < 500_000; i++) {
      hits += m.match(`domain-name:host.brand${code(i % 2000)}.example`).length;
      const j = i % 1000;
      hits += m.match(`ipv4-addr:10.${j % 256}.${Math.floor(j / 256)}.5`).length;
    }
    // Domains name one of the 1000 brands when i % 2000 < 1000 (half of them); every address falls in exactly one /24.
    expect(hits).toBe(250_000 + 500_000);
  });

  it('Aho–Corasick finds overlapping patterns', () => {
    expect(new AhoCorasick(['he', 'she', 'his', 'hers']).search('ushers').sort()).toEqual([0, 1, 3]);
  });
});
