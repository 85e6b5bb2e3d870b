import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData, sharedDataOrSkip } from '../../../test/support/shared-data.ts';
import { WarninglistMatcher } from './warninglist.matcher.ts';
import { parseWarninglist, slugOfPath, WarninglistError, type WarninglistSpec } from './warninglist.parser.ts';

function spec(over: Partial<WarninglistSpec>): WarninglistSpec {
  return { slug: 'x', name: 'X', description: '', version: 1, type: 'string', matchingAttributes: [], entries: [], ...over };
}

describe('warninglist parser', () => {
  it('names the field at fault and skips bad entries with their index', () => {
    expect(() => parseWarninglist('{', 'a')).toThrow(WarninglistError);
    expect(() => parseWarninglist('{"name":"n","type":"cidr"}', 'a')).toThrow(/list: missing/);
    expect(() => parseWarninglist('{"name":"n","type":"ip","list":[]}', 'a')).toThrow(/type: must be one of/);
    expect(() => parseWarninglist('[]', 'a')).toThrow(/not a JSON object/);
    const r = parseWarninglist(JSON.stringify({ name: 'n', type: 'string', version: 3, description: 'd', list: ['a', 7, '', 'a', 'b'] }), 'slug');
    expect(r.list.entries).toEqual(['a', 'b']);
    expect(r.issues.map((i) => i.where)).toEqual(['slug: list[1]', 'slug: list[2]']);
    expect(r.list.version).toBe(3);
  });

  it('takes the slug from the file or from the MISP folder layout', () => {
    expect(slugOfPath('/x/lists/public-dns-v4/list.json')).toBe('public-dns-v4');
    expect(slugOfPath('/x/rfc1918.json')).toBe('rfc1918');
  });
});

describe('warninglist matcher', () => {
  it("gives listsOf matchAll's slugs in its order, the same before and after matchAll cached the key", () => {
    const m = new WarninglistMatcher([
      spec({ slug: 'rfc1918', name: 'RFC 1918', type: 'cidr', entries: ['10.0.0.0/8'] }),
      spec({ slug: 'docs', name: 'Documentation', type: 'hostname', entries: ['example.org'] }),
      spec({ slug: 'resolvers', name: 'Resolvers', type: 'string', entries: ['dns.example.org', '10.0.0.1'] }),
    ]);
    const keys = ['ipv4-addr:10.0.0.1', 'ipv4-addr:11.0.0.1', 'domain-name:dns.example.org', 'domain-name:x.example.org', 'url:http://dns.example.org/q', 'domain-name:free.test'];
    const slugs = (k: string) => m.matchAll(k).map((h) => h.list);
    const first = keys.map((k) => [...m.listsOf(k)]);
    expect(first).toEqual(keys.map(slugs));
    expect(first[0]).toEqual(['resolvers', 'rfc1918']); // by slug
    expect(first[5]).toEqual([]);
    expect(keys.map((k) => [...m.listsOf(k)])).toEqual(first);
    // One shared array per distinct answer.
    expect(m.listsOf('domain-name:a.example.org')).toBe(m.listsOf('domain-name:b.example.org'));
  });

  it('matches CIDR lists by containment, whole CIDRs included, and honours matching attributes', () => {
    const m = new WarninglistMatcher([
      spec({ slug: 'rfc1918', name: 'RFC 1918', type: 'cidr', matchingAttributes: ['ip-src', 'ip-dst'], entries: ['10.0.0.0/8', '192.168.0.0/16', 'bogus', 'FE80::/10'] }),
    ]);
    expect(m.match('ipv4-addr:10.1.2.3')).toEqual({ list: 'rfc1918', name: 'RFC 1918', scopes: ['never_correlate', 'never_blocklist'], exact: true });
    expect(m.match('ipv4-addr:10.128.0.0/9')).not.toBeNull();
    expect(m.match('ipv4-addr:10.0.0.0/7')).toBeNull();
    expect(m.match('ipv4-addr:11.0.0.0')).toBeNull();
    expect(m.match('ipv6-addr:fe80::1')).not.toBeNull();
    expect(m.match('ipv6-addr:2001:db8::1')).toBeNull();
    // A domain is not an IP attribute: the list does not apply. A URL on a listed address is on the list.
    expect(m.match('domain-name:10.example')).toBeNull();
    expect(m.match('url:http://10.0.0.1:8080/admin')?.list).toBe('rfc1918');
    expect(m.match('url:http://[fe80::1]/x')?.list).toBe('rfc1918');
    expect(m.match('url:http://11.0.0.1/admin')).toBeNull();
    expect(m.issues).toEqual([{ list: 'rfc1918', entry: 'bogus', reason: expect.stringContaining('not an IPv4 address') }]);
  });

  it('matches hostnames with every parent domain, also as the host of a URL', () => {
    const m = new WarninglistMatcher([spec({ slug: 'dyn', type: 'hostname', matchingAttributes: ['domain', 'hostname', 'url'], entries: ['.duckdns.org', 'Example.COM.'], scopes: ['warn'] })]);
    expect(m.match('domain-name:a.b.duckdns.org')).toMatchObject({ list: 'dyn', exact: false });
    expect(m.match('domain-name:duckdns.org')).toMatchObject({ list: 'dyn', exact: true });
    expect(m.match('domain-name:notduckdns.org')).toBeNull();
    expect(m.match('url:http://x.example.com/path')).toMatchObject({ list: 'dyn', exact: true });
    expect(m.match('url:http://example.org/example.com')).toBeNull();
  });

  it('a suppressing list never reaches across a shared suffix: a name rented there is not the listed service', () => {
    const top = spec({ slug: 'top', type: 'hostname', matchingAttributes: ['domain', 'url'], entries: ['duckdns.org', 'github.io', 'google.com', 'local'] });
    const dyn = spec({ slug: 'dyn', type: 'hostname', matchingAttributes: ['domain', 'url'], entries: ['duckdns.org'], scopes: ['warn'] });
    const m = new WarninglistMatcher([top, dyn]);
    // duckdns.org and github.io are private suffixes of the Public Suffix List; google.com is not.
    expect(m.matchAll('domain-name:evil.duckdns.org').map((h) => [h.list, h.exact])).toEqual([['dyn', false]]);
    expect(m.matchAll('domain-name:duckdns.org').map((h) => [h.list, h.exact])).toEqual([
      ['dyn', true],
      ['top', true],
    ]);
    expect(m.match('url:https://evil.github.io/login')).toBeNull();
    expect(m.match('url:https://sites.google.com/view/x')).toMatchObject({ list: 'top', exact: true });
    // Names under suffixes that are not private (unknown TLDs, co.jp) are matched as MISP does.
    expect(m.match('domain-name:printer.office.local')?.list).toBe('top');
    expect(m.matchScope('domain-name:evil.duckdns.org', 'never_blocklist')).toBeNull();
    expect(m.matchScope('domain-name:evil.duckdns.org', 'warn')?.list).toBe('dyn');
    expect(m.matchScope('url:https://mail.google.com/x', 'never_correlate')?.list).toBe('top');
  });

  it('matches strings case-insensitively, substrings and regexes; reports regexes that do not compile', () => {
    const m = new WarninglistMatcher([
      spec({ slug: 'hashes', type: 'string', matchingAttributes: ['md5'], entries: ['D41D8CD98F00B204E9800998ECF8427E'] }),
      spec({ slug: 'sub', type: 'substring', entries: ['sinkhole'] }),
      spec({ slug: 're', type: 'regex', entries: ['/^x+$/i', '/^x.*HOLE/i', '([bad'] }),
    ]);
    expect(m.match('file:md5:d41d8cd98f00b204e9800998ecf8427e')?.list).toBe('hashes');
    expect(m.match('file:sha-1:d41d8cd98f00b204e9800998ecf8427e')).toBeNull();
    expect(m.match('domain-name:a.sinkhole.example')?.list).toBe('sub');
    expect(m.match('domain-name:XXX')?.list).toBe('re');
    expect(m.issues.map((i) => i.list)).toEqual(['re']);
    expect(m.matchAll('domain-name:xsinkholex').map((h) => h.list)).toEqual(['re', 'sub']);
  });
});

