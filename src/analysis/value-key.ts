// Observable keys ("ipv4-addr:198.51.100.3", "file:sha-256:…", "cryptocurrency-wallet:bitcoin:…")
// taken apart for analysis: their type, their bare value, the host of a URL.

/** A key taken apart: STIX type, sub-kind (hash algorithm, chain, bank country), bare value. */
export interface KeyParts {
  readonly type: string;
  readonly sub: string | null;
  readonly value: string;
}

const WITH_SUB = new Set(['file', 'x509-certificate', 'cryptocurrency-wallet']);

/**
 * Splits a key into type, sub-kind and value; null when it has no "type:" prefix.
 * @example splitKey('file:sha-256:ab12') // { type: 'file', sub: 'sha-256', value: 'ab12' }
 */
export function splitKey(key: string): KeyParts | null {
  const i = key.indexOf(':');
  if (i <= 0) return null;
  const type = key.slice(0, i);
  const rest = key.slice(i + 1);
  if (WITH_SUB.has(type)) {
    const j = rest.indexOf(':');
    if (j < 0) return { type, sub: null, value: rest };
    return { type, sub: rest.slice(0, j), value: rest.slice(j + 1) };
  }
  return { type, sub: null, value: rest };
}

/** The STIX type of a key ("ipv4-addr" of "ipv4-addr:198.51.100.3"). */
export function keyType(key: string): string {
  const i = key.indexOf(':');
  return i <= 0 ? '' : key.slice(0, i);
}

/** Types that can be the infrastructure behind many incidents (root sources). */
export const INFRASTRUCTURE_TYPES: ReadonlySet<string> = new Set([
  'ipv4-addr',
  'ipv6-addr',
  'domain-name',
  'url',
  'autonomous-system',
  'bank-account',
  'cryptocurrency-wallet',
  'phone-number',
  'email-addr',
]);

/** True for keys of infrastructure-like values. */
export function isInfrastructureKey(key: string): boolean {
  return INFRASTRUCTURE_TYPES.has(keyType(key));
}

/**
 * The host of a URL as a key ("domain-name:evil.example", "ipv4-addr:203.0.113.9"), or null.
 * @example urlHostKey('url:http://evil.example:8080/a') // 'domain-name:evil.example'
 */
export function urlHostKey(urlKey: string): string | null {
  if (!urlKey.startsWith('url:')) return null;
  let host: string;
  try {
    host = new URL(urlKey.slice(4)).hostname;
  } catch {
    return null;
  }
  if (!host) return null;
  if (host.startsWith('[') && host.endsWith(']')) return `ipv6-addr:${host.slice(1, -1)}`;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return `ipv4-addr:${host}`;
  return `domain-name:${host.toLowerCase().replace(/\.$/, '')}`;
}

/** The bare IP of an ipv4-addr or ipv6-addr key that names one address (not a CIDR), or null. */
export function ipOfKey(key: string): { family: 4 | 6; ip: string } | null {
  if (key.startsWith('ipv4-addr:')) {
    const ip = key.slice(10);
    return ip.includes('/') ? null : { family: 4, ip };
  }
  if (key.startsWith('ipv6-addr:')) {
    const ip = key.slice(10);
    return ip.includes('/') ? null : { family: 6, ip };
  }
  return null;
}
