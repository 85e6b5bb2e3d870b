import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { patternKeys } from './pattern.parser.ts';
import { keyOfValue, makeBankAccount } from './observable.factory.ts';

const haveData = hasSharedData();

describe.runIf(haveData)('indicators of the OASIS example bundles', () => {
  const indicators: { file: string; pattern: string }[] = [];
  if (haveData) {
    for (const file of readdirSync(sharedData('stix', 'oasis-examples')).filter((f) => f.endsWith('.json'))) {
      const bundle = JSON.parse(readFileSync(sharedData('stix', 'oasis-examples', file), 'utf8')) as { objects?: Record<string, unknown>[] };
      for (const o of bundle.objects ?? []) if (o.type === 'indicator') indicators.push({ file, pattern: String(o.pattern) });
    }
  }

  it('all parse, and the usable ones and their keys are the ones an independent count finds', () => {
    // Derived once with a Python script that reads every indicator and matches
    // (ipv4-addr:value|domain-name:value|url:value|file:hashes.<MD5|SHA-256 spellings>) = '…' with a regex,
    // keeping values without spaces, dropping "/32": 48 indicators, 41 with such an equality, 56 distinct keys.
    expect(indicators).toHaveLength(48);
    const results = indicators.map((i) => ({ ...i, r: patternKeys(i.pattern) }));
    expect(results.filter((x) => x.r.reason?.startsWith('pattern does not parse'))).toEqual([]);
    expect(results.filter((x) => x.r.usable)).toHaveLength(41);
    expect(new Set(results.flatMap((x) => x.r.keys)).size).toBe(56);
  });

  it('explains the unusable ones', () => {
    const reasons = indicators.map((i) => patternKeys(i.pattern)).filter((r) => !r.usable).map((r) => r.reason);
    expect(reasons).toHaveLength(7);
    expect(reasons.filter((r) => /MATCHES: not an equality/.test(r ?? ''))).toHaveLength(3);
    expect(reasons.filter((r) => /file names are not identities/.test(r ?? ''))).toHaveLength(2);
    expect(reasons.filter((r) => /x509-certificate:issuer: not a path the matcher indexes/.test(r ?? ''))).toHaveLength(2);
  });

  it('keeps the keys of a Poison Ivy indicator whose OR holds one broken value, and says so', () => {
    const i = indicators.find((x) => x.pattern.includes('domain autuo.xicp.net'))!;
    const r = patternKeys(i.pattern);
    expect(r).toMatchObject({ usable: true, keys: ['ipv4-addr:60.10.1.115'] });
    expect(r.reason).toMatch(/^partial: .*character " " is not allowed/);
  });
});

