import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { parseDelegated, parseEnrichmentFile, parseIp2Asn } from './enrichment.parsers.ts';
import { MergedRanges, parseIpRange } from './ip-range.ts';
import { RangeTable } from './range.table.ts';

const at = (ip: string): number | bigint => (parseIpRange(ip) as Exclude<ReturnType<typeof parseIpRange>, string>).start;

describe('enrichment parsers', () => {
  it('names the line of a bad record and keeps the rest', () => {
    const r = parseIp2Asn('1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\nbogus\n2.0.0.0\t1.0.0.0\t5\tFR\tX\n3.0.0.0\t3.0.0.255\tx\tUS\tY\n4.0.0.0\t4.0.0.255\t0\tNone\tNot routed\n');
    expect(r.ranges).toHaveLength(1);
    expect(r.issues).toEqual([
      { line: 2, reason: 'expected 5 tab-separated fields, found 1' },
      { line: 3, reason: '"2.0.0.0" – "1.0.0.0" is not an IPv4 range' },
      { line: 4, reason: 'AS number "x" is not a number' },
    ]);
    const d = parseDelegated('2|ripencc|1|2|3|4|+0\nripencc|FR|ipv4|999.0.0.0|256|2020|allocated\nripencc|FR|ipv4|2.0.0.0|0|2020|allocated\nripencc|ZZ|ipv4|3.0.0.0|256||available\n');
    expect(d.name).toBe('delegated-ripencc');
    expect(d.issues.map((i) => i.line)).toEqual([2, 3]);
  });

  it('recognises each format and refuses other files', () => {
    expect(parseEnrichmentFile('2|apnic|20260515|1|19830613|20260514|+1000\napnic|JP|asn|173|1|20020801|allocated\n')?.kind).toBe('rir-delegated');
    expect(parseEnrichmentFile('8.8.8.0\t8.8.8.255\t15169\tUS\tGOOGLE\n')?.kind).toBe('ip2asn');
    expect(parseEnrichmentFile('hello world\n')).toBeNull();
    expect(parseEnrichmentFile('')).toBeNull();
  });

  it('ranges: CIDR containment across merged ranges, IPv6 included', () => {
    const m = new MergedRanges([parseIpRange('10.0.0.0/9'), parseIpRange('10.128.0.0/9'), parseIpRange('2001:db8::/32')].filter((r) => typeof r !== 'string'));
    expect(m.size).toBe(2);
    expect(m.contains(parseIpRange('10.0.0.0/8') as never)).toBe(true);
    expect(m.contains(parseIpRange('2001:db8:ffff::1') as never)).toBe(true);
    expect(parseIpRange('1.2.3.4/33')).toMatch(/longer than 32/);
  });

  it('nested ranges: the narrowest wins', () => {
    const t = new RangeTable([
      { family: 4, start: 0, end: 1000, asn: 1, country: 'AA', holder: 'wide' },
      { family: 4, start: 100, end: 200, asn: 2, country: 'BB', holder: 'narrow' },
    ]);
    expect(t.find(150)?.holder).toBe('narrow');
    expect(t.find(500)?.holder).toBe('wide');
    expect(t.find(1001)).toBeNull();
  });
});

describe.runIf(hasSharedData())('enrichment parsers on the real files', () => {
  it('APNIC delegated statistics: every allocated and assigned record, with its country', () => {
    const d = parseDelegated(readFileSync(sharedData('enrichment', 'delegated-apnic-2026-05-14.txt'), 'utf8'));
    expect(d.issues).toEqual([]);
    // awk -F'|' '$1=="apnic" && $2!="*" && ($7=="allocated"||$7=="assigned") {c[$3]++}': asn 13666, ipv4 54374, ipv6 16894
    const by = { 0: 0, 4: 0, 6: 0 } as Record<number, number>;
    for (const r of d.ranges) by[r.family]!++;
    expect(by).toEqual({ 0: 13666, 4: 54374, 6: 16894 });
    // Python ipaddress over the same file: the ranges holding these addresses.
    const v4 = new RangeTable(d.ranges.filter((r) => r.family === 4));
    expect(v4.find(at('133.1.1.1'))?.country).toBe('JP');
    expect(v4.find(at('1.1.1.1'))?.country).toBe('AU');
    expect(v4.find(at('8.8.8.8'))).toBeNull();
    const v6 = new RangeTable(d.ranges.filter((r) => r.family === 6));
    expect(v6.find(at('2001:200::1'))?.country).toBe('JP');
    // awk: JP IPv4 addresses summed over the "value" column: 188574976
    const jp = d.ranges.filter((r) => r.family === 4 && r.country === 'JP').reduce((s, r) => s + Number(r.end) - Number(r.start) + 1, 0);
    expect(jp).toBe(188574976);
  });

  it('ip2asn sample: 1,427 routed ranges with AS holders', () => {
    const d = parseIp2Asn(readFileSync(sharedData('enrichment', 'ip2asn-v4-sample.tsv'), 'utf8'));
    expect(d.issues).toEqual([]);
    expect(d.ranges).toHaveLength(1427);
    const t = new RangeTable(d.ranges);
    expect(t.find(at('8.8.8.8'))).toEqual({ asn: 15169, country: 'US', holder: 'GOOGLE - Google LLC' });
    // The sample really says 1.1.1.1 is AS7497 (CN): a reminder that enrichment is what the file says.
    expect(t.find(at('1.1.1.1'))?.asn).toBe(7497);
  });
});
