import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { parseText } from './text.parser.ts';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const ofType = (objects: StixObject[], type: string) => objects.filter((o) => o.type === type);

describe.runIf(hasSharedData())('parseText on Unit 42 lists', () => {
  it('Conti: 44 SHA-256, 7 IPv4 and 3 domains, each with an indicator based on it', () => {
    // Counts derived with the shell pipelines written in indicator.extractor.test.ts; domains:
    // grep -oE '^[a-z0-9.-]+\[\.\][a-z]+' Conti_IOCs.txt | sort -u | wc -l → 3.
    const r = parseText(readFileSync(sharedData('ioc-extraction', 'unit42-freetext', 'Conti_IOCs.txt')), { now: NOW });
    expect(r.format).toBe('text');
    expect(r.errors).toEqual([]);
    expect(r.summary?.counts).toEqual({ 'ipv4-addr': 7, 'domain-name': 3, sha256: 44 });
    expect(ofType(r.objects, 'file')).toHaveLength(44);
    const indicators = ofType(r.objects, 'indicator');
    const rels = ofType(r.objects, 'relationship');
    expect(indicators).toHaveLength(54);
    expect(rels).toHaveLength(54);
    const ids = new Set(r.objects.map((o) => o.id));
    for (const rel of rels) {
      expect(rel.relationship_type).toBe('based-on');
      expect(ids.has(rel.source_ref as string) && ids.has(rel.target_ref as string)).toBe(true);
    }
    const ind = indicators.find((i) => String(i.pattern).startsWith('[ipv4-addr'))!;
    expect(ind).toMatchObject({ pattern_type: 'stix', valid_from: NOW.toISOString(), created: NOW.toISOString() });
    // A placeholder derived from the pattern; the ingest gives it an id of the contributing organisation's.
    expect(ind.id).toMatch(/^indicator--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ofType(r.objects, 'file')[0]!.hashes).toHaveProperty('SHA-256');
    expect(createStixValidator(sharedData('stix', 'schemas')).validateBundle({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: r.objects }).errors).toEqual([]);
  });

  it('Emotet mail as text: relay addresses inside private ranges are skipped and counted', () => {
    const r = parseText(readFileSync(sharedData('ioc-extraction', 'unit42-freetext', '2020-09-03-Emotet-thread-hijacking-spoofed-malspam-from-botnet.txt')), { now: NOW });
    // 10.197.33.12, 10.30.188.44 and 10.30.190.2 appear in Received and X-ClientProxiedBy headers.
    expect(r.summary?.skipped).toEqual({ 'ipv4-addr private': 3 });
    expect(ofType(r.objects, 'ipv4-addr').map((o) => o.value).sort()).toEqual(['189.126.112.73', '189.126.112.85', '191.252.199.165', '200.87.242.147']);
  });
});

describe('parseText', () => {
  const report = 'TLP:AMBER\n不審な接続先: hxxps://phish[.]example[.]co[.]jp/login\n送金先: 銀行コード0005 支店コード123 普通預金 口座番号1234567\n連絡先 090-1234-5678, CVE-2021-44228';

  it('reads Shift_JIS and EUC-JP as well as UTF-8', () => {
    const expected = parseText(Buffer.from(report), { now: NOW });
    for (const enc of ['shift_jis', 'euc-jp'] as const) {
      const r = parseText(iconv.encode(report, enc), { now: NOW });
      expect(r.summary?.encoding).toBe(enc);
      expect(r.summary?.counts).toEqual(expected.summary?.counts);
    }
    expect(expected.summary?.counts).toEqual({ url: 1, 'domain-name': 1, 'bank-account': 1, 'phone-number': 1, cve: 1 });
  });

  it('states the TLP the text gives, makes CVEs vulnerabilities without indicators, and bank accounts with one', () => {
    const r = parseText(report, { now: NOW });
    expect(r.tlp).toBe('amber');
    expect(ofType(r.objects, 'vulnerability')).toHaveLength(1);
    const patterns = ofType(r.objects, 'indicator').map((i) => i.pattern);
    expect(patterns).toContain("[url:value = 'https://phish.example.co.jp/login']");
    expect(patterns).toContain("[phone-number:value = '+819012345678']");
    expect(patterns.some((p) => String(p).startsWith("[bank-account:country = 'JP' AND bank-account:bank_code = '0005'"))).toBe(true);
    expect(patterns).toHaveLength(4);
    // Bank account and phone number are Kessetsu extension SCOs; they pass the extension schemas.
    expect(createStixValidator(undefined).validateBundle({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: r.objects }).errors).toEqual([]);
  });

  it('warns, naming the line, when a found value cannot become an observable', () => {
    const r = parseText('first line\n三菱UFJ銀行 新宿支店 普通 1234567', { now: NOW });
    expect(r.warnings).toEqual([{ where: 'line 2', reason: expect.stringContaining('no branch code stated') }]);
    expect(r.objects).toEqual([]);
  });

  it('answers an empty result with a warning for text without indicators, and never throws on binary junk', () => {
    expect(parseText('nothing to see here').warnings).toEqual([{ where: '(input)', reason: 'no indicators found in the text' }]);
    const junk = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256));
    expect(() => parseText(junk)).not.toThrow();
  });
});
