// A CIDR names every address inside it: "1.1.1.1/0" from a careless feed line is 0.0.0.0/0, the whole
// Internet, and a blocklist holding it blocks everything. Ranges broader than a configured prefix are
// refused on ingest and never emitted into Suricata rules, RPZ zones or plain blocklists (issue 11.3).

/** The shortest prefix lengths accepted, per address family. */
export interface PrefixLimits {
  readonly v4: number;
  readonly v6: number;
}

/** Defaults: nothing broader than a /16 (IPv4) or a /32 (IPv6, an ISP's allocation). */
export const DEFAULT_PREFIX_LIMITS: PrefixLimits = { v4: 16, v6: 32 };

/**
 * The prefix length of an IPv4/IPv6 value when it is a CIDR broader than the limits allow, else null.
 * @example tooBroad('ipv4-addr', '0.0.0.0/0', DEFAULT_PREFIX_LIMITS) // 0
 * @example tooBroad('ipv4-addr', '198.51.100.0/24', DEFAULT_PREFIX_LIMITS) // null
 */
export function tooBroad(kind: string, value: string, limits: PrefixLimits): number | null {
  if (kind !== 'ipv4-addr' && kind !== 'ipv6-addr') return null;
  const m = /\/\s*(\d{1,3})\s*$/.exec(value);
  if (!m) return null;
  const prefix = Number(m[1]);
  return prefix < (kind === 'ipv4-addr' ? limits.v4 : limits.v6) ? prefix : null;
}

/**
 * True when an index key ("ipv4-addr:10.0.0.0/8") names a CIDR broader than the limits allow.
 * @example broadKey('ipv6-addr:2001:db8::/16', DEFAULT_PREFIX_LIMITS) // true
 */
export function broadKey(key: string, limits: PrefixLimits): boolean {
  const colon = key.indexOf(':');
  return colon > 0 && tooBroad(key.slice(0, colon), key.slice(colon + 1), limits) !== null;
}

/** The limits as a sentence, for messages. */
export function limitsText(limits: PrefixLimits): string {
  return `broader than /${limits.v4} (IPv4) or /${limits.v6} (IPv6)`;
}
