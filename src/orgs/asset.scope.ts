import ipaddr from 'ipaddr.js';
import type { AssetKind } from '../db/schema.ts';

/** What an asset rule names beyond the organisation's declared assets (empty lists: nothing). */
export interface OutsideAssets {
  readonly cidrs: string[];
  readonly domains: string[];
  readonly asns: number[];
  readonly keywords: string[];
}

function cidrWithin(inner: string, outer: string): boolean {
  try {
    const [ia, ib] = ipaddr.parseCIDR(inner);
    const [oa, ob] = ipaddr.parseCIDR(outer);
    if (ia.kind() !== oa.kind() || ib < ob) return false;
    return ia.match(oa, ob);
  } catch {
    return false;
  }
}

/**
 * The parts of an asset rule outside the declared assets: a range inside a declared range, a domain at or
 * below a declared domain, a declared AS number, a keyword containing a declared brand are the organisation's.
 * @example outsideOf({ cidrs: ['192.0.2.0/25'], domains: [], asns: [], keywords: [] }, { cidr: ['192.0.2.0/24'], domain: [], asn: [], keyword: [] })
 */
export function outsideOf(rule: { cidrs: readonly string[]; domains: readonly string[]; asns: readonly number[]; keywords: readonly string[] }, declared: Record<AssetKind, string[]>): OutsideAssets {
  const brands = declared.keyword.map((k) => k.toLowerCase());
  return {
    cidrs: rule.cidrs.filter((c) => !declared.cidr.some((d) => cidrWithin(c, d))),
    domains: rule.domains.filter((d) => !declared.domain.some((o) => d === o || d.endsWith(`.${o}`))),
    asns: rule.asns.filter((a) => !declared.asn.includes(String(a))),
    keywords: rule.keywords.filter((k) => !brands.some((b) => k.toLowerCase().includes(b))),
  };
}

/** Whether anything lies outside. */
export function anyOutside(o: OutsideAssets): boolean {
  return o.cidrs.length + o.domains.length + o.asns.length + o.keywords.length > 0;
}
