import ipaddr from 'ipaddr.js';
import { invalid } from '../../shared/errors.ts';
import { normalizeDomain } from '../../observables/domain.normalize.ts';
import type { SubscriptionKind } from '../feedback.tables.ts';
import { folded, skeleton } from './homoglyph.ts';

/** My assets: address ranges, domains, AS numbers, and brand keywords imitated by phishing. */
export interface AssetRule {
  readonly cidrs: readonly string[];
  readonly domains: readonly string[];
  readonly asns: readonly number[];
  readonly keywords: readonly string[];
  /** The brand's own domains: keyword hits on them are not imitation. */
  readonly exclude_domains: readonly string[];
}

/** My sector targeted (STIX sector names or Kessetsu sectors; empty: the organisation's own). */
export interface SectorRule {
  readonly sectors: readonly string[];
}

/** New indicators of chosen observable types, or related to chosen groups (name or STIX id). */
export interface IndicatorRule {
  readonly types: readonly string[];
  readonly groups: readonly string[];
  readonly min_confidence: number | null;
}

/** A cluster crossing a priority. */
export interface ClusterRule {
  readonly min_priority: number;
}

/** The rule of any kind, as stored. */
export type Rule = AssetRule | SectorRule | IndicatorRule | ClusterRule | Record<string, never>;

const MAX_ITEMS = 1000;
/** Observable types an indicator rule may name (the prefixes of index keys). */
export const INDICATOR_TYPES = ['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file', 'autonomous-system', 'mac-addr', 'phone-number', 'cryptocurrency-wallet', 'bank-account', 'vulnerability', 'x509-certificate'] as const;

function list(raw: unknown, field: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid(field, 'must be an array');
  if (raw.length > MAX_ITEMS) throw invalid(field, `at most ${MAX_ITEMS} entries`);
  return raw;
}

function strings(raw: unknown, field: string, maxLength = 253): string[] {
  return list(raw, field).map((v, i) => {
    if (typeof v !== 'string' || v.trim() === '') throw invalid(`${field}[${i}]`, 'must be a non-empty string');
    if (v.length > maxLength) throw invalid(`${field}[${i}]`, `longer than ${maxLength} characters`);
    return v.trim();
  });
}

function cidr(v: string, field: string): string {
  try {
    let [addr, bits] = v.includes('/') ? ipaddr.parseCIDR(v) : [ipaddr.parse(v), v.includes(':') ? 128 : 32];
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      addr = (addr as ipaddr.IPv6).toIPv4Address();
      bits -= 96;
    }
    const net = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`);
    return `${net.toString()}/${bits}`;
  } catch {
    throw invalid(field, `"${v.slice(0, 80)}" is not an IP address or CIDR range`);
  }
}

function domain(v: string, field: string): string {
  try {
    return normalizeDomain(v, { requirePublicSuffix: false });
  } catch (err) {
    throw invalid(field, (err as Error).message);
  }
}

function keyword(v: string, field: string): string {
  const f = folded(v);
  const s = skeleton(v);
  // Short ASCII keywords ("abc") would match half the internet; CJK names are short and specific.
  const min = /^[\x20-\x7e]*$/.test(f) ? 3 : 2;
  if (s.length < min || f.length < min) throw invalid(field, `"${v}" is too short to match on (at least ${min} letters)`);
  return v.normalize('NFKC').trim();
}

/**
 * Checks and normalises the rule of a subscription of a kind; throws a 400 naming the field.
 * @example validateRule('asset', { keywords: ['sakura', 'さくら銀行'] })
 */
export function validateRule(kind: SubscriptionKind, raw: unknown): Rule {
  const r = raw === undefined || raw === null ? {} : raw;
  if (typeof r !== 'object' || Array.isArray(r)) throw invalid('rule', 'must be an object');
  const o = r as Record<string, unknown>;
  switch (kind) {
    case 'asset': {
      const rule: AssetRule = {
        cidrs: strings(o.cidrs, 'rule.cidrs', 64).map((v, i) => cidr(v, `rule.cidrs[${i}]`)),
        domains: strings(o.domains, 'rule.domains').map((v, i) => domain(v, `rule.domains[${i}]`)),
        asns: list(o.asns, 'rule.asns').map((v, i) => {
          const n = typeof v === 'string' ? Number(v.replace(/^AS/i, '')) : v;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 4294967295) throw invalid(`rule.asns[${i}]`, 'must be an AS number');
          return n;
        }),
        keywords: strings(o.keywords, 'rule.keywords', 100).map((v, i) => keyword(v, `rule.keywords[${i}]`)),
        exclude_domains: strings(o.exclude_domains, 'rule.exclude_domains').map((v, i) => domain(v, `rule.exclude_domains[${i}]`)),
      };
      if (!rule.cidrs.length && !rule.domains.length && !rule.asns.length && !rule.keywords.length)
        throw invalid('rule', 'an asset rule needs at least one of cidrs, domains, asns, keywords');
      return rule;
    }
    case 'sector':
      return { sectors: strings(o.sectors, 'rule.sectors', 100).map((s) => s.toLowerCase()) };
    case 'indicator': {
      const types = strings(o.types, 'rule.types', 40);
      types.forEach((t, i) => {
        if (!(INDICATOR_TYPES as readonly string[]).includes(t)) throw invalid(`rule.types[${i}]`, `unknown type "${t}"; one of ${INDICATOR_TYPES.join(', ')}`);
      });
      const groups = strings(o.groups, 'rule.groups', 300);
      const mc = o.min_confidence;
      if (mc !== undefined && mc !== null && (typeof mc !== 'number' || !Number.isInteger(mc) || mc < 0 || mc > 100)) throw invalid('rule.min_confidence', 'must be an integer 0-100');
      if (!types.length && !groups.length) throw invalid('rule', 'an indicator rule needs types or groups');
      return { types, groups, min_confidence: typeof mc === 'number' ? mc : null };
    }
    case 'cluster_priority': {
      const p = o.min_priority;
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) throw invalid('rule.min_priority', 'must be a non-negative number');
      return { min_priority: p };
    }
    case 'shared_sighting':
    case 'advisory':
      return {};
  }
}
