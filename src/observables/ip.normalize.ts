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

/** Dotted-quad text of a 32-bit IPv4 value. */
export function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** A CIDR prefix length of at most `max`, or ObservableError. */
export function parsePrefix(kind: string, raw: string, text: string, max: number): number {
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
