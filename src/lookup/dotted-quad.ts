/**
 * The 32-bit value (0 … 2^32 − 1) of the canonical dotted quad `text[from…]`, or -1: exactly the spellings
 * parseIpv4 accepts (four decimal octets ≤ 255, no leading zeros, nothing else), read without allocating.
 * @example dottedQuad('ipv4-addr:10.0.0.1', 10) // 167772161
 */
export function dottedQuad(text: string, from = 0): number {
  const end = text.length;
  const n = end - from;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++parts > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9 || (digits > 0 && octet === 0)) return -1;
      octet = octet * 10 + d;
      if (++digits > 3 || octet > 255) return -1;
    }
  }
  if (digits === 0 || parts !== 3) return -1;
  return value * 256 + octet;
}

const PREFIX = 'ipv4-addr:';

/** The address of an index key `ipv4-addr:<canonical dotted quad>`, or -1 for every other key (CIDR blocks included). */
export function ipv4OfKey(key: string): number {
  if (key.length < 17 || key.length > 25 || key.charCodeAt(4) !== 45 || !key.startsWith(PREFIX)) return -1;
  return dottedQuad(key, PREFIX.length);
}
