import { PROTO, type SensorEvent } from '../events/sensor-event.ts';

// Link, network and transport headers of one captured frame, read in place. Only headers: the
// payload is never looked at. A frame cut short by the snap length keeps what its headers say.

/** Link-layer header types of pcap files (https://www.tcpdump.org/linktypes.html) this decoder reads. */
export const LINKTYPE = { null: 0, ethernet: 1, raw: 101, rawAlt12: 12, rawAlt14: 14, linuxSll: 113, loop: 108, ipv4: 228, ipv6: 229, linuxSll2: 276 } as const;

/** Whether the decoder reads frames of this link type. */
export function knownLinkType(t: number): boolean {
  return (Object.values(LINKTYPE) as number[]).includes(t);
}

function ipv6Text(b: Uint8Array, at: number): string {
  // RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as "::".
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  const part = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  return best < 0 ? part(0, 8) : `${part(0, best)}::${part(best + bestLen, 8)}`;
}

function mappedV4(b: Uint8Array, at: number): number {
  for (let i = 0; i < 10; i++) if (b[at + i] !== 0) return -1;
  if (b[at + 10] !== 0xff || b[at + 11] !== 0xff) return -1;
  return ((b[at + 12]! << 24) | (b[at + 13]! << 16) | (b[at + 14]! << 8) | b[at + 15]!) >>> 0;
}

/**
 * Decodes the headers of a frame `b[s..e)` of a link type into the event (addresses, ports,
 * protocol, TCP flags, ICMP type and code). Answers 1 for an IP packet, 0 for a frame that carries
 * no IP (ARP, LLDP, …), or an error reason for a broken IP header.
 */
export function decodeFrame(linkType: number, b: Uint8Array, s: number, e: number, ev: SensorEvent): 0 | 1 | string {
  let at = s;
  let etherType = -1;
  switch (linkType) {
    case LINKTYPE.ethernet:
      if (e - at < 14) return 0;
      etherType = (b[at + 12]! << 8) | b[at + 13]!;
      at += 14;
      // 802.1Q / 802.1ad tags, possibly stacked.
      while ((etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100) && e - at >= 4) {
        etherType = (b[at + 2]! << 8) | b[at + 3]!;
        at += 4;
      }
      break;
    case LINKTYPE.linuxSll:
      if (e - at < 16) return 0;
      etherType = (b[at + 14]! << 8) | b[at + 15]!;
      at += 16;
      break;
    case LINKTYPE.linuxSll2:
      if (e - at < 20) return 0;
      etherType = (b[at]! << 8) | b[at + 1]!;
      at += 20;
      break;
    case LINKTYPE.null:
    case LINKTYPE.loop: {
      if (e - at < 4) return 0;
      // The address family, in the capturing host's byte order (NULL) or network order (LOOP).
      const le = b[at]! | (b[at + 1]! << 8);
      const be = (b[at + 2]! << 8) | b[at + 3]!;
      const fam = linkType === LINKTYPE.loop ? be : le || be;
      etherType = fam === 2 ? 0x0800 : fam === 24 || fam === 28 || fam === 30 ? 0x86dd : -1;
      at += 4;
      break;
    }
    default: {
      // Raw IP: the version nibble says which.
      if (e - at < 1) return 0;
      const v = b[at]! >> 4;
      etherType = v === 4 ? 0x0800 : v === 6 ? 0x86dd : -1;
    }
  }
  if (etherType === 0x0800) return decodeIpv4(b, at, e, ev);
  if (etherType === 0x86dd) return decodeIpv6(b, at, e, ev);
  return 0;
}

function decodeIpv4(b: Uint8Array, at: number, e: number, ev: SensorEvent): 1 | string {
  if (e - at < 20) return 'IPv4 header cut short';
  const vihl = b[at]!;
  if (vihl >> 4 !== 4) return 'IPv4 header: version is not 4';
  const ihl = (vihl & 15) * 4;
  if (ihl < 20) return 'IPv4 header: header length under 20 bytes';
  ev.proto = b[at + 9]!;
  ev.src4 = ((b[at + 12]! << 24) | (b[at + 13]! << 16) | (b[at + 14]! << 8) | b[at + 15]!) >>> 0;
  ev.dst4 = ((b[at + 16]! << 24) | (b[at + 17]! << 16) | (b[at + 18]! << 8) | b[at + 19]!) >>> 0;
  // Later fragments carry no transport header.
  const fragOffset = ((b[at + 6]! & 0x1f) << 8) | b[at + 7]!;
  if (fragOffset !== 0) return 1;
  decodeTransport(ev.proto, b, at + ihl, e, ev);
  return 1;
}

function decodeIpv6(b: Uint8Array, at: number, e: number, ev: SensorEvent): 1 | string {
  if (e - at < 40) return 'IPv6 header cut short';
  if (b[at]! >> 4 !== 6) return 'IPv6 header: version is not 6';
  let next = b[at + 6]!;
  const s4 = mappedV4(b, at + 8);
  if (s4 >= 0) ev.src4 = s4;
  else ev.src6 = ipv6Text(b, at + 8);
  const d4 = mappedV4(b, at + 24);
  if (d4 >= 0) ev.dst4 = d4;
  else ev.dst6 = ipv6Text(b, at + 24);
  let p = at + 40;
  // Extension headers: hop-by-hop, routing, destination options, fragment, authentication.
  for (let hops = 0; hops < 8; hops++) {
    if (next === 0 || next === 43 || next === 60) {
      if (e - p < 8) break;
      const len = (b[p + 1]! + 1) * 8;
      next = b[p]!;
      p += len;
    } else if (next === 44) {
      if (e - p < 8) break;
      const offset = ((b[p + 2]! << 8) | b[p + 3]!) >> 3;
      next = b[p]!;
      p += 8;
      if (offset !== 0) {
        ev.proto = next;
        return 1;
      }
    } else if (next === 51) {
      if (e - p < 8) break;
      const len = (b[p + 1]! + 2) * 4;
      next = b[p]!;
      p += len;
    } else break;
  }
  ev.proto = next;
  decodeTransport(next, b, p, e, ev);
  return 1;
}

function decodeTransport(proto: number, b: Uint8Array, at: number, e: number, ev: SensorEvent): void {
  if (proto === PROTO.tcp) {
    if (e - at >= 4) {
      ev.srcPort = (b[at]! << 8) | b[at + 1]!;
      ev.dstPort = (b[at + 2]! << 8) | b[at + 3]!;
    }
    if (e - at >= 14) ev.flags = b[at + 13]!;
  } else if (proto === PROTO.udp || proto === 132) {
    if (e - at >= 4) {
      ev.srcPort = (b[at]! << 8) | b[at + 1]!;
      ev.dstPort = (b[at + 2]! << 8) | b[at + 3]!;
    }
  } else if (proto === PROTO.icmp || proto === PROTO.icmpv6) {
    if (e - at >= 2) {
      ev.icmpType = b[at]!;
      ev.icmpCode = b[at + 1]!;
    }
  }
}
