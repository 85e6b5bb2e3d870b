import ipaddr from 'ipaddr.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

interface Parsed {
  readonly v4: boolean;
  /** IPv4 as an unsigned 32-bit number, IPv6 as a bigint. */
  readonly net: number | bigint;
  readonly len: number;
}

function mask4(n: number, len: number): number {
  return len === 0 ? 0 : (n & (~0 << (32 - len))) >>> 0;
}

function mask6(n: bigint, len: number): bigint {
  const shift = BigInt(128 - len);
  return len === 0 ? 0n : (n >> shift) << shift;
}

// Dotted quads are almost every address on the hot path: parsed without allocation-heavy libraries.
function parseFast4(text: string): Parsed | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  const len = m[5] === undefined ? 32 : Number(m[5]);
  return len > 32 ? undefined : { v4: true, net: mask4(n, len), len };
}

function parse(text: string): Parsed | undefined {
  const fast = parseFast4(text);
  if (fast) return fast;
  try {
    let [addr, len] = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), text.includes(':') ? 128 : 32];
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && len >= 96) {
      addr = (addr as ipaddr.IPv6).toIPv4Address();
      len -= 96;
    }
    if (addr.kind() === 'ipv4') return parseFast4(`${addr.toString()}/${len}`);
    let n = 0n;
    for (const b of addr.toByteArray()) n = (n << 8n) | BigInt(b);
    return { v4: false, net: mask6(n, len), len };
  } catch {
    return undefined;
  }
}

interface Entry {
  readonly owners: number[];
  readonly range: string;
}

/**
 * Which owners' address ranges contain an address (or overlap a range): one hash lookup per
 * prefix length in use, so a thousand subscriptions cost what a handful do.
 * @example const m = new IpRangeMatcher(); m.add(0, '198.51.100.0/24'); m.match('198.51.100.3') // [{ owner: 0, range: '198.51.100.0/24' }]
 */
export class IpRangeMatcher {
  readonly #v4 = new Map<number, Map<number, Entry>>();
  readonly #v6 = new Map<number, Map<bigint, Entry>>();

  /** Registers a range (already validated) for an owner. */
  add(owner: number, cidr: string): void {
    const p = parse(cidr);
    if (!p) return;
    const fam = (p.v4 ? this.#v4 : this.#v6) as Map<number, Map<number | bigint, Entry>>;
    let nets = fam.get(p.len);
    if (!nets) fam.set(p.len, (nets = new Map()));
    const e = nets.get(p.net);
    if (e) e.owners.push(owner);
    else nets.set(p.net, { owners: [owner], range: cidr });
  }

  /** Owners whose ranges contain the address, or overlap the range, given as text. */
  match(value: string): { owner: number; range: string }[] {
    const p = parse(value);
    if (!p) return [];
    const out: { owner: number; range: string }[] = [];
    const fam = (p.v4 ? this.#v4 : this.#v6) as Map<number, Map<number | bigint, Entry>>;
    const mask = (n: number | bigint, len: number): number | bigint => (p.v4 ? mask4(n as number, len) : mask6(n as bigint, len));
    for (const [len, nets] of fam) {
      if (len <= p.len) {
        const e = nets.get(mask(p.net, len));
        if (e) for (const owner of e.owners) out.push({ owner, range: e.range });
      } else {
        // The value is a wider range than the subscriber's: it overlaps when it contains it.
        for (const [net, e] of nets) if (mask(net, p.len) === p.net) for (const owner of e.owners) out.push({ owner, range: e.range });
      }
    }
    return out;
  }
}
