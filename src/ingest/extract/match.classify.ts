import type { ValueKind } from '../../observables/observable.factory.ts';
import { refang } from '../../observables/refang.ts';
import type { GroupName } from './ioc.patterns.ts';
import { canonicalIpv6, classifyHost, hasPublicSuffix, isIpv4, looksLikeFileName } from './host.check.ts';
import { japanesePhoneE164 } from './jp-phone.ts';

/** A recognised value: its kind, normalised value, and how many characters of the match it covers. */
export interface Classified {
  readonly kind: ValueKind;
  readonly value: string;
  /** Length of the match that belongs to the value (trailing punctuation of a URL is dropped). */
  readonly length: number;
  /** The host of a URL, to be reported as an indicator of its own. */
  readonly host?: { readonly kind: ValueKind; readonly value: string; readonly index: number; readonly length: number };
}

const HASH_KINDS: Readonly<Record<number, ValueKind>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const BASE58 = /^[13][1-9A-HJ-NP-Za-km-z]{25,34}$/;
const BECH32 = /^bc1[ac-hj-np-z02-9]{11,71}$/;
const TRAILING = /[.,;:!?'*]$/;
const SCHEME_SEPARATOR = /^[a-z]+(?::\/\/|\[:\/\/\]|\[:\]\/\/|\(:\)\/\/|\[:\]\[\/\]\[\/\])/i;
// The host as written: up to the port, path, query or fragment (an IPv6 literal keeps its colons).
const RAW_HOST = /^(?:\[[0-9a-f:.]+\]|[^/?#:]*)/i;
const URL_PARTS = /^([a-z]+):\/\/([^/?#]*)(.*)$/is;
// .NET and PowerShell names ("System.Net", "System.IO", "ASP.NET" is a real name and stays) put a
// capitalised word where a TLD would be, or an upper-case one after a mixed-case word; real
// domains in reports are written in lower case or all capitals.
const CAPITALISED_TLD = /\.[A-Z][a-z]+$|[A-Z][a-z][^.]*\.[A-Z]+$/;

function trimUrl(s: string): string {
  let end = s.length;
  for (;;) {
    const last = s[end - 1];
    if (last === undefined) break;
    if (TRAILING.test(last)) end--;
    else if ((last === ')' || last === ']') && !balanced(s.slice(0, end), last === ')' ? '(' : '[', last)) end--;
    else break;
  }
  return s.slice(0, end);
}

function balanced(s: string, open: string, close: string): boolean {
  let depth = 0;
  for (const c of s) depth += c === open ? 1 : c === close ? -1 : 0;
  return depth >= 0;
}

function classifyUrl(matched: string): Classified | undefined {
  const trimmed = trimUrl(matched);
  const parts = URL_PARTS.exec(refang(trimmed).normalize('NFKC'));
  if (!parts) return undefined;
  const [, scheme = '', authority = '', rest = ''] = parts;
  const at = authority.lastIndexOf('@');
  const hostPort = authority.slice(at + 1);
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::([0-9]{0,5}))?$/.exec(hostPort);
  if (!portMatch) return undefined;
  const hostKind = classifyHost(portMatch[1] ?? '');
  if (!hostKind) return undefined;
  const lowerScheme = scheme.toLowerCase();
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const port = portMatch[2] !== undefined ? `:${portMatch[2]}` : '';
  const hostText = hostKind.kind === 'ipv6-addr' ? portMatch[1]!.toLowerCase() : hostKind.value;
  const value = `${lowerScheme}://${userinfo}${hostText}${port}${rest}`;
  const sepEnd = SCHEME_SEPARATOR.exec(trimmed)?.[0].length ?? 0;
  const hostIndex = at >= 0 ? Math.max(sepEnd, trimmed.indexOf('@', sepEnd) + 1) : sepEnd;
  const rawHost = RAW_HOST.exec(trimmed.slice(hostIndex))?.[0] ?? '';
  const host = { kind: hostKind.kind, value: hostKind.value, index: hostIndex, length: rawHost.replace(/[[({]+$/, '').length };
  return { kind: 'url', value, length: trimmed.length, host };
}

function classifyDomain(matched: string): Classified | undefined {
  if (CAPITALISED_TLD.test(matched)) return undefined;
  const value = refang(matched).toLowerCase();
  if (!hasPublicSuffix(value)) return undefined;
  if (value === matched.toLowerCase() && looksLikeFileName(value)) return undefined;
  return { kind: 'domain-name', value, length: matched.length };
}

// SSH names its algorithms and extensions like mail addresses ("hmac-sha1@openssh.com",
// "curve25519-sha256@libssh.org", "rijndael-cbc@lysator.liu.se"): in SSH logs and honeypot records
// they are protocol vocabulary, never an address anyone writes to (issue 11.2).
const SSH_NAME_DOMAINS = new Set(['openssh.com', 'libssh.org', 'ssh.com', 'lysator.liu.se']);

function classifyEmail(matched: string): Classified | undefined {
  const value = refang(matched).replace(/ /g, '').toLowerCase();
  const at = value.lastIndexOf('@');
  if (at < 1 || !hasPublicSuffix(value.slice(at + 1))) return undefined;
  if (SSH_NAME_DOMAINS.has(value.slice(at + 1))) return undefined;
  return { kind: 'email-addr', value, length: matched.length };
}

function classifyIpv6(matched: string): Classified | undefined {
  const slash = matched.indexOf('/');
  const address = canonicalIpv6(slash < 0 ? matched : matched.slice(0, slash));
  return address ? { kind: 'ipv6-addr', value: address + (slash < 0 ? '' : matched.slice(slash)), length: matched.length } : undefined;
}

function classifyBtc(matched: string): Classified | undefined {
  const lower = matched.toLowerCase();
  if (BECH32.test(lower) && lower.length >= 14 && lower.length <= 74) return { kind: 'btc-address', value: lower, length: matched.length };
  // Base58 addresses are a mix of cases; a run of one case starting with 1 or 3 is a number or a word.
  if (BASE58.test(matched) && /[a-z]/.test(matched) && /[A-Z]/.test(matched)) return { kind: 'btc-address', value: matched, length: matched.length };
  return undefined;
}

/** Checks and normalises what one named group of the combined pattern matched (text already width-folded). */
export function classifyMatch(group: GroupName, matched: string): Classified | undefined {
  switch (group) {
    case 'url':
      return classifyUrl(matched);
    case 'email':
      return classifyEmail(matched);
    case 'ipv4': {
      const value = refang(matched).replace(/ /g, '');
      const slash = value.indexOf('/');
      return isIpv4(slash < 0 ? value : value.slice(0, slash)) ? { kind: 'ipv4-addr', value, length: matched.length } : undefined;
    }
    case 'ipv6':
      return classifyIpv6(matched);
    case 'eth':
      return { kind: 'eth-address', value: matched, length: matched.length };
    case 'hash': {
      const kind = HASH_KINDS[matched.length];
      return kind ? { kind, value: matched.toLowerCase(), length: matched.length } : undefined;
    }
    case 'btc':
      return classifyBtc(matched);
    case 'cve':
      return { kind: 'cve', value: matched.toUpperCase(), length: matched.length };
    case 'asn': {
      const n = Number(/[0-9]+$/.exec(matched)?.[0]);
      return Number.isSafeInteger(n) && n > 0 && n <= 4294967295 ? { kind: 'autonomous-system', value: String(n), length: matched.length } : undefined;
    }
    case 'phone': {
      const value = japanesePhoneE164(matched);
      return value ? { kind: 'phone-number', value, length: matched.length } : undefined;
    }
    case 'domain':
      return classifyDomain(matched);
  }
}
