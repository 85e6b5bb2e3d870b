import type { AssetRule } from './subscription.rules.ts';
import { AhoCorasick } from './aho-corasick.ts';
import { folded, skeleton } from './homoglyph.ts';
import { IpRangeMatcher } from './ip-range.matcher.ts';
import { keyParts } from './key-parts.ts';

/** One asset rule hit: which owner (the caller's index of the rule) and why, in words. */
export interface AssetHit {
  readonly owner: number;
  readonly reason: string;
}

interface KeywordRef {
  readonly owner: number;
  readonly keyword: string;
}

function under(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

function* suffixes(host: string): Generator<string> {
  let h = host;
  for (;;) {
    yield h;
    const dot = h.indexOf('.');
    if (dot < 0) return;
    h = h.slice(dot + 1);
  }
}

/**
 * Every asset rule of every subscription compiled into one matcher: address ranges, domains
 * (and their subdomains), AS numbers, and brand keywords matched on the readable form of URLs,
 * domains and e-mail addresses and on their look-alike skeleton (homoglyphs, digits for letters,
 * separators dropped). The brand's own domains are not reported as imitations of it.
 * @example new AssetMatcher([{ keywords: ['sakura'], … }]).match('url:http://secure-sakura.example/login')
 */
export class AssetMatcher {
  readonly #ips = new IpRangeMatcher();
  readonly #domains = new Map<string, number[]>();
  readonly #asns = new Map<number, number[]>();
  readonly #foldedRefs: KeywordRef[][] = [];
  readonly #skeletonRefs: KeywordRef[][] = [];
  readonly #folded: AhoCorasick;
  readonly #skeleton: AhoCorasick;
  readonly #own: readonly (readonly string[])[];

  constructor(rules: readonly AssetRule[]) {
    const foldedIds = new Map<string, number>();
    const skeletonIds = new Map<string, number>();
    const addPattern = (ids: Map<string, number>, refs: KeywordRef[][], pattern: string, ref: KeywordRef): void => {
      let i = ids.get(pattern);
      if (i === undefined) {
        i = refs.length;
        ids.set(pattern, i);
        refs.push([]);
      }
      refs[i]!.push(ref);
    };
    rules.forEach((rule, owner) => {
      for (const c of rule.cidrs) this.#ips.add(owner, c);
      for (const d of rule.domains) this.#domains.set(d, [...(this.#domains.get(d) ?? []), owner]);
      for (const a of rule.asns) this.#asns.set(a, [...(this.#asns.get(a) ?? []), owner]);
      for (const k of rule.keywords) {
        addPattern(foldedIds, this.#foldedRefs, folded(k), { owner, keyword: k });
        addPattern(skeletonIds, this.#skeletonRefs, skeleton(k), { owner, keyword: k });
      }
    });
    this.#folded = new AhoCorasick([...foldedIds.keys()]);
    this.#skeleton = new AhoCorasick([...skeletonIds.keys()]);
    this.#own = rules.map((r) => [...r.exclude_domains, ...r.domains]);
  }

  /** Asset rules the key hits, at most one hit per owner and kind of reason. */
  match(key: string): AssetHit[] {
    const parts = keyParts(key);
    const hits: AssetHit[] = [];
    const seen = new Set<string>();
    const push = (owner: number, reason: string): void => {
      const k = `${owner}|${reason}`;
      if (seen.has(k)) return;
      seen.add(k);
      hits.push({ owner, reason });
    };
    if (parts.type === 'ipv4-addr' || parts.type === 'ipv6-addr') {
      for (const h of this.#ips.match(parts.value)) push(h.owner, `address in ${h.range}`);
      return hits;
    }
    if (parts.type === 'autonomous-system') {
      for (const owner of this.#asns.get(Number(parts.value)) ?? []) push(owner, `AS${parts.value}`);
      return hits;
    }
    const host = parts.host;
    if (host === undefined) return hits;
    if (/^[0-9.]+$/.test(host) || host.includes(':')) for (const h of this.#ips.match(host)) push(h.owner, `host address in ${h.range}`);
    else for (const s of suffixes(host)) for (const owner of this.#domains.get(s) ?? []) push(owner, `domain ${s}`);
    const readable = parts.readable ?? '';
    const refs = [
      ...this.#folded.search(folded(readable)).flatMap((i) => this.#foldedRefs[i]!),
      ...this.#skeleton.search(skeleton(readable)).flatMap((i) => this.#skeletonRefs[i]!),
    ];
    for (const ref of refs) {
      if (this.#own[ref.owner]!.some((d) => under(host, d))) continue;
      push(ref.owner, `brand "${ref.keyword}"`);
    }
    return hits;
  }
}
