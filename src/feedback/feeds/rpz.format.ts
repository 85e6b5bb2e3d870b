import ipaddr from 'ipaddr.js';
import { keyParts } from '../subscriptions/key-parts.ts';
import type { FeedEntry } from './feed.query.ts';

/**
 * The head of a Response Policy Zone: SOA and NS at the apex (the zone name is the consumer's
 * choice, every owner below is relative), with the given serial.
 * @example rpzHeader(42)
 */
export function rpzHeader(serial: number, generated: Date): string {
  return [
    `; Kessetsu response policy zone, generated ${generated.toISOString()}`,
    '$TTL 300',
    `@ IN SOA localhost. hostmaster.localhost. ( ${serial} 3600 600 86400 300 )`,
    '@ IN NS localhost.',
    '',
  ].join('\n');
}

const LABEL = /^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;

function domainOwner(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  // Leave room for the consumer's zone name under the 255-byte limit.
  if (name.length === 0 || name.length > 180) return undefined;
  return name.split('.').every((l) => LABEL.test(l)) ? name : undefined;
}

/**
 * The RPZ owner name of an address or network: `<prefix>.<reversed address>.rpz-ip`, IPv6 with
 * its longest zero run written `zz`.
 * @example ipOwner('198.51.100.3') // '32.3.100.51.198.rpz-ip'
 */
export function ipOwner(value: string): string | undefined {
  try {
    const [addr, len] = value.includes('/') ? ipaddr.parseCIDR(value) : [ipaddr.parse(value), value.includes(':') ? 128 : 32];
    if (addr.kind() === 'ipv4') return `${len}.${addr.toByteArray().reverse().join('.')}.rpz-ip`;
    const compact = (addr as ipaddr.IPv6).toRFC5952String();
    const [head, tail] = compact.includes('::') ? compact.split('::') : [compact, undefined];
    const groups = [...(head ? head.split(':') : []), ...(tail === undefined ? [] : ['zz', ...(tail ? tail.split(':') : [])])];
    return `${len}.${groups.reverse().join('.')}.rpz-ip`;
  } catch {
    return undefined;
  }
}

/**
 * The RPZ records of a feed entry: NXDOMAIN (`CNAME .`) for a domain and its subdomains, for the
 * host of a URL, and for answers pointing at an address. Undefined when the value cannot be a
 * zone owner name.
 * @example rpzRecords({ type: 'domain-name', value: 'evil.example', … }) // 'evil.example CNAME .\n*.evil.example CNAME .\n'
 */
export function rpzRecords(e: FeedEntry, hostAllowed: (hostKey: string) => boolean = () => true): string | undefined {
  if (e.type === 'ipv4-addr' || e.type === 'ipv6-addr') {
    const owner = ipOwner(e.value);
    return owner ? `${owner} CNAME .\n` : undefined;
  }
  const host = e.type === 'domain-name' ? e.value : e.type === 'url' ? keyParts(e.key).host : undefined;
  if (!host) return undefined;
  if (/^[0-9.]+$/.test(host) || host.includes(':')) {
    // A URL on a listed address (a public resolver) never blocks the address.
    if (e.type === 'url' && !hostAllowed(`${host.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:${host.replace(/^\[|\]$/g, '')}`)) return undefined;
    const owner = ipOwner(host);
    return owner ? `${owner} CNAME .\n` : undefined;
  }
  // A URL on a shared host (a warninglisted cloud or CDN name) blocks the URL, never the whole host.
  if (e.type === 'url' && !hostAllowed(`domain-name:${host}`)) return undefined;
  const owner = domainOwner(host);
  return owner ? `${owner} CNAME .\n*.${owner} CNAME .\n` : undefined;
}
