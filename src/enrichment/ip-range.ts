import ipaddr from 'ipaddr.js';
import { parseIpv4 } from '../observables/ip.normalize.ts';

/** An inclusive address range of one family; IPv4 as numbers, IPv6 as bigints. */
export type IpRange = { readonly family: 4; readonly start: number; readonly end: number } | { readonly family: 6; readonly start: bigint; readonly end: bigint };

const V6_ALL = (1n << 128n) - 1n;

/** The 128-bit value of an IPv6 address text (any valid spelling), or null. */
export function ipv6Value(text: string): bigint | null {
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return null;
  try {
    let v = 0n;
    for (const b of ipaddr.IPv6.parse(text).toByteArray()) v = (v << 8n) | BigInt(b);
    return v;
  } catch {
    return null;
  }
}

/**
 * The range of an address or CIDR ("198.51.100.0/24", "2001:db8::/32", "8.8.8.8"), or a string saying why not.
 * Host bits of a CIDR are ignored, as MISP does with lists such as "1.2.3.4/24".
 * @example parseIpRange('10.0.0.0/8') // { family: 4, start: 167772160, end: 184549375 }
 */
export function parseIpRange(raw: string): IpRange | string {
  const text = raw.trim();
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  if (prefixText !== null && !/^\d{1,3}$/.test(prefixText)) return `prefix "${prefixText}" is not a number`;
  if (addr.includes(':')) {
    const v = ipv6Value(addr);
    if (v === null) return `"${addr}" is not an IPv6 address`;
    const len = prefixText === null ? 128 : Number(prefixText);
    if (len > 128) return `prefix /${len} is longer than 128`;
    const host = len === 128 ? 0n : V6_ALL >> BigInt(len);
    return { family: 6, start: v & ~host & V6_ALL, end: (v & ~host & V6_ALL) | host };
  }
  const v = parseIpv4(addr);
  if (typeof v === 'string') return `"${addr}" is not an IPv4 address: ${v}`;
  const len = prefixText === null ? 32 : Number(prefixText);
  if (len > 32) return `prefix /${len} is longer than 32`;
  const size = 2 ** (32 - len);
  const start = Math.floor(v / size) * size;
  return { family: 4, start, end: start + size - 1 };
}

/** Fixed-width lower-case hex of an address value: 8 digits for IPv4, 32 for IPv6 (text order = numeric order). */
export function hexOf(family: 4 | 6, v: number | bigint): string {
  return v.toString(16).padStart(family === 4 ? 8 : 32, '0');
}

/**
 * Sorted, merged ranges of one family with binary search: "is this address (or whole CIDR) inside?".
 * Numbers for IPv4 keep a 60,000-entry list to two typed arrays.
 */
export class MergedRanges {
  readonly #v4Start: Float64Array;
  readonly #v4End: Float64Array;
  readonly #v6: { start: bigint; end: bigint }[];

  constructor(ranges: readonly IpRange[]) {
    const v4 = ranges.filter((r): r is Extract<IpRange, { family: 4 }> => r.family === 4).sort((a, b) => a.start - b.start);
    const starts: number[] = [];
    const ends: number[] = [];
    for (const r of v4) {
      const last = ends.length - 1;
      if (last >= 0 && r.start <= ends[last]! + 1) ends[last] = Math.max(ends[last]!, r.end);
      else {
        starts.push(r.start);
        ends.push(r.end);
      }
    }
    this.#v4Start = Float64Array.from(starts);
    this.#v4End = Float64Array.from(ends);
    const v6 = ranges.filter((r): r is Extract<IpRange, { family: 6 }> => r.family === 6).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.#v6 = [];
    for (const r of v6) {
      const last = this.#v6[this.#v6.length - 1];
      if (last && r.start <= last.end + 1n) last.end = r.end > last.end ? r.end : last.end;
      else this.#v6.push({ start: r.start, end: r.end });
    }
  }

  /** Number of merged ranges. */
  get size(): number {
    return this.#v4Start.length + this.#v6.length;
  }

  /** True when the whole range lies inside one merged range. */
  contains(r: IpRange): boolean {
    if (r.family === 4) {
      let lo = 0;
      let hi = this.#v4Start.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (this.#v4Start[mid]! > r.start) hi = mid - 1;
        else if (this.#v4End[mid]! < r.start) lo = mid + 1;
        else return r.end <= this.#v4End[mid]!;
      }
      return false;
    }
    let lo = 0;
    let hi = this.#v6.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.#v6[mid]!;
      if (m.start > r.start) hi = mid - 1;
      else if (m.end < r.start) lo = mid + 1;
      else return r.end <= m.end;
    }
    return false;
  }
}
