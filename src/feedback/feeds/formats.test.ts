import { describe, expect, it } from 'vitest';
import { contentOf, msgOf, suricataRule } from './suricata.format.ts';
import { ipOwner, rpzRecords } from './rpz.format.ts';
import { derivedSid, SID_BASE, SID_RANGE } from './sid.assigner.ts';
import { prepareYara } from './yara.rules.ts';
import type { FeedEntry } from './feed.query.ts';

const entry = (type: string, value: string, key = `${type}:${value}`): FeedEntry => ({ key, type, value, confidence: null, tlp: 'green', validUntil: null, updatedAt: new Date(0), sid: 3_000_000_001 });

describe('Suricata', () => {
  it('hex-escapes what could break out of a content or a msg', () => {
    expect(contentOf('a"b;c|d\\e f')).toBe('a|22|b|3B|c|7C|d|5C|e|20|f');
    expect(contentOf('さ')).toBe('|E3 81 95|');
    expect(msgOf('x"; sid:1; ("')).toBe('x\\"\\; sid:1\\; (\\"');
  });

  it('writes no rule for what it cannot express', () => {
    expect(suricataRule({ ...entry('domain-name', 'a.example'), sid: null })).toBeUndefined();
    expect(suricataRule(entry('url', 'ftp://a.example/x'))).toBeUndefined();
    expect(suricataRule(entry('ipv4-addr', '1.2.3.4] any -> any any (sid:1;)'))).toBeUndefined();
  });
});

describe('RPZ owners', () => {
  it('reverse addresses and networks, IPv6 with zz for the longest zero run', () => {
    expect(ipOwner('198.51.100.3')).toBe('32.3.100.51.198.rpz-ip');
    expect(ipOwner('203.0.113.0/24')).toBe('24.0.113.0.203.rpz-ip');
    expect(ipOwner('2001:db8::7')).toBe('128.7.zz.db8.2001.rpz-ip');
    expect(ipOwner('2001:db8:0:0:1::1')).toBe('128.1.0.0.1.zz.db8.2001.rpz-ip');
    expect(ipOwner('not an address')).toBeUndefined();
  });

  it('never writes a name that would break the zone', () => {
    expect(rpzRecords(entry('domain-name', 'evil.example'))).toBe('evil.example CNAME .\n*.evil.example CNAME .\n');
    expect(rpzRecords(entry('domain-name', 'bad name.example'))).toBeUndefined();
    expect(rpzRecords(entry('domain-name', `${'a'.repeat(64)}.example`))).toBeUndefined();
    expect(rpzRecords(entry('domain-name', 'x.example\n@ IN NS evil.'))).toBeUndefined();
    expect(rpzRecords(entry('url', 'http://198.51.100.9:8080/x'))).toBe('32.9.100.51.198.rpz-ip CNAME .\n');
  });
});

describe('signature ids', () => {
  it('are derived from the value alone, inside the reserved range', () => {
    const a = derivedSid('domain-name:evil.example');
    expect(derivedSid('domain-name:evil.example')).toBe(a);
    expect(a).toBeGreaterThanOrEqual(SID_BASE);
    expect(a).toBeLessThan(SID_BASE + SID_RANGE);
    expect(derivedSid('domain-name:evil.example', 1)).not.toBe(a);
    const many = new Set(Array.from({ length: 10_000 }, (_, i) => derivedSid(`domain-name:d${i}.example`)));
    // 10,000 values in a billion ids: a collision is possible but unlikely (p ≈ 5 %); probing resolves it.
    expect(many.size).toBeGreaterThan(9_990);
  });
});

describe('YARA preparation', () => {
  it('renames clashing rules, hoists imports, refuses includes and unbalanced rules', () => {
    const taken = new Set<string>();
    const first = prepareYara('indicator--11111111-1111-4111-8111-111111111111', 'rule a { condition: true }', taken);
    const second = prepareYara('indicator--22222222-2222-4222-8222-222222222222', 'import "pe"\nprivate rule a : tag1 { condition: pe.is_pe }', taken);
    expect(first).toMatchObject({ ruleNames: ['a'] });
    expect(second).toMatchObject({ ruleNames: ['a_222222222222'], imports: ['pe'] });
    expect('text' in second && second.text).toBe('private rule a_222222222222 : tag1 { condition: pe.is_pe }');
    expect(prepareYara('indicator--3', 'include "/etc/passwd" rule b { condition: true }', taken)).toMatchObject({ reason: 'include directives are not allowed in shared rules' });
    expect(prepareYara('indicator--4', 'rule c { condition: true', taken)).toMatchObject({ reason: 'unbalanced braces' });
    expect(prepareYara('indicator--5', 'rule d { strings: $a = "}" condition: $a }', taken)).toMatchObject({ ruleNames: ['d'] });
    expect(prepareYara('indicator--6', 'import "evil"\nrule e { condition: true }', taken)).toMatchObject({ reason: 'import of unknown module "evil"' });
    expect(prepareYara('indicator--7', 'just text', taken)).toMatchObject({ reason: 'no rule in the pattern' });
  });
});
