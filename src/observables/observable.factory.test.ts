import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { EXT_IDS } from '../stix/extensions.ts';
import { STIX_NAMESPACE } from '../stix/stix.types.ts';
import { createStixValidator } from '../stix/stix.validator.ts';
import { CVE_NAMESPACE, CVE_STUB_TIMESTAMP, keyOfValue, makeBankAccount, makeObservable, ObservableError, observableKeys, VALUE_KINDS, type ValueKind } from './observable.factory.ts';

const haveData = hasSharedData();
const validator = createStixValidator(haveData ? sharedData('stix', 'schemas') : undefined);

// One raw (defanged, untidy) value of every kind, with its expected key and display.
const samples: [ValueKind, string, string, string][] = [
  ['ipv4-addr', '198.51.100[.]3', 'ipv4-addr:198.51.100.3', '198.51.100.3'],
  ['ipv4-addr', '192.168.0.1/24', 'ipv4-addr:192.168.0.0/24', '192.168.0.0/24'],
  ['ipv6-addr', '2001:0DB8::0001', 'ipv6-addr:2001:db8::1', '2001:db8::1'],
  ['domain-name', 'テスト.Example[.]com', 'domain-name:xn--zckzah.example.com', 'テスト.example.com'],
  ['url', 'hxxp://テスト.example[.]com:80/%7ea#x', 'url:http://xn--zckzah.example.com/~a', 'http://テスト.example.com/~a'],
  ['email-addr', 'Jane[@]Example[.]com', 'email-addr:Jane@example.com', 'Jane@example.com'],
  ['mac-addr', '00-0C-29-1A-2B-3C', 'mac-addr:00:0c:29:1a:2b:3c', '00:0c:29:1a:2b:3c'],
  ['autonomous-system', 'AS64500', 'autonomous-system:64500', 'AS64500'],
  ['md5', 'F6F8179AC71EAABFF12B8C024342109B', 'file:md5:f6f8179ac71eaabff12b8c024342109b', 'f6f8179ac71eaabff12b8c024342109b'],
  ['sha1', 'ADC83B19E793491B1C6EA0FD8B46CD9F32E592FC', 'file:sha-1:adc83b19e793491b1c6ea0fd8b46cd9f32e592fc', 'adc83b19e793491b1c6ea0fd8b46cd9f32e592fc'],
  ['sha256', '01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b', 'file:sha-256:01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b', '01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b'],
  ['sha512', 'A'.repeat(128), `file:sha-512:${'a'.repeat(128)}`, 'a'.repeat(128)],
  ['cve', 'cve-2021-44228', 'vulnerability:cve-2021-44228', 'CVE-2021-44228'],
  ['phone-number', '03-1234-5678', 'phone-number:+81312345678', '+81312345678'],
  ['btc-address', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'cryptocurrency-wallet:bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'],
  ['eth-address', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', 'cryptocurrency-wallet:ethereum:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'],
];

describe('makeObservable', () => {
  it('has a sample for every value kind', () => {
    expect(new Set(samples.map((s) => s[0]))).toEqual(new Set(VALUE_KINDS));
  });

  for (const [kind, raw, key, display] of samples) {
    it(`${kind} ${raw} → ${key}, a valid STIX 2.1 object whose keys and keyOfValue agree`, () => {
      const made = makeObservable(kind, raw);
      expect(made.key).toBe(key);
      expect(made.display).toBe(display);
      expect(made.object.spec_version).toBe('2.1');
      expect(validator.validateObject(made.object, kind)).toEqual([]);
      expect(observableKeys(made.object)).toEqual([key]);
      expect(keyOfValue(kind, raw)).toBe(key);
      expect(makeObservable(kind, raw).object.id).toBe(made.object.id); // deterministic
    });
  }

  it('gives SCOs the spec’s deterministic id (UUIDv5 of the canonical id-contributing properties)', () => {
    // Derived by hand from STIX 2.1 section 2.9 rather than through deterministicId().
    const ip = makeObservable('ipv4-addr', '198.51.100.3').object;
    expect(ip.id).toBe(`ipv4-addr--${uuidv5('{"value":"198.51.100.3"}', STIX_NAMESPACE)}`);
    const file = makeObservable('sha256', 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F').object;
    expect(file.id).toBe(`file--${uuidv5('{"hashes":{"SHA-256":"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}}', STIX_NAMESPACE)}`);
    expect(file.hashes).toEqual({ 'SHA-256': 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' });
    const asn = makeObservable('autonomous-system', 'as64500').object;
    expect(asn).toMatchObject({ type: 'autonomous-system', number: 64500, id: `autonomous-system--${uuidv5('{"number":64500}', STIX_NAMESPACE)}` });
    const wallet = makeObservable('btc-address', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa').object;
    expect(wallet.id).toBe(`cryptocurrency-wallet--${uuidv5('{"address":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa","chain":"bitcoin"}', STIX_NAMESPACE)}`);
  });

  it('makes one vulnerability per CVE, with a name-based id and the cve external reference', () => {
    const a = makeObservable('cve', 'CVE-2021-44228').object;
    const b = makeObservable('cve', 'cve\u20132021\u201344228').object;
    expect(a).toEqual(b);
    expect(a).toEqual({
      type: 'vulnerability',
      spec_version: '2.1',
      id: `vulnerability--${uuidv5('CVE-2021-44228', CVE_NAMESPACE)}`,
      created: CVE_STUB_TIMESTAMP,
      modified: CVE_STUB_TIMESTAMP,
      name: 'CVE-2021-44228',
      external_references: [{ source_name: 'cve', external_id: 'CVE-2021-44228' }],
    });
  });

  it('marks phone numbers and wallets as Kessetsu new-sco extensions', () => {
    expect(makeObservable('phone-number', '090-1234-5678').object.extensions).toEqual({ [EXT_IDS.phoneNumber]: { extension_type: 'new-sco' } });
    expect(makeObservable('eth-address', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed').object.extensions).toEqual({ [EXT_IDS.cryptocurrencyWallet]: { extension_type: 'new-sco' } });
    expect(makeObservable('phone-number', '+1 202 555 0123').object.country).toBeUndefined();
  });

  it('requires a public suffix for new domains and e-mail addresses, but keys them without one', () => {
    expect(() => makeObservable('domain-name', 'host.local')).toThrow(ObservableError);
    expect(() => makeObservable('email-addr', 'a@host.local')).toThrow(/not a public suffix/);
    expect(keyOfValue('domain-name', 'Host.LOCAL')).toBe('domain-name:host.local');
  });

  it('throws ObservableError, never anything else, on hostile input', () => {
    const kinds = fc.constantFrom(...VALUE_KINDS);
    fc.assert(
      fc.property(kinds, fc.string({ maxLength: 60 }), (kind, raw) => {
        try {
          makeObservable(kind, raw);
        } catch (e) {
          if (!(e instanceof ObservableError)) throw e;
        }
      }),
      { numRuns: 5000, seed: 5 },
    );
    expect(() => makeObservable('ipv4-addr', 42 as unknown as string)).toThrow(/must be a string/);
    expect(() => makeObservable('nope' as ValueKind, 'x')).toThrow(/unknown value kind/);
  });
});

describe('keyOfValue', () => {
  it('refangs only when a value does not normalise as given, with the same result', () => {
    expect(keyOfValue('md5', 'ｆ６ｆ８１７９ａｃ７１ｅａａｂｆｆ１２ｂ８ｃ０２４３４２１０９ｂ')).toBe('file:md5:f6f8179ac71eaabff12b8c024342109b');
    expect(keyOfValue('ipv6-addr', '2001:db8::1\u200b')).toBe('ipv6-addr:2001:db8::1');
    expect(keyOfValue('url', 'hxxp://evil.example/x')).toBe('url:http://evil.example/x');
    expect(keyOfValue('email-addr', 'ｕｓｅｒ＠example.com')).toBe('email-addr:user@example.com');
    expect(() => keyOfValue('ipv4-addr', '198.51.100[.]300')).toThrow(/octet 4 is greater than 255/);
  });

  it('refuses megabyte-long values of every kind with an ObservableError', () => {
    // How long it takes is not asserted (a 2 s bound failed CI once on a loaded machine); a
    // super-linear normaliser would run into the test timeout.
    for (const kind of VALUE_KINDS) {
      for (const huge of ['1'.repeat(5_000_000), 'a-'.repeat(2_500_000), `${'a.'.repeat(2_500_000)}com`, `http://${'a'.repeat(5_000_000)}.com/`]) {
        expect(() => keyOfValue(kind, huge), kind).toThrow(ObservableError);
      }
    }
    expect(() => keyOfValue('url', `http://example.com/${'a'.repeat(70_000)}`)).toThrow(/longer than 65536/);
  });
});

describe('makeBankAccount', () => {
  it('builds a valid bank-account SCO with its key, extension and deterministic id', () => {
    const made = makeBankAccount({ bank_code: '1', branch_code: '12', account_type: 'ﾌﾂｳ', account_number: '123456', holder_name: 'ﾔﾏﾀﾞ ﾀﾛｳ' });
    expect(made.key).toBe('bank-account:JP:0001:012:futsu:0123456');
    expect(made.object).toMatchObject({ type: 'bank-account', country: 'JP', holder_name: 'ヤマダ タロウ', extensions: { [EXT_IDS.bankAccount]: { extension_type: 'new-sco' } } });
    const props = '{"account_number":"0123456","account_type":"futsu","bank_code":"0001","branch_code":"012","country":"JP"}';
    expect(made.object.id).toBe(`bank-account--${uuidv5(props, STIX_NAMESPACE)}`);
    expect(validator.validateObject(made.object, 'bank')).toEqual([]);
    expect(observableKeys(made.object)).toEqual([made.key]);
    // The holder name does not contribute to the id: the same account under another spelling is one object.
    expect(makeBankAccount({ bank_code: '0001', branch_code: '012', account_type: 'futsu', account_number: '0123456' }).object.id).toBe(made.object.id);
  });
});

describe('observableKeys of objects from elsewhere', () => {
  const id = 'x--00000000-0000-4000-8000-000000000000';
  it('re-normalises values, so imported and typed values meet', () => {
    expect(observableKeys({ type: 'domain-name', id, value: 'Example.COM.' })).toEqual(['domain-name:example.com']);
    expect(observableKeys({ type: 'ipv6-addr', id, value: '2001:0db8:0:0:0:0:0:1' })).toEqual(['ipv6-addr:2001:db8::1']);
    expect(observableKeys({ type: 'url', id, value: 'HTTP://Example.com:80' })).toEqual(['url:http://example.com/']);
    expect(observableKeys({ type: 'phone-number', id, value: '+81 3 1234 5678' })).toEqual(['phone-number:+81312345678']);
  });

  it('keys a value that does not normalise as written (it can still meet itself)', () => {
    expect(observableKeys({ type: 'ipv4-addr', id, value: '010.0.0.1' })).toEqual(['ipv4-addr:010.0.0.1']);
    expect(observableKeys({ type: 'domain-name', id, value: 'Bad..Name' })).toEqual(['domain-name:bad..name']);
  });

  it('gives one key per known hash and skips malformed ones', () => {
    const hashes = { MD5: 'CEAD3F77F6CDA6EC00F57D76C9A6879F', 'SHA-1': 'nothex', SHA256: 'a'.repeat(64), 'SSDEEP': '3:abc:def' };
    expect(observableKeys({ type: 'file', id, hashes })).toEqual(['file:md5:cead3f77f6cda6ec00f57d76c9a6879f', `file:sha-256:${'a'.repeat(64)}`]);
    expect(observableKeys({ type: 'x509-certificate', id, hashes: { 'SHA-256': 'B'.repeat(64) } })).toEqual([`x509-certificate:sha-256:${'b'.repeat(64)}`]);
  });

  it('keys vulnerabilities by CVE from the name or the cve external reference', () => {
    const v = { type: 'vulnerability', id, name: 'Log4Shell', external_references: [{ source_name: 'cve', external_id: 'CVE-2021-44228' }, { source_name: 'capec', external_id: 'CAPEC-1' }] };
    expect(observableKeys(v)).toEqual(['vulnerability:cve-2021-44228']);
    expect(observableKeys({ type: 'vulnerability', id, name: 'no cve here' })).toEqual([]);
  });

  it('keys wallets, bank accounts and AS numbers, and gives nothing for others or garbage', () => {
    expect(observableKeys({ type: 'cryptocurrency-wallet', id, chain: 'Ethereum', address: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' })).toEqual(['cryptocurrency-wallet:ethereum:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed']);
    expect(observableKeys({ type: 'cryptocurrency-wallet', id, chain: 'tron', address: 'TXYZ' })).toEqual(['cryptocurrency-wallet:tron:TXYZ']);
    expect(observableKeys({ type: 'bank-account', id, country: 'GB', account_number: '31926819', bank_code: 'NWBK' })).toEqual(['bank-account:GB:NWBK:::31926819']);
    expect(observableKeys({ type: 'autonomous-system', id, number: 15169 })).toEqual(['autonomous-system:15169']);
    expect(observableKeys({ type: 'autonomous-system', id, number: -1 })).toEqual([]);
    expect(observableKeys({ type: 'process', id, pid: 4 })).toEqual([]);
    expect(observableKeys({ type: 'domain-name', id, value: 42 })).toEqual([]);
    expect(observableKeys(null as never)).toEqual([]);
  });
});

describe.runIf(haveData)('real published indicators', () => {
  const unit42 = (file: string): string => readFileSync(sharedData('ioc-extraction', 'unit42-freetext', file), 'utf8');

  it('folds the defanged and plain spellings of one Conti C2 address into one key', () => {
    // 8 IPv4 mentions, 7 distinct once refanged:
    //   grep -oE '[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(\[\.\]|\.)[0-9]{1,3}' Conti_IOCs.txt | sed 's/\[\.\]/./' | sort -u | wc -l
    const found = unit42('Conti_IOCs.txt').match(/\d{1,3}\.\d{1,3}\.\d{1,3}(?:\[\.\]|\.)\d{1,3}/g) ?? [];
    expect(found).toHaveLength(8);
    expect(new Set(found.map((v) => keyOfValue('ipv4-addr', v))).size).toBe(7);
  });

  it('makes objects of the 46 distinct defanged relay addresses of the BazarCall appendix', () => {
    // 46 = grep -oE '[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\[\.\][0-9]{1,3}' Appendix-A.txt | sort -u | wc -l
    const found = unit42('Appendix-A.txt').match(/\d{1,3}\.\d{1,3}\.\d{1,3}\[\.\]\d{1,3}/g) ?? [];
    const ids = new Set(found.map((v) => makeObservable('ipv4-addr', v).object.id));
    expect(ids.size).toBe(46);
  });

  it('keys the values the ioc-extractor fixture expects from its complex input', () => {
    const expected = JSON.parse(readFileSync(sharedData('ioc-extraction', 'ninoseki-ioc-extractor', 'extractIOC_expected.json'), 'utf8')) as {
      cases: { name: string; expected: Record<string, string[]> }[];
    };
    const c = expected.cases.find((x) => x.name === 'complex input')!.expected;
    const keys = (kind: ValueKind, values: string[] | undefined): string[] => (values ?? []).map((v) => makeObservable(kind, v).key);
    expect(keys('ipv6-addr', c.ipv6s)).toEqual(['ipv6-addr:fdc4:2581:575b:5a72::1']);
    expect(keys('autonomous-system', c.asns)).toEqual(['autonomous-system:3462', 'autonomous-system:15169']);
    expect(keys('domain-name', c.domains)).toEqual(['domain-name:ex4mple.com', 'domain-name:exa-mple.com', 'domain-name:example.com', 'domain-name:short.is']);
    // The fixture's 9 URLs list "http://example.com" and "http://example.com/" apart; canonically
    // they are one URL (empty path → "/"), and ":80" goes, so 8 keys remain.
    expect(c.urls).toHaveLength(9);
    const urls = new Set(keys('url', c.urls));
    expect(urls.size).toBe(8);
    expect(urls.has('url:http://192.168.0.1/path')).toBe(true);
    for (const [kind, list] of [['md5', c.md5s], ['sha1', c.sha1s], ['sha256', c.sha256s], ['sha512', c.sha512s]] as const)
      expect(keys(kind, list)).toEqual(list!.map((h) => `file:${kind.replace(/^sha(\d)/, 'sha-$1')}:${h}`));
  });
});
