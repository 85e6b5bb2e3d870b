import { readFileSync } from 'node:fs';
import { parse } from 'tldts';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { BUILTIN_PREFIX, builtinWarninglists } from './builtin.lists.ts';
import { WarninglistMatcher } from './warninglist.matcher.ts';

const lists = builtinWarninglists();
const m = new WarninglistMatcher(lists);
const on = (key: string): string[] => m.matchAll(key).map((h) => h.list);

describe('built-in warninglists', () => {
  it('every list is well formed: prefixed slug, version, scopes, and every entry usable', () => {
    expect(lists.length).toBeGreaterThanOrEqual(10);
    for (const l of lists) {
      expect(l.slug.startsWith(BUILTIN_PREFIX), l.slug).toBe(true);
      expect(l.version, l.slug).toBeGreaterThanOrEqual(1);
      expect(l.scopes?.length, l.slug).toBeGreaterThan(0);
      expect(l.entries.length, l.slug).toBeGreaterThan(0);
      expect(l.matchingAttributes.length, l.slug).toBeGreaterThan(0);
    }
    expect(new Set(lists.map((l) => l.slug)).size).toBe(lists.length);
    expect(m.issues).toEqual([]);
    const top = lists.find((l) => l.slug === 'kessetsu-top-sites')!;
    expect(top.entries.length).toBeGreaterThanOrEqual(300);
  });

  it('never list a hosting platform whose names anyone can rent (a private public suffix) as a top site', () => {
    for (const slug of ['kessetsu-top-sites', 'kessetsu-security-sites']) {
      const l = lists.find((x) => x.slug === slug)!;
      // A private suffix itself ("github.io") would be harmless (names under it are not matched) but a mistake.
      const rented = l.entries.filter((e) => parse(e, { allowPrivateDomains: true }).isPrivate && parse(e, { allowPrivateDomains: true }).domain === null);
      expect(rented, slug).toEqual([]);
    }
  });

  it('suppresses resolvers, special ranges, top sites, security sites, empty-file hashes and sinkholes', () => {
    const suppress = (key: string) => [m.matchScope(key, 'never_correlate')?.list, m.matchScope(key, 'never_blocklist')?.list];
    expect(suppress('ipv4-addr:8.8.8.8')).toEqual(['kessetsu-public-resolvers', 'kessetsu-public-resolvers']);
    expect(suppress('ipv6-addr:2606:4700:4700::1111')[1]).toBe('kessetsu-public-resolvers');
    expect(suppress('ipv4-addr:192.168.1.20')[1]).toBe('kessetsu-special-ranges');
    expect(suppress('ipv4-addr:100.65.29.247')[1]).toBe('kessetsu-special-ranges');
    expect(suppress('ipv6-addr:fe80::1')[1]).toBe('kessetsu-special-ranges');
    for (const host of ['google.com', 'www.google.com', 'docs.google.com', 'yahoo.com', 'github.com', 'raw.githubusercontent.com'])
      expect(suppress(`domain-name:${host}`)[1], host).toBe('kessetsu-top-sites');
    expect(suppress('domain-name:www.virustotal.com')[1]).toBe('kessetsu-security-sites');
    expect(suppress('url:https://www.virustotal.com/gui/file/abc')[1]).toBe('kessetsu-security-sites');
    expect(suppress('file:sha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')[1]).toBe('kessetsu-empty-hashes');
    expect(suppress('file:md5:d41d8cd98f00b204e9800998ecf8427e')[1]).toBe('kessetsu-empty-hashes');
    expect(suppress('ipv4-addr:131.253.18.12')[1]).toBe('kessetsu-sinkholes');
    expect(suppress('domain-name:wpad.localhost')[1]).toBe('kessetsu-special-use-domains');
    expect(suppress('domain-name:api.ipify.org')[1]).toBe('kessetsu-ip-echo-services');
  });

  it('documentation values warn; lookalikes, rented names and real infrastructure are not on any list', () => {
    expect(m.matchAll('ipv4-addr:198.51.100.7').map((h) => [h.list, h.scopes])).toEqual([['kessetsu-documentation-ranges', ['warn']]]);
    expect(m.matchAll('domain-name:evil.example').map((h) => [h.list, h.scopes])).toEqual([['kessetsu-documentation-domains', ['warn']]]);
    for (const key of ['domain-name:google.com.evil-login.net', 'domain-name:g00gle.com', 'domain-name:evil.github.io', 'domain-name:login-microsoft.duckdns.org', 'url:https://x.blogspot.com/a', 'domain-name:x.onion', 'ipv4-addr:45.9.148.114', 'ipv4-addr:8.8.8.9'])
      expect(on(key), key).toEqual([]);
    // A hash list never applies to an IP that happens to be a listed string, and the reverse.
    expect(on('domain-name:d41d8cd98f00b204e9800998ecf8427e')).toEqual([]);
  });
});

describe.runIf(hasSharedData())('built-in warninglists on real feeds', () => {
  it('leave the ThreatFox C2 addresses alone but for the seven in carrier-grade NAT space', () => {
    const ips = new Set(
      readFileSync(sharedData('feeds', 'abusech', 'threatfox-ips.txt'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(':')[0]!),
    );
    const hit = [...ips].filter((ip) => on(`ipv4-addr:${ip}`).length > 0).sort();
    // python3: ipaddress over the built-in cidr lists finds 7, all in 100.64.0.0/10 (RFC 6598).
    expect(hit).toEqual(['100.106.194.93', '100.110.56.1', '100.113.210.8', '100.65.29.247', '100.76.160.96', '100.82.195.65', '100.86.165.227']);
  });
});
