import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { normalizeUrl, urlDisplay } from './url.normalize.ts';
import { refang } from './refang.ts';

const haveData = hasSharedData();

describe('URLs', () => {
  const canonical: [string, string][] = [
    ['HTTP://Example.COM', 'http://example.com/'],
    ['http://example.com:80/path', 'http://example.com/path'],
    ['https://example.com:443/', 'https://example.com/'],
    ['https://example.com:8443/', 'https://example.com:8443/'],
    ['http://テスト.example.com/', 'http://xn--zckzah.example.com/'],
    ['http://example.com/%7euser/%41%2f%2F?q=%3d%7E', 'http://example.com/~user/A%2F%2F?q=%3D~'],
    ['http://example.com/a?b=2&a=1', 'http://example.com/a?b=2&a=1'],
    ['http://example.com/a#fragment', 'http://example.com/a'],
    ['http://example.com/a?', 'http://example.com/a'],
    ['http://example.com/a??', 'http://example.com/a??'],
    ['http://example.com/a/./b/../c', 'http://example.com/a/c'],
    ['http://0x7f.1/', 'http://127.0.0.1/'], // the browser's reading of the host is the one that matters
    ['http://[FDC4:2581:575b:5a72:0000:0000:0000:0001]:80/path', 'http://[fdc4:2581:575b:5a72::1]/path'],
    ['http://user:Pass@Example.com/', 'http://user:Pass@example.com/'],
    ['example.com/path', 'http://example.com/path'],
    ['192.168.0.1:9090/url', 'http://192.168.0.1:9090/url'],
    ['tcp://Example.com:80/', 'tcp://example.com:80/'],
    ['tcp://203.0.113.7:4444', 'tcp://203.0.113.7:4444/'],
    ['http://example.com/path with space', 'http://example.com/path%20with%20space'],
  ];
  for (const [raw, want] of canonical) it(`${raw} → ${want}`, () => expect(normalizeUrl(raw)).toBe(want));

  it('shows the host in Unicode', () => {
    expect(urlDisplay('http://xn--zckzah.example.com/a?b=xn--c')).toBe('http://テスト.example.com/a?b=xn--c');
    expect(urlDisplay('http://user@xn--zckzah.jp:8080/')).toBe('http://user@テスト.jp:8080/');
  });

  it('refuses what is not a URL with a host', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['mailto:a@example.com', /no "\/\/" authority/],
      ['javascript:alert(1)', /no "\/\/" authority/],
      ['http://', /not a valid URL/],
      ['http://exa mple.com/', /not a valid URL/],
      ['http://1.2.3.4.5/', /not a valid URL/],
      ['tcp://010.0.0.1/', /leading zero/],
      ['http://a..b/', /label 2 is empty/],
      ['http://exa!mple.com/', /character "!"/],
      [`http://example.com/${'a'.repeat(70_000)}`, /longer than 65536/],
    ];
    for (const [raw, reason] of bad) expect(() => normalizeUrl(raw), raw.slice(0, 40)).toThrow(reason);
  });

  it('requires a public suffix only when told', () => {
    expect(normalizeUrl('http://intranet.local/x')).toBe('http://intranet.local/x');
    expect(() => normalizeUrl('http://intranet.local/x', { requirePublicSuffix: true })).toThrow(/not a public suffix/);
  });

  it('is idempotent on generated web URLs (property)', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (u) => {
        const once = normalizeUrl(u);
        return normalizeUrl(once) === once && !once.includes('#');
      }),
      { numRuns: 2000, seed: 4 },
    );
  });

  it.runIf(haveData)('reads the 17 defanged Telegram and payload URLs of the Gamaredon list', () => {
    // 17 = grep -oE 'hxxps?://[^ ]+' Gamaredon_IoCs_DEC2022.txt | sort -u | wc -l
    const text = readFileSync(sharedData('ioc-extraction', 'unit42-freetext', 'Gamaredon_IoCs_DEC2022.txt'), 'utf8');
    const urls = (text.match(/hxxps?:\/\/\S+/g) ?? []).map((u) => normalizeUrl(refang(u)));
    expect(new Set(urls).size).toBe(17);
    expect(urls).toContain('https://t.me/s/chanelwer');
  });
});
