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
  return plainHashKey(raw) ?? plainDomainKey(raw) ?? plainUrlKey(raw) ?? keyByGuess(raw);
}

const HASH_KEY_BY_LENGTH: Readonly<Record<number, string>> = { 32: 'file:md5:', 40: 'file:sha-1:', 64: 'file:sha-256:', 128: 'file:sha-512:' };

// Fast path (issue 17.2): lower-case hex of a hash's length is that hash, keyed as itself (the full path's
// refang leaves it alone, no earlier guess takes it, and normalizeHash returns it unchanged). Else undefined.
function plainHashKey(raw: string): string | undefined {
  const prefix = HASH_KEY_BY_LENGTH[raw.length];
  if (prefix === undefined) return undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
  }
  return prefix + raw;
}

const DEFANGED_SCHEME = /hxx|hxt|htx|fxp/;

// Fast path (issue 17.2): a plain lower-case ASCII host name is a domain keyed as itself. Everything else takes
// the full path.
function plainDomainKey(raw: string): string | undefined {
  return isPlainHost(raw, 0, raw.length) ? `domain-name:${raw}` : undefined;
}

// raw[from…n) is a plain lower-case ASCII host name (letters, digits, hyphens, dots; valid labels; a top-level
// label with a letter; no Punycode, no defanged scheme): what the full path gives back unchanged. Upper case, a
// trailing dot, underscores, IDN and anything the full path might read as another kind are not.
function isPlainHost(raw: string, from: number, n: number): boolean {
  if (n - from < 3 || n - from > 253) return false;
  let labelStart = from;
  let dots = 0;
  let letterInLabel = false;
  let x = false;
  for (let i = from; i <= n; i++) {
    const c = i < n ? raw.charCodeAt(i) : 46;
    if (c === 46) {
      const len = i - labelStart;
      if (len === 0 || len > 63 || raw.charCodeAt(labelStart) === 45 || raw.charCodeAt(i - 1) === 45) return false;
      if (i < n) dots++;
      labelStart = i + 1;
      if (i < n) letterInLabel = false;
    } else if (c >= 97 && c <= 122) {
      letterInLabel = true;
      if (c === 120) x = true;
    } else if (!((c >= 48 && c <= 57) || c === 45)) return false;
  }
  // The last label (the top-level one) needs a letter: all digits would be an address to the full path.
  return dots > 0 && letterInLabel && !raw.includes('xn--', from) && !(x && DEFANGED_SCHEME.test(raw));
}

// Characters a URL's path and query may hold and come out of the WHATWG parser and our percent rule unchanged
// (no escape, quote, bracket, backslash, space, fragment or non-ASCII character).
const URL_SAFE = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&*+,;=:@/?') URL_SAFE[ch.charCodeAt(0)] = 1;
const DEFANGED_ANY_CASE = /hxx|h\*\*|h__|hxt|htx|fxp/i;

// Fast path (issue 17.2): http(s)://<plain host>/<safe path and query>, with no dot segment and no empty
// query, is its own canonical URL. Anything else answers undefined and takes the full path (WHATWG parsing).
function plainUrlKey(raw: string): string | undefined {
  const from = raw.startsWith('https://') ? 8 : raw.startsWith('http://') ? 7 : -1;
  if (from < 0 || raw.length > 2048) return undefined;
  const slash = raw.indexOf('/', from);
  if (slash < 0 || !isPlainHost(raw, from, slash)) return undefined;
  let defang = false;
  let inQuery = false;
  let segment = slash + 1;
  for (let i = slash + 1; i <= raw.length; i++) {
    const c = i < raw.length ? raw.charCodeAt(i) : 47;
    if (c >= 128 || URL_SAFE[c] !== 1) return undefined;
    if (c === 120 || c === 88 || c === 42 || c === 95) defang = true;
    if (inQuery) continue;
    if (c === 47 || c === 63) {
      // "." and ".." segments are removed by the parser: not plain.
      const len = i - segment;
      if ((len === 1 || len === 2) && raw.charCodeAt(segment) === 46 && (len === 1 || raw.charCodeAt(segment + 1) === 46)) return undefined;
      segment = i + 1;
      if (c === 63) inQuery = true;
    }
  }
  if (raw.charCodeAt(raw.length - 1) === 63 || (defang && DEFANGED_ANY_CASE.test(raw))) return undefined;
  return `url:${raw}`;
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
