import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';
import { MergedRanges, parseIpRange, type IpRange } from '../../enrichment/ip-range.ts';
import { splitKey, urlHostKey } from '../value-key.ts';
import type { WarninglistSpec } from './warninglist.parser.ts';
import { isPrecise, SUPPRESS, type WarninglistScope } from './warninglist.scopes.ts';

const NO_HITS: number[] = [];
const NO_SLUGS: readonly string[] = Object.freeze([]);

/** Which list a value is on: the list's slug, its human name, what it suppresses. */
export interface WarninglistHit {
  readonly list: string;
  readonly name: string;
  readonly scopes: readonly WarninglistScope[];
  /**
   * False when a hostname list matched only through a parent beyond a shared suffix (x.duckdns.org
   * through duckdns.org): the name belongs to whoever registered it there, not to the listed service.
   */
  readonly exact: boolean;
}

// MISP attribute types that stand for each kind of key (a list applies to a key when they meet).
const FILE_ATTRS: Readonly<Record<string, readonly string[]>> = {
  md5: ['md5', 'filename|md5', 'malware-sample'],
  'sha-1': ['sha1', 'filename|sha1'],
  'sha-256': ['sha256', 'filename|sha256'],
  'sha-512': ['sha512', 'filename|sha512'],
};
const ATTRS: Readonly<Record<string, readonly string[]>> = {
  'ipv4-addr': ['ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port', 'domain|ip', 'ip'],
  'ipv6-addr': ['ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port', 'domain|ip', 'ip'],
  'domain-name': ['domain', 'hostname', 'domain|ip'],
  url: ['url', 'uri', 'link'],
  'email-addr': ['email', 'email-src', 'email-dst', 'target-email'],
  'autonomous-system': ['AS'],
  'phone-number': ['phone-number', 'whois-registrant-phone'],
  'cryptocurrency-wallet': ['btc', 'xmr', 'dash'],
  'bank-account': ['bank-account-nr', 'iban'],
  'mac-addr': ['mac-address', 'mac-eui-64'],
  vulnerability: ['vulnerability'],
  'x509-certificate': ['x509-fingerprint-sha1', 'x509-fingerprint-md5', 'x509-fingerprint-sha256'],
};

function attrsOf(type: string, sub: string | null): readonly string[] {
  if (type === 'file') return FILE_ATTRS[sub ?? ''] ?? [];
  return ATTRS[type] ?? [];
}

function hostnameOf(entry: string): string {
  const h = entry.trim().toLowerCase().replace(/^\.+/, '').replace(/\.+$/, '');
  // Lists may carry Unicode names; keys hold the ASCII (punycode) form.
  return /[\u0080-\uffff]/.test(h) ? domainToASCII(h) || h : h;
}

/** Names (lower case, no trailing dot) that may put a URL on a list of one scope; see #urlSurelyOff. */
interface UrlSieve {
  readonly names: Set<string>;
  readonly strings: Set<string>;
  /** A substring or regex list has the scope: every URL takes the full path. */
  slow: boolean;
}