describe('patternKeys', () => {
  it('gives normalised keys in observableKeys format, OR as a union', () => {
    expect(patternKeys("[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'Example.COM.']")).toEqual({
      usable: true,
      keys: ['ipv4-addr:198.51.100.1', 'domain-name:example.com'],
    });
    expect(patternKeys("[url:value = 'HTTP://テスト.example.com:80/%7ea']").keys).toEqual([keyOfValue('url', 'http://xn--zckzah.example.com/~a')]);
    expect(patternKeys("[ipv6-addr:value = '2001:0db8::1/128']").keys).toEqual(['ipv6-addr:2001:db8::1']);
    expect(patternKeys("[ipv4-addr:value = '223.167.0.0/15']").keys).toEqual(['ipv4-addr:223.166.0.0/15']);
  });

  it('reads every hash spelling, IN lists and hashes[*] by length', () => {
    const md5 = 'cead3f77f6cda6ec00f57d76c9a6879f';
    const sha1 = 'adc83b19e793491b1c6ea0fd8b46cd9f32e592fc';
    const sha256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f';
    expect(patternKeys(`[file:hashes.md5 = '${md5.toUpperCase()}']`).keys).toEqual([`file:md5:${md5}`]);
    expect(patternKeys(`[file:hashes.'SHA-1' = '${sha1}' OR file:hashes.SHA1 = '${sha1}']`).keys).toEqual([`file:sha-1:${sha1}`]);
    expect(patternKeys(`[file:hashes.SHA256 IN ('${sha256}', '${'b'.repeat(64)}')]`).keys).toEqual([`file:sha-256:${sha256}`, `file:sha-256:${'b'.repeat(64)}`]);
    expect(patternKeys(`[file:hashes[*] = '${md5}']`).keys).toEqual([`file:md5:${md5}`]);
    expect(patternKeys(`[x509-certificate:hashes.'SHA-256' = '${sha256}']`).keys).toEqual([`x509-certificate:sha-256:${sha256}`]);
  });

  it('reads the other indexed paths', () => {
    const cases: [string, string[]][] = [
      ["[email-addr:value = 'Jane@Example.com']", ['email-addr:Jane@example.com']],
      ["[email-message:from_ref.value = 'a@b.example']", ['email-addr:a@b.example']],
      ["[network-traffic:dst_ref.value = '203.0.113.33/32' AND network-traffic:dst_port = 443]", ['ipv4-addr:203.0.113.33']],
      ["[network-traffic:src_ref.value = '2001:db8::0:1']", ['ipv6-addr:2001:db8::1']],
      ["[network-traffic:dst_ref.value = 'C2.Example.com']", ['domain-name:c2.example.com']],
      ['[autonomous-system:number = 64500]', ['autonomous-system:64500']],
      ["[autonomous-system:number = 'AS15169']", ['autonomous-system:15169']],
      ["[mac-addr:value = '00-0C-29-1A-2B-3C']", ['mac-addr:00:0c:29:1a:2b:3c']],
      ["[phone-number:value = '+81 3-1234-5678']", ['phone-number:+81312345678']],
      ["[cryptocurrency-wallet:address = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed']", ['cryptocurrency-wallet:ethereum:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed']],
      ["[cryptocurrency-wallet:address = 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4']", ['cryptocurrency-wallet:bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4']],
    ];
    for (const [pattern, keys] of cases) expect(patternKeys(pattern), pattern).toEqual({ usable: true, keys });
  });

  it('keys a bank account only when its identifying fields are compared together', () => {
    const want = makeBankAccount({ bank_code: '0001', branch_code: '001', account_type: 'futsu', account_number: '1234567' }).key;
    const p = "[bank-account:bank_code = '0001' AND bank-account:branch_code = '001' AND bank-account:account_type = 'futsu' AND bank-account:account_number = '1234567']";
    expect(patternKeys(p)).toEqual({ usable: true, keys: [want] });
    expect(patternKeys("[bank-account:account_number = '1234567']")).toMatchObject({ usable: false, reason: /bank_code/ });
  });

  it('keeps keys across AND, FOLLOWEDBY and qualifiers: a match on any key is a candidate', () => {
    const r = patternKeys("([ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [domain-name:value = 'example.com' AND file:name = 'x']) WITHIN 60 SECONDS");
    expect(r).toEqual({ usable: true, keys: ['ipv4-addr:198.51.100.1', 'domain-name:example.com'] });
    // AND with an unindexable side is still complete: every match involves the key.
    expect(patternKeys("[ipv4-addr:value = '198.51.100.1' AND network-traffic:dst_port > 1024]")).toEqual({ usable: true, keys: ['ipv4-addr:198.51.100.1'] });
  });

  it('says partial when an OR branch cannot be matched by key', () => {
    const r = patternKeys("[ipv4-addr:value = '198.51.100.1'] OR [url:value LIKE 'http://evil.example/%']");
    expect(r.usable).toBe(true);
    expect(r.keys).toEqual(['ipv4-addr:198.51.100.1']);
    expect(r.reason).toMatch(/^partial: .*url:value LIKE: not an equality/);
  });

  it('is unusable, with the reason, without an equality on an indexed path', () => {
    const cases: [string, RegExp][] = [
      ["[ipv4-addr:value != '198.51.100.1']", /!=: not an equality/],
      ["[ipv4-addr:value NOT = '198.51.100.1']", /NOT =: a negation/],
      ["[ipv4-addr:value ISSUBSET '198.51.100.0/24']", /ISSUBSET: not an equality/],
      ["[domain-name:value MATCHES 'evil']", /MATCHES: not an equality/],
      ["[file:name = 'invoice.exe']", /file names are not identities/],
      ["[process:name = 'x']", /not a path the matcher indexes/],
      ['[EXISTS ipv4-addr:value]', /EXISTS ipv4-addr:value: not an equality/],
      ["[ipv4-addr:value = '999.1.1.1']", /greater than 255/],
      ['[ipv4-addr:value IN ()]', /empty set/],
      ['[ipv4-addr:value = 5]', /an int literal where a string is expected/],
      ['[ipv4-addr:value = ', /^pattern does not parse at 19: mismatched input <EOF>/],
    ];
    for (const [pattern, reason] of cases) {
      const r = patternKeys(pattern);
      expect(r.usable, pattern).toBe(false);
      expect(r.keys).toEqual([]);
      expect(r.reason, pattern).toMatch(reason);
    }
  });

  it('lists at most three reasons', () => {
    const r = patternKeys("[a:a = 1 AND b:b = 2 AND c:c = 3 AND d:d = 4 AND e:e = 5]");
    expect(r.reason).toMatch(/; and 2 more$/);
  });
});
