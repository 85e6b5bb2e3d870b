import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

// Ranges a member's webhook must not reach: the hub's own machine and networks (its database, cloud
// metadata at 169.254.169.254, the LAN). Only unicast public addresses are dialled.
const REFUSED = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'carrierGradeNat', 'private', 'uniqueLocal', 'reserved', 'ipv4Mapped', 'rfc6145', 'rfc6052', '6to4', 'teredo']);

/** Why an address may not be dialled, or undefined when it is a public one. */
export function refusedAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an address`;
  const a = ipaddr.process(address);
  const range = a.range();
  return REFUSED.has(range) ? `${a.toString()} is a ${range} address` : undefined;
}

/**
 * A DNS lookup for http.request that answers only public addresses: the check happens where the
 * socket connects, so a name that resolves elsewhere later (DNS rebinding) gains nothing.
 * @example http.request(url, { lookup: publicOnlyLookup })
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as dns.LookupAddress[];
    const bad = list.map((x) => refusedAddress(x.address)).find((r) => r !== undefined);
    if (bad || !list.length) return callback(Object.assign(new Error(`webhook target refused: ${bad ?? 'no address'}`), { code: 'EREFUSEDTARGET' }), '', 0);
    if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};
