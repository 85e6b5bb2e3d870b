import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { refang } from './refang.ts';

const haveData = hasSharedData();
const unit42 = (file: string): string => readFileSync(sharedData('ioc-extraction', 'unit42-freetext', file), 'utf8');

describe.runIf(haveData)('refang on the Unit 42 indicator lists', () => {
  // Expected digests derived once with sed, independently of this code:
  //   sed -e 's/\[\.\]/./g' -e 's/hxxp/http/g' FILE | sha256sum
  // (these lists defang only with "[.]" and "hxxp"; `grep -o '\[\.\]' FILE | wc -l` gives the counts).
  const expected: Record<string, { sha256: string; bracketDots: number }> = {
    '2020-07-07-TA551-IOCs-for-Ursnif-with-IcedID.txt': { sha256: '3f5498b4f13566c510a1b4fb7084ae19219c9f9f301e4cbcd984fdd676103af1', bracketDots: 21 },
    '2020-07-09-TA551-IOCs-for-Ursnif.txt': { sha256: 'd35e112e07b4a9157b6d3e7cdc2c900fe8b64878fa4d59396b5db7223729ff49', bracketDots: 36 },
    '2020-09-03-Emotet-thread-hijacking-spoofed-malspam-from-botnet.txt': { sha256: 'c2165bee7e41a2a528ab52f5d13db37dfc41965592d41d598d844887b275f195', bracketDots: 0 },
    'Appendix-A.txt': { sha256: 'e0720acbb63cd0c40713fc0ff79f2ed049f66bf2fbf617d2b3f04f51d0472ea3', bracketDots: 188 },
    'Conti_IOCs.txt': { sha256: '2bf9a68fa1eb4c92f0e4a4c07432f231bd0e027c021f987b54d3881feb0e7510', bracketDots: 10 },
    'Darkside_IOCs.txt': { sha256: 'f0e3d081480ad3dedbe2b8e9b1f998dec2246a3b9a6398719efef704c2425672', bracketDots: 0 },
    'Gamaredon_IoCs_DEC2022.txt': { sha256: 'c316393ea608cfd845f72d0606446ef0be98904e75e21d16c6758948464aa012', bracketDots: 17 },
  };

  it('covers every file of the folder', () => {
    const files = readdirSync(sharedData('ioc-extraction', 'unit42-freetext')).filter((f) => f.endsWith('.txt'));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [file, want] of Object.entries(expected)) {
    it(`refangs ${file} exactly as the reference transformation does, and nothing else`, () => {
      const text = unit42(file);
      expect(text.split('[.]').length - 1).toBe(want.bracketDots);
      const out = refang(text);
      expect(createHash('sha256').update(out).digest('hex')).toBe(want.sha256);
      expect(out).not.toContain('[.]');
      expect(out).not.toMatch(/hxxp/i);
    });
  }

  it('refangs single real values from the lists', () => {
    expect(refang('hxxps://t[.]me/s/chanelwer')).toBe('https://t.me/s/chanelwer');
    expect(refang('hxxp://82.146.44[.]82/jwiuwyduwyduw.rar')).toBe('http://82.146.44.82/jwiuwyduwyduw.rar');
    expect(refang('brasiliaeletronica[.]com[.]br')).toBe('brasiliaeletronica.com.br');
    expect(refang('<sender@naparniki[.]com>')).toBe('<sender@naparniki.com>');
  });
});

describe('refang of the other defanging styles', () => {
  const cases: [string, string][] = [
    ['hXXps://evil[.]com/x', 'https://evil.com/x'],
    ['hxxp[:]//example[.]com', 'http://example.com'],
    ['hxxps[://]example(.)com[/]path', 'https://example.com/path'],
    ['fxp://203.0.113[.]5/pub', 'ftp://203.0.113.5/pub'],
    ['h**p://example[dot]com', 'http://example.com'],
    ['example{.}com', 'example.com'],
    ['example(dot)com', 'example.com'],
    ['example[DOT]co[DOT]jp', 'example.co.jp'],
    ['user[@]example[.]com', 'user@example.com'],
    ['user(at)example[.]com', 'user@example.com'],
    ['user [at] example [dot] com', 'user@example.com'],
    ['http://example[.com/', 'http://example.com/'],
    ['192[.]168[dot]0[.]1', '192.168.0.1'],
    ['ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｃｏｍ／', 'http://example.com/'],
    ['ｕｓｅｒ＠ｅｘａｍｐｌｅ．ｊｐ', 'user@example.jp'],
    ['example。com', 'example.com'],
    ['ex\u200bample[.]com', 'example.com'],
    ['exa\u00admple.com\ufeff', 'example.com'],
    ['evil\u200d.com', 'evil.com'],
    ['テスト[.]jp', 'テスト.jp'],
    ['www dot example dot com', 'www.example.com'],
    ['example dot com', 'example.com'],
    ['visit www dot example dot co dot jp today', 'visit www.example.co.jp today'],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => expect(refang(input)).toBe(want));

  it('leaves prose alone where " dot " or "。" is ambiguous', () => {
    expect(refang('the dot net framework')).toBe('the dot net framework');
    expect(refang('click the red dot below')).toBe('click the red dot below');
    expect(refang('詳細はこちらです。次に進む')).toBe('詳細はこちらです。次に進む');
    expect(refang('ｶﾀｶﾅ stays half-width')).toBe('ｶﾀｶﾅ stays half-width');
  });

  it('returns text without defanging unchanged (and the same string)', () => {
    const s = 'https://example.com/a?b=c 198.51.100.3';
    expect(refang(s)).toBe(s);
  });

  // Seeds are fixed so that a run is reproducible; the properties hold for every seed tried.
  it('leaves valid domains, addresses and URLs unchanged', () => {
    const values = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6(), fc.webUrl({ withQueryParameters: true }));
    fc.assert(fc.property(values, (v) => refang(v) === v), { numRuns: 3000, seed: 20261123 });
  });

  it('never throws, and a second pass changes nothing on single-layer defanging', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => typeof refang(s) === 'string'), { numRuns: 3000, seed: 7 });
    const defanged = fc.tuple(fc.domain(), fc.constantFrom('[.]', '(.)', '{.}', '[dot]', '(dot)')).map(([d, dot]) => `hxxps[://]${d.replaceAll('.', dot)}[/]x`);
    fc.assert(fc.property(defanged, (s) => refang(refang(s)) === refang(s) && !refang(s).includes('[')), { numRuns: 2000, seed: 11 });
  });

  it('copes with a large hostile input (no catastrophic backtracking: a quadratic pass would hit the test timeout)', () => {
    const big = '[.]'.repeat(200_000) + 'x dot '.repeat(50_000) + 'com';
    const out = refang(big);
    expect(out.startsWith('.'.repeat(200_000))).toBe(true);
    expect(out.endsWith('com')).toBe(true);
  });
});
