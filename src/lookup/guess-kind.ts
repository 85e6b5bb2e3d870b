import { keyOfValue, type ValueKind } from '../observables/observable.factory.ts';
import { refang } from '../observables/refang.ts';
import { parseIpv4 } from '../observables/ip.normalize.ts';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?$/;
const IPV6 = /^[0-9a-f:]*:[0-9a-f:.]*(?:\/\d{1,3})?$/i;
const HEX = /^[0-9a-f]+$/i;
const HASH_BY_LENGTH: Readonly<Record<number, ValueKind>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const CVE = /^cve-\d{4}-\d{4,}$/i;
const ASN = /^as\d{1,10}$/i;
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const PHONE = /^\+?[\d\s()-]{9,20}$/;
const BTC = /^(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71})$/;
const ETH = /^0x[0-9a-fA-F]{40}$/;

/** The kind a bare value most likely is (defanged forms allowed), or null. */
export function guessValueKind(raw: string): { kind: ValueKind; value: string } | null {
  const value = refang(raw.trim());
  if (!value) return null;
  if (IPV4.test(value)) return { kind: 'ipv4-addr', value };
  if (value.includes(':') && IPV6.test(value) && !URL_RE.test(value)) return { kind: 'ipv6-addr', value };
  if (URL_RE.test(value)) return { kind: 'url', value };
  if (ETH.test(value)) return { kind: 'eth-address', value };
  if (HEX.test(value) && HASH_BY_LENGTH[value.length]) return { kind: HASH_BY_LENGTH[value.length]!, value };
  if (CVE.test(value)) return { kind: 'cve', value };
  if (ASN.test(value)) return { kind: 'autonomous-system', value };
  if (EMAIL.test(value)) return { kind: 'email-addr', value };
  if (BTC.test(value)) return { kind: 'btc-address', value };
  if (PHONE.test(value) && /\d{3}/.test(value) && (value.startsWith('+') || value.startsWith('0'))) return { kind: 'phone-number', value };
  if (value.includes('.')) return { kind: 'domain-name', value };
  return null;
}

/**
 * The index key of a bare value, or null when it is not a value we index.
 * @example guessKind('198.51.100[.]3') // 'ipv4-addr:198.51.100.3'
 */
export function guessKind(raw: string): string | null {
  // Fast path (issue 17.2): a plain canonical dotted quad, most of what lookups ask, is its own key; the strict
  // parser accepts only the spelling the full path would return, without the regexes and allocations.
  if (raw.length <= 15 && raw.length >= 7) {
    const c = raw.charCodeAt(0);
    if (c >= 48 && c <= 57 && raw.charCodeAt(raw.length - 1) <= 57 && typeof parseIpv4(raw) === 'number') return `ipv4-addr:${raw}`;
  }
  return keyByGuess(raw);
}

/** The index key of a bare value through guessing its kind, normalising and keying (guessKind without its fast path). */
export function keyByGuess(raw: string): string | null {
  const g = guessValueKind(raw);
  if (!g) return null;
  try {
    return keyOfValue(g.kind, g.value);
  } catch {
    return null;
  }
}