// "url:http://host[:port][/?#…]" with a host of ASCII letters, digits, dots and hyphens.
const PLAIN_URL = /^url:https?:\/\/([A-Za-z0-9.-]+)(?::\d{1,5})?(?:[/?#]|$)/;

interface CompiledList {
  readonly slug: string;
  readonly name: string;
  readonly type: WarninglistSpec['type'];
  readonly scopes: readonly WarninglistScope[];
  /** Suppressing lists never match across a shared suffix; warning lists do. */
  readonly precise: boolean;
  readonly attrs: ReadonlySet<string> | null;
  readonly ranges?: MergedRanges;
  readonly strings?: ReadonlySet<string>;
  readonly substrings?: readonly string[];
  readonly regexes?: readonly RegExp[];
}

/** What a list could not use (a bad CIDR, a regex that does not compile). */
export interface MatcherIssue {
  readonly list: string;
  readonly entry: string;
  readonly reason: string;
}

/**
 * Enabled warninglists in memory. IP lists as merged sorted ranges (binary search), hostname lists
 * as one map of names matched with every parent domain as MISP does, strings as sets.
 * @example new WarninglistMatcher(lists).match('ipv4-addr:8.8.8.8') // { list: 'public-dns-v4', name: 'List of known IPv4 public DNS resolvers' }
 */
export class WarninglistMatcher {
  readonly #lists: CompiledList[] = [];
  readonly #hostnames = new Map<string, number[]>();
  readonly #cache = new Map<string, number[]>();
  readonly #slugs = new Map<string, readonly string[]>();
  readonly #applicable = new Map<string, number[]>();
  readonly #urlSieves = new Map<WarninglistScope, UrlSieve>();
  readonly issues: MatcherIssue[] = [];

  constructor(lists: readonly WarninglistSpec[]) {
    for (const spec of [...lists].sort((a, b) => a.slug.localeCompare(b.slug))) this.#compile(spec);
  }

  #compile(spec: WarninglistSpec): void {
    const i = this.#lists.length;
    const scopes = spec.scopes?.length ? spec.scopes : SUPPRESS;
    const base = {
      slug: spec.slug,
      name: spec.name,
      type: spec.type,
      scopes,
      precise: isPrecise(scopes),
      attrs: spec.matchingAttributes.length ? new Set(spec.matchingAttributes) : null,
    };
    const issue = (entry: string, reason: string): void => {
      if (this.issues.length < 1000) this.issues.push({ list: spec.slug, entry: entry.slice(0, 200), reason });
    };
    if (spec.type === 'cidr') {
      const ranges: IpRange[] = [];
      for (const e of spec.entries) {
        const r = parseIpRange(e);
        if (typeof r === 'string') issue(e, r);
        else ranges.push(r);
      }
      this.#lists.push({ ...base, ranges: new MergedRanges(ranges) });
    } else if (spec.type === 'hostname') {
      for (const e of spec.entries) {
        const h = hostnameOf(e);
        if (!h) continue;
        const at = this.#hostnames.get(h);
        if (at) at.push(i);
        else this.#hostnames.set(h, [i]);
      }
      this.#lists.push(base);
    } else if (spec.type === 'string') {
      this.#lists.push({ ...base, strings: new Set(spec.entries.map((e) => e.toLowerCase())) });
    } else if (spec.type === 'substring') {
      this.#lists.push({ ...base, substrings: spec.entries.map((e) => e.toLowerCase()) });
    } else {
      const regexes: RegExp[] = [];
      for (const e of spec.entries) {
        try {
          // MISP writes PCRE with delimiters: "/pattern/flags".
          const m = /^\/(.*)\/([a-z]*)$/s.exec(e);
          regexes.push(m ? new RegExp(m[1]!, m[2]!.replace(/[^imsu]/g, '')) : new RegExp(e));
        } catch (err) {
          issue(e, `not a regular expression: ${(err as Error).message}`);
        }
      }
      this.#lists.push({ ...base, regexes });
    }
  }

  /** Number of enabled lists. */
  get size(): number {
    return this.#lists.length;
  }

  /** The first list (by slug) a key is on, or null. */
  match(key: string): WarninglistHit | null {
    const first = this.#hits(key)[0];
    return first === undefined ? null : this.#hitOf(first);
  }

  /** Every list a key is on. */
  matchAll(key: string): WarninglistHit[] {
    return this.#hits(key).map((h) => this.#hitOf(h));
  }

  /**
   * The slugs of the lists a key is on, in matchAll's order: one shared, frozen array per distinct answer (an ingest's
   * review keeps one per listed value, issue 17). The answer is not cached: its caller (an ingest's review) asks once
   * per value, and a feed of listed values would only churn the cache of hot values (a third of the review's time).
   */
  listsOf(key: string): readonly string[] {
    const hits = this.#cache.get(key) ?? (this.#lists.length ? this.#compute(key) : NO_HITS);
    if (hits.length === 0) return NO_SLUGS;
    const id = hits.join(',');
    let slugs = this.#slugs.get(id);
    if (!slugs) this.#slugs.set(id, (slugs = Object.freeze(hits.map((h) => this.#lists[h >> 1]!.slug))));
    return slugs;
  }

  /** The first list a key is on whose scopes include `scope`, or null. Synchronous and cached: for hot paths. */
  matchScope(key: string, scope: WarninglistScope): WarninglistHit | null {
    if (key.startsWith('url:') && this.#urlSurelyOff(key, scope)) return null;
    for (const h of this.#hits(key)) if (this.#lists[h >> 1]!.scopes.includes(scope)) return this.#hitOf(h);
    return null;
  }

  // Hits are encoded as list index × 2 + 1 when exact.
  #hitOf(h: number): WarninglistHit {
    const l = this.#lists[h >> 1]!;
    return { list: l.slug, name: l.name, scopes: l.scopes, exact: (h & 1) === 1 };
  }

  #hits(key: string): number[] {
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const hits = this.#lists.length ? this.#compute(key) : NO_HITS;
    // Listed values (a resolver every incident touches) come back again and again: keep those.
    // Misses are most values and cheap to recompute; caching them would only churn memory.
    if (hits.length) {
      if (this.#cache.size > 100_000) this.#cache.clear();
      this.#cache.set(key, hits);
    }
    return hits;
  }

  #compute(key: string): number[] {
    const parts = splitKey(key);
    if (!parts) return [];
    const applicable = this.#listsFor(parts.type, parts.sub);
    if (applicable.length === 0 && parts.type !== 'url') return [];
    const value = parts.value.toLowerCase();
    const isIp = parts.type === 'ipv4-addr' || parts.type === 'ipv6-addr';
    const hostKey = parts.type === 'url' ? urlHostKey(key) : null;
    const host = parts.type === 'domain-name' ? value : hostKey !== null ? hostKey.replace(/^[a-z0-9-]+:/, '') : null;
    // A URL on an address (http://8.8.8.8/dns-query) is on the address's lists, as a URL on a name is on the name's.
    const hostIp = hostKey !== null && !hostKey.startsWith('domain-name:');
    const ipRange = isIp ? parseIpRange(parts.value) : hostIp ? parseIpRange(host!) : null;
    const hostHits = host === null || hostIp ? null : this.#hostnameHits(host);
    // A URL is also on the lists of its host: an address's ranges, a name's hostname lists (x.duckdns.org).
    const hostLists = hostKey === null ? [] : this.#listsFor(hostKey.slice(0, hostKey.indexOf(':')), null).filter((i) => this.#lists[i]!.type === (hostIp ? 'cidr' : 'hostname'));
    const lists = hostLists.length ? [...new Set([...applicable, ...hostLists])].sort((a, b) => a - b) : applicable;
    const out: number[] = [];
    for (const i of lists) {
      const l = this.#lists[i]!;
      let hit = false;
      let exact = true;
      switch (l.type) {
        case 'cidr':
          hit = ipRange !== null && typeof ipRange !== 'string' && l.ranges!.contains(ipRange);
          break;
        case 'hostname': {
          const how = hostHits?.get(i);
          hit = how === true || (how === false && !l.precise);
          exact = how === true;
          break;
        }
        case 'string':
          // Lists of hostnames typed "string" (Cisco top 1000) also apply to a URL's host.
          hit = l.strings!.has(value) || (host !== null && l.strings!.has(host));
          break;
        case 'substring':
          hit = l.substrings!.some((s) => value.includes(s));
          break;
        case 'regex':
          hit = l.regexes!.some((r) => r.test(parts.value));
          break;
      }
      if (hit) out.push(i * 2 + (exact ? 1 : 0));
    }
    return out;
  }

  // A plain http(s) URL on a name is on a list of a scope only through a hostname list naming its host or a parent,
  // or a string list naming its host or the URL: when none of these names is in the scope's sieve (and no
  // substring or regex list has the scope) the answer is no, without parsing the URL. A feed asks this of every
  // URL it holds (~0.3 µs instead of 3–5). Anything unusual (an address, a port-less oddity, userinfo, percent
  // signs, non-ASCII) takes the full path.
  #urlSurelyOff(key: string, scope: WarninglistScope): boolean {
    let sieve = this.#urlSieves.get(scope);
    if (!sieve) {
      sieve = { names: new Set(), strings: new Set(), slow: false };
      for (const [h, at] of this.#hostnames) if (at.some((i) => this.#lists[i]!.scopes.includes(scope))) sieve.names.add(h);
      for (const l of this.#lists) {
        if (!l.scopes.includes(scope)) continue;
        if (l.type === 'string') for (const x of l.strings!) sieve.strings.add(x);
        if (l.type === 'substring' || l.type === 'regex') sieve.slow = true;
      }
      this.#urlSieves.set(scope, sieve);
    }
    if (sieve.slow) return false;
    const m = PLAIN_URL.exec(key);
    if (!m) return false;
    const host = m[1]!.toLowerCase();
    // The WHATWG parser reads a name whose last label is numeric (or 0x…) as an IPv4 address; trailing dots are
    // trimmed differently by the full path's steps.
    if (host.endsWith('.') || /(^|\.)(\d|0x)[^.]*$/.test(host)) return false;
    if (sieve.strings.size && (sieve.strings.has(host) || sieve.strings.has(key.slice(4).toLowerCase()))) return false;
    for (let h = host; ; ) {
      if (sieve.names.has(h)) return false;
      const dot = h.indexOf('.');
      if (dot < 0) return true;
      h = h.slice(dot + 1);
    }
  }

  // Which lists apply to a kind of key depends only on the kind: worked out once per kind.
  #listsFor(type: string, sub: string | null): number[] {
    const id = `${type}|${sub ?? ''}`;
    let at = this.#applicable.get(id);
    if (!at) {
      const attrs = attrsOf(type, sub);
      at = this.#lists.flatMap((l, i) => (!l.attrs || attrs.some((a) => l.attrs!.has(a)) ? [i] : []));
      this.#applicable.set(id, at);
    }
    return at;
  }

  /**
   * Lists naming the host or a parent domain, as MISP matches hostnames; true when exact, false when
   * only a parent beyond the host's shared suffix matched (a private public suffix of the Public Suffix
   * List: duckdns.org, github.io, blogspot.com): a listed top site or provider does not own its
   * customers' names.
   */
  #hostnameHits(host: string): Map<number, boolean> {
    const hits = new Map<number, boolean>();
    const name = host.replace(/\.+$/, '');
    let boundary: string | null | undefined;
    let h = name;
    for (;;) {
      const at = this.#hostnames.get(h);
      if (at) {
        let exact = true;
        if (h !== name) {
          // Worked out only when a parent matched: most values match nothing and pay nothing.
          if (boundary === undefined) {
            const p = parseDomain(name, { allowPrivateDomains: true });
            boundary = p.isPrivate && p.publicSuffix ? p.publicSuffix : null;
          }
          exact = boundary === null || !(h === boundary || boundary.endsWith(`.${h}`));
        }
        for (const i of at) if (exact || !hits.has(i)) hits.set(i, exact || hits.get(i) === true);
      }
      const dot = h.indexOf('.');
      if (dot < 0) break;
      h = h.slice(dot + 1);
    }
    return hits;
  }
}
