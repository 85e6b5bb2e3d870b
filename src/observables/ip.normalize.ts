import ipaddr from 'ipaddr.js';
import { ObservableError } from './observable.error.ts';

// Decision on leading zeros: an octet such as "010" is REJECTED, not canonicalised. inet_aton and
// browsers read it as octal (8), most log tools as decimal (10); either guess can key an indicator
// to the wrong address, and a silent wrong match is worse than a visible refusal. Short and
// integer forms ("127.1", "2130706433", "0x7f.0.0.1") are rejected for the same reason; URL hosts
// are the exception, because there the browser's reading is what the victim's browser will do.

/** The 32-bit value of a strict dotted-quad IPv4 address, or a string saying why it is not one. */
export function parseIpv4(text: string): number | string {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  let leadingZero = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a virtual final '.'
    if (c >= 48 && c <= 57) {
      if (digits === 0 && c === 48) leadingZero = true;
      else if (leadingZero) return `octet ${parts + 1} has a leading zero: octal and decimal readers disagree on it`;
      octet = octet * 10 + (c - 48);
      if (++digits > 3) return `octet ${parts + 1} has more than three digits`;
      if (octet > 255) return `octet ${parts + 1} is greater than 255`;
    } else if (c === 46) {
      if (digits === 0) return parts === 0 && i === text.length ? 'empty value' : `octet ${parts + 1} is empty`;
      if (++parts > 4) return 'has more than four octets';
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      leadingZero = false;
    } else {
      return `unexpected character ${JSON.stringify(text[i])} at ${i}`;
    }
  }
  return parts === 4 ? value : `has ${parts} octet${parts === 1 ? '' : 's'}, not four (short forms are ambiguous)`;
}

function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function parsePrefix(kind: string, raw: string, text: string, max: number): number {
  if (!/^\d{1,3}$/.test(text)) throw new ObservableError(kind, raw, `prefix length "${text}" is not a number`);
  const n = Number(text);
  if (n > max) throw new ObservableError(kind, raw, `prefix length ${n} is greater than ${max}`);
  return n;
}

/**
 * Canonical IPv4 address or CIDR: strict dotted quad, host bits of a CIDR cleared, "/32" collapsed
 * to the address (a STIX ipv4-addr value may be a CIDR).
 * @example normalizeIpv4('192.168.0.1/24') // '192.168.0.0/24'
 */
export function normalizeIpv4(raw: string): string {
  const text = raw.trim();
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const parsed = parseIpv4(addressText);
  if (typeof parsed === 'string') throw new ObservableError('ipv4-addr', raw, parsed);
  // The strict parser accepts only the canonical spelling, so the text itself is the canonical form.
  if (slash < 0) return text;
  const prefix = parsePrefix('ipv4-addr', raw, text.slice(slash + 1), 32);
  if (prefix === 32) return ipv4Text(parsed);
  // Shifts in JavaScript are mod 32, so /0 needs its own mask.
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${ipv4Text((parsed & mask) >>> 0)}/${prefix}`;
}

// ipaddr.js reads "::1.2.3.4" (IPv4-compatible) as "::ffff:1.2.3.4" (IPv4-mapped) and accepts
// leading zeros in the dotted part, so the dotted tail is converted here with the strict parser.
function replaceDottedTail(raw: string, text: string): string {
  const lastColon = text.lastIndexOf(':');
  const dotted = parseIpv4(text.slice(lastColon + 1));
  if (typeof dotted === 'string') throw new ObservableError('ipv6-addr', raw, `embedded IPv4 part: ${dotted}`);
  return `${text.slice(0, lastColon + 1)}${(dotted >>> 16).toString(16)}:${(dotted & 0xffff).toString(16)}`;
}

function ipv6Text(parts: readonly number[]): string {
  // RFC 5952 section 5: IPv4-mapped addresses are written with the IPv4 part dotted.
  if (parts[0] === 0 && parts[1] === 0 && parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0xffff)
    return `::ffff:${ipv4Text(((parts[6]! << 16) | parts[7]!) >>> 0)}`;
  return new ipaddr.IPv6(parts.slice()).toRFC5952String();
}

/**
 * Canonical IPv6 address or CIDR in RFC 5952 text (lower case, longest zero run compressed,
 * IPv4-mapped as ::ffff:a.b.c.d); host bits of a CIDR cleared, "/128" collapsed to the address.
 * Brackets are removed; zone ids ("%eth0") are refused, being meaningful only on one host.
 * @example normalizeIpv6('2001:0DB8:0:0:0:0:0:1') // '2001:db8::1'
 */
export function normalizeIpv6(raw: string): string {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.length > 60) throw new ObservableError('ipv6-addr', raw, 'too long for an IPv6 address or CIDR');
  const slash = text.indexOf('/');
  let address = slash < 0 ? text : text.slice(0, slash);
  if (address.includes('%')) throw new ObservableError('ipv6-addr', raw, 'has a zone id, which only means something on one host');
  if (!address.includes(':')) throw new ObservableError('ipv6-addr', raw, 'has no colon');
  if (address.includes('.')) address = replaceDottedTail(raw, address);
  if (!/^[0-9a-fA-F:]+$/.test(address)) throw new ObservableError('ipv6-addr', raw, 'has characters other than hex digits and colons');
  let parts: number[];
  try {
    parts = ipaddr.IPv6.parse(address).parts.slice();
  } catch (e) {
    throw new ObservableError('ipv6-addr', raw, (e as Error).message.replace(/^ipaddr: /, ''));
  }
  if (slash < 0) return ipv6Text(parts);
  const prefix = parsePrefix('ipv6-addr', raw, text.slice(slash + 1), 128);
  if (prefix === 128) return ipv6Text(parts);
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, prefix - i * 16));
    parts[i] = parts[i]! & ((0xffff << (16 - keep)) & 0xffff);
  }
  return `${ipv6Text(parts)}/${prefix}`;
}
