import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { normalizeIpv4, parseIpv4 } from './ip.normalize.ts';
import { normalizeIpv6 } from './ipv6.normalize.ts';
import { ObservableError } from './observable.error.ts';

const haveData = hasSharedData();

describe('IPv4', () => {
  it('accepts strict dotted quads and keeps them', () => {
    expect(normalizeIpv4('198.51.100.3')).toBe('198.51.100.3');
    expect(normalizeIpv4(' 0.0.0.0 ')).toBe('0.0.0.0');
    expect(normalizeIpv4('255.255.255.255')).toBe('255.255.255.255');
  });

  it('refuses octets with a leading zero, naming the octet (octal/decimal ambiguity)', () => {
    expect(() => normalizeIpv4('010.1.1.1')).toThrow(/octet 1 has a leading zero/);
    expect(() => normalizeIpv4('192.168.001.001')).toThrow(/octet 3 has a leading zero/);
    expect(() => normalizeIpv4('10.0.0.00')).toThrow(/octet 4 has a leading zero/);
  });

  it('refuses short, integer, hex, out-of-range and decorated forms with a reason', () => {
    const bad: [string, RegExp][] = [
      ['127.1', /2 octets, not four/],
      ['2130706433', /octet 1 has more than three digits/],
      ['1.2.3', /3 octets, not four/],
      ['0x7f.0.0.1', /unexpected character "x"/],
      ['256.1.1.1', /greater than 255/],
      ['1.2.3.4.5', /more than four octets/],
      ['1.2..4', /octet 3 is empty/],
      ['1.2.3.4:80', /unexpected character ":"/],
      ['', /empty value/],
      ['1.2.3.4/33', /prefix length 33 is greater than 32/],
      ['1.2.3.4/x', /prefix length "x" is not a number/],
    ];
    for (const [raw, reason] of bad) {
      expect(() => normalizeIpv4(raw), raw).toThrow(ObservableError);
      expect(() => normalizeIpv4(raw), raw).toThrow(reason);
    }
  });

  it('canonicalises CIDRs: host bits cleared, /32 collapsed, /0 kept', () => {
    expect(normalizeIpv4('192.168.0.1/24')).toBe('192.168.0.0/24');
    expect(normalizeIpv4('203.0.113.33/32')).toBe('203.0.113.33');
    expect(normalizeIpv4('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normalizeIpv4('223.167.255.255/15')).toBe('223.166.0.0/15');
    expect(normalizeIpv4('1.2.3.4/0')).toBe('0.0.0.0/0');
    expect(normalizeIpv4('255.255.255.255/31')).toBe('255.255.255.254/31');
  });

  it('agrees with ipaddr.js on every address and prefix (property)', () => {
    const cidr = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }));
    fc.assert(
      fc.property(cidr, ([ip, prefix]) => {
        const want = prefix === 32 ? ip : `${ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`).toString()}/${prefix}`;
        return normalizeIpv4(`${ip}/${prefix}`) === want && parseIpv4(ip) === ipaddr.IPv4.parse(ip).toByteArray().reduce((a, b) => a * 256 + b, 0);
      }),
      { numRuns: 3000, seed: 1 },
    );
  });

  it.runIf(haveData)('reads every address of the Unit 42 Gamaredon list as already canonical', () => {
    // 18 addresses under "# IP Address" in Unit 42's Gamaredon list (counted with sed -n 600,618p | grep -cv '^$').
    const text = readFileSync(sharedData('ioc-extraction', 'unit42-freetext', 'Gamaredon_IoCs_DEC2022.txt'), 'utf8');
    const section = text.split(/^# /m).find((s) => s.startsWith('IP Address'))!;
    const ips = section.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    expect(ips).toHaveLength(18);
    expect(ips.map(normalizeIpv4)).toEqual(ips);
  });
});

describe('IPv6', () => {
  const canonical: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal zero runs is compressed
    ['2001:db8::0:1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['fdc4:2581:575b:5a72:0000:0000:0000:0001', 'fdc4:2581:575b:5a72::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::FFFF:c000:0201', '::ffff:192.0.2.1'],
    ['::1.2.3.4', '::102:304'], // IPv4-compatible (deprecated) is not IPv4-mapped
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ];
  for (const [raw, want] of canonical) it(`${raw} → ${want} (RFC 5952)`, () => expect(normalizeIpv6(raw)).toBe(want));

  it('canonicalises CIDRs: host bits cleared, /128 collapsed', () => {
    expect(normalizeIpv6('2001:0db8:dead:beef:0000:0000:0000:0001/64')).toBe('2001:db8:dead:beef::/64');
    expect(normalizeIpv6('2001:db8::1/128')).toBe('2001:db8::1');
    expect(normalizeIpv6('2001:db8:ffff::/33')).toBe('2001:db8:8000::/33');
    expect(normalizeIpv6('::1/0')).toBe('::/0');
  });

  it('refuses zone ids, bad groups, embedded IPv4 with leading zeros and non-addresses', () => {
    expect(() => normalizeIpv6('fe80::1%eth0')).toThrow(/zone id/);
    expect(() => normalizeIpv6('1::2::3')).toThrow(/"::" twice/);
    expect(() => normalizeIpv6('12345::1')).toThrow(/group 1 has more than four hex digits/);
    expect(() => normalizeIpv6('1:2:3:4:5:6:7')).toThrow(/has 7 groups, not eight/);
    expect(() => normalizeIpv6('1:2:3:4:5:6:7:8::')).toThrow(/eight groups and a "::"/);
    expect(() => normalizeIpv6(':1::')).toThrow(/starts with a single colon/);
    expect(() => normalizeIpv6('1::2:')).toThrow(/ends with a single colon/);
    expect(() => normalizeIpv6('::01.2.3.4')).toThrow(/embedded IPv4 part: octet 1 has a leading zero/);
    expect(() => normalizeIpv6('198.51.100.3')).toThrow(/no colon/);
    expect(() => normalizeIpv6('2001:db8::g')).toThrow(/character "g" is not a hex digit or colon/);
    expect(() => normalizeIpv6('2001:db8::/129')).toThrow(/greater than 128/);
    expect(() => normalizeIpv6(`${'1:'.repeat(40)}1`)).toThrow(/too long/);
  });

  it('is idempotent and agrees with ipaddr.js outside the IPv4-mapped range (property)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const once = normalizeIpv6(ip);
        const parsed = ipaddr.IPv6.parse(once.includes('.') ? ip : once);
        return normalizeIpv6(once) === once && (once.startsWith('::ffff:') && once.includes('.') ? parsed.isIPv4MappedAddress() : parsed.toRFC5952String() === once);
      }),
      { numRuns: 3000, seed: 2 },
    );
  });

  it('accepts exactly what ipaddr.js accepts among colon-hex strings, with the same RFC 5952 text (property)', () => {
    const groups = fc.array(fc.oneof(fc.constant('0'), fc.constant('0000'), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 5 })), { minLength: 1, maxLength: 9 });
    const candidate = fc.tuple(groups, fc.integer({ min: -1, max: 9 })).map(([g, gap]) => {
      const parts = [...g];
      if (gap >= 0 && gap <= parts.length) parts.splice(gap, 0, '');
      const s = parts.join(':');
      return gap === 0 ? `:${s}` : gap === parts.length - 1 ? `${s}:` : s;
    });
    fc.assert(
      fc.property(candidate, (s) => {
        let mine: string | undefined;
        try {
          mine = normalizeIpv6(s);
        } catch {
          mine = undefined;
        }
        const theirs = ipaddr.IPv6.isValid(s) ? ipaddr.IPv6.parse(s) : undefined;
        if (!theirs) return mine === undefined;
        return theirs.isIPv4MappedAddress() ? mine === `::ffff:${theirs.toIPv4Address().toString()}` : mine === theirs.toRFC5952String();
      }),
      { numRuns: 20000, seed: 12 },
    );
  });
});
