import { describe, expect, it } from 'vitest';
import { builtinWarninglists } from './builtin.lists.ts';
import { WarninglistMatcher } from './warninglist.matcher.ts';
import type { WarninglistSpec } from './warninglist.parser.ts';
import type { WarninglistScope } from './warninglist.scopes.ts';

// matchScope answers most URLs from a sieve of names (issue 17.3: a feed asks it of a million URLs); matchAll
// always takes the full path (URL parser, parent domains, shared suffixes). They must agree on every URL.
const extra: WarninglistSpec[] = [
  { slug: 'x-strings', name: 'Strings', description: '', version: 1, type: 'string', matchingAttributes: [], entries: ['http://listed-url.test/exact', 'string-host.test'], scopes: ['never_blocklist'] },
  { slug: 'x-hosts', name: 'Hosts', description: '', version: 1, type: 'hostname', matchingAttributes: ['domain', 'hostname'], entries: ['blocked-parent.test', 'duckdns.org'], scopes: ['never_blocklist', 'never_correlate'] },
  { slug: 'x-warn', name: 'Warn', description: '', version: 1, type: 'hostname', matchingAttributes: [], entries: ['warned.test'], scopes: ['warn'] },
];

const hosts = ['google.com', 'www.google.com', 'WWW.Google.COM', 'google.com.', 'google.com..', 'docs.google.com', 'google.com.evil-login.net', 'g00gle.com', 'evil.github.io', 'x.duckdns.org', 'duckdns.org',
  'bench-7.example', 'evil.example', 'www.virustotal.com', 'api.ipify.org', 'wpad.localhost', 'a.blocked-parent.test', 'blocked-parent.test', 'string-host.test', 'listed-url.test', 'warned.test', 'x.warned.test',
  '8.8.8.8', '0x08.8.8.8', '131.253.18.12', '192.168.1.20', '[2606:4700:4700::1111]', '1password.com', 'foo.123', 'xn--bcher-kva.example', 'b\u00fccher.example', 'user@google.com', 'google.com:8443', 'google.com:99999', 'foo_bar.com', ''];
const tails = ['/', '/login', '/exact', '?q=1', '#f', '', '\\x'];
const urls = hosts.flatMap((h) => ['http', 'https', 'HTTP', 'ftp'].flatMap((s) => tails.map((t) => `url:${s}://${h}${t}`)));
const scopes: WarninglistScope[] = ['never_blocklist', 'never_correlate', 'warn'];

function agree(m: WarninglistMatcher): void {
  for (const scope of scopes)
    for (const key of urls) {
      const full = m.matchAll(key).find((h) => h.scopes.includes(scope))?.list ?? null;
      expect(m.matchScope(key, scope)?.list ?? null, `${scope} ${key}`).toBe(full);
    }
}

describe('warninglist matcher: the URL sieve', () => {
  it('agrees with the full path on every URL, with the built-in lists and with string, hostname and warning lists', () => {
    const m = new WarninglistMatcher([...builtinWarninglists(), ...extra]);
    agree(m);
    // The sieve does keep things out: these are on lists, and the full path says so.
    expect(m.matchScope('url:https://www.google.com/x', 'never_blocklist')?.list).toBe('kessetsu-top-sites');
    expect(m.matchScope('url:http://listed-url.test/exact', 'never_blocklist')?.list).toBe('x-strings');
    expect(m.matchScope('url:http://a.blocked-parent.test/', 'never_blocklist')?.list).toBe('x-hosts');
    expect(m.matchAll('url:http://x.warned.test/').map((h) => h.list)).toContain('x-warn');
    expect(m.matchScope('url:http://x.warned.test/', 'never_blocklist')).toBeNull();
  });

  it('a substring or regex list in the scope sends every URL the full way', () => {
    const m = new WarninglistMatcher([...extra, { slug: 'x-sub', name: 'Sub', description: '', version: 1, type: 'substring', matchingAttributes: [], entries: ['/login'], scopes: ['never_blocklist'] }]);
    agree(m);
    expect(m.matchScope('url:http://bench-1.example/login', 'never_blocklist')?.list).toBe('x-sub');
  });
});
