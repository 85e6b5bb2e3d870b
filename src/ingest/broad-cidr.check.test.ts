import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadKey, DEFAULT_PREFIX_LIMITS } from '../observables/cidr.limit.ts';
import { patternKeys } from '../observables/pattern.keys.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { withoutBroadCidrs } from './broad-cidr.check.ts';

const indicator = (pattern: string, i = 0): StixObject => ({ type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, pattern, pattern_type: 'stix' }) as StixObject;
const refused = (patterns: string[]) => withoutBroadCidrs({ format: 'csv', objects: patterns.map(indicator), errors: [], warnings: [] }, DEFAULT_PREFIX_LIMITS, false).warnings.map((w) => w.where);
// What the check answered before it skipped patterns that cannot name a CIDR: every pattern with a slash parsed.
const parsedAll = (p: string) => p.includes('/') && patternKeys(p).keys.some((k) => broadKey(k, DEFAULT_PREFIX_LIMITS));

describe('broad CIDRs in indicator patterns', () => {
  it('finds them on every path that yields an address key, bracketed and padded; URLs and narrow ranges pass', () => {
    const broad = [
      "[ipv4-addr:value = '10.0.0.0/8']",
      "[ipv6-addr:value = ' [2001:db8::/16] ']",
      "[network-traffic:dst_ref.value = '1.1.1.1/0']",
      "[network-traffic:src_ref.value = '2001:db8::/20 ']",
      "[domain-name:resolves_to_refs[*].value = '64.0.0.0/2'] OR [url:value = 'http://x.example/']",
    ];
    const kept = ["[url:value = 'http://evil.example/8']", "[url:value = 'http://evil.example/login.php?id=2']", "[ipv4-addr:value = '198.51.100.0/24']", "[domain-name:value = 'a.example']"];
    expect(refused([...broad, ...kept])).toEqual(broad.map((_, i) => `objects[${i}] (${indicator('', i).id})`));
  });

  it('skips only patterns that could not name one (same answer as parsing every pattern with a slash)', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(40)).map(([a, b, c, d, n]) => `${a}.${b}.${c}.${d}/${n}`);
    const v6 = fc.tuple(fc.nat(0xffff).map((x) => x.toString(16)), fc.nat(140), fc.boolean()).map(([g, n, br]) => (br ? `[2001:${g}::/${n}]` : `2001:${g}::/${n}`));
    const path = fc.constantFrom('ipv4-addr:value', 'ipv6-addr:value', 'network-traffic:dst_ref.value', 'network-traffic:src_ref.value', 'domain-name:resolves_to_refs[*].value', 'url:value', 'domain-name:value');
    const pad = fc.constantFrom('', ' ', '\t', '  ');
    fc.assert(
      fc.property(path, fc.oneof(v4, v6, fc.string()), pad, pad, (p, value, a, b) => {
        const pattern = `[${p} = '${`${a}${value}${b}`.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
        expect(refused([pattern]).length === 1, pattern).toBe(parsedAll(pattern));
      }),
      { numRuns: 3000 },
    );
  });
});