describe.runIf(hasSharedData())('warninglist matcher on the real MISP lists', () => {
  if (!sharedDataOrSkip()) return;
  const dir = sharedData('misp', 'warninglists');
  const lists = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'warninglist-schema.json')
    .map((f) => parseWarninglist(readFileSync(`${dir}/${f}`, 'utf8'), slugOfPath(f)).list);

  it('parses all 25 lists without a broken entry', () => {
    expect(lists).toHaveLength(25);
    const m = new WarninglistMatcher(lists);
    expect(m.issues).toEqual([]);
  });

  it('knows the public resolvers, private ranges, cloud ranges and top sites', () => {
    const m = new WarninglistMatcher(lists);
    expect(m.matchAll('ipv4-addr:8.8.8.8').map((h) => h.list)).toContain('public-dns-v4');
    expect(m.match('ipv4-addr:192.168.10.20')?.list).toBe('rfc1918');
    expect(m.match('domain-name:www.google.com')).not.toBeNull();
    expect(m.matchAll('file:sha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855').map((h) => h.list)).toContain('empty-hashes');
    expect(m.match('ipv4-addr:203.0.113.77')?.list).toBe('rfc5735');
    expect(m.match('ipv4-addr:45.148.10.240')).toBeNull();
  });

  it('agrees with an independent count over the ThreatFox IP feed', () => {
    const m = new WarninglistMatcher(lists.filter((l) => l.type === 'cidr'));
    const ips = [
      ...new Set(
        readFileSync(sharedData('feeds', 'abusech', 'threatfox-ips.txt'), 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => l.split(':')[0]!),
      ),
    ];
    expect(ips).toHaveLength(19863);
    const byList: Record<string, number> = {};
    let any = 0;
    for (const ip of ips) {
      const hits = m.matchAll(`ipv4-addr:${ip}`);
      if (hits.length) any++;
      for (const h of hits) byList[h.list] = (byList[h.list] ?? 0) + 1;
    }
    expect({ any, byList }).toEqual(EXPECTED_THREATFOX);
  });
});

// python3 over the 19,863 distinct ThreatFox IPs: for each, the cidr lists whose
// ipaddress.ip_network(entry, strict=False) contains it (ip in network), counted per list.
const EXPECTED_THREATFOX = {
  any: 1195,
  byList: { 'amazon-aws': 699, 'censys-scanning': 2, cloudflare: 71, 'google-gcp': 165, 'microsoft-azure': 254, 'public-dns-v4': 3, sinkholes: 1 },
};
