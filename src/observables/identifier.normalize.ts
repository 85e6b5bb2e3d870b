import { ObservableError } from './observable.error.ts';

/** Hash algorithms Kessetsu indexes, by our kind name. */
export type HashKind = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** Hex length of each hash algorithm. */
export const HASH_LENGTH: Readonly<Record<HashKind, number>> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/** The STIX hashing-algorithm-ov name of each hash kind. */
export const STIX_HASH_NAME: Readonly<Record<HashKind, 'MD5' | 'SHA-1' | 'SHA-256' | 'SHA-512'>> = {
  md5: 'MD5',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha512: 'SHA-512',
};

/**
 * Canonical hash: lower-case hex of the algorithm's exact length.
 * @example normalizeHash('md5', 'F6F8179AC71EAABFF12B8C024342109B') // 'f6f8179ac71eaabff12b8c024342109b'
 */
export function normalizeHash(kind: HashKind, raw: string): string {
  const text = raw.trim();
  const want = HASH_LENGTH[kind];
  if (text.length !== want) throw new ObservableError(kind, raw, `has ${text.length} characters, ${kind} has ${want} hex digits`);
  let upper = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 70) upper = true;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) throw new ObservableError(kind, raw, `character ${JSON.stringify(text[i])} at ${i} is not hex`);
  }
  return upper ? text.toLowerCase() : text;
}

/**
 * Canonical MAC address (STIX mac-addr): six lower-case, zero-padded, colon-separated octets. Reads
 * colon or hyphen groups ("0:c:29:…" as macOS prints them), Cisco dotted triples and bare hex.
 * @example normalizeMac('00-0C-29-1A-2B-3C') // '00:0c:29:1a:2b:3c'
 */
export function normalizeMac(raw: string): string {
  const text = raw.trim().toLowerCase();
  let octets: string[] | undefined;
  if (/^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$/.test(text)) octets = text.split(/[:-]/).map((o) => o.padStart(2, '0'));
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(text)) octets = text.replace(/\./g, '').match(/../g) ?? undefined;
  else if (/^[0-9a-f]{12}$/.test(text)) octets = text.match(/../g) ?? undefined;
  if (!octets) throw new ObservableError('mac-addr', raw, 'is not six octets written aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff or aabbccddeeff');
  return octets.join(':');
}

const ASN = /^(?:ASN?)?[\s:]?(\d{1,10})(?:\.(\d{1,5}))?$/i;

/**
 * Autonomous system number from "AS64500", "as64500", "ASN64500", "ASN:64500", "64500" or asdot "AS1.10".
 * @example normalizeAsn('AS64500') // 64500
 */
export function normalizeAsn(raw: string): number {
  const m = ASN.exec(raw.trim());
  if (!m) throw new ObservableError('autonomous-system', raw, 'is not an AS number (AS64500, 64500, AS1.10)');
  if (m[2] !== undefined) {
    const high = Number(m[1]);
    const low = Number(m[2]);
    if (high > 65535 || low > 65535) throw new ObservableError('autonomous-system', raw, 'asdot halves must be at most 65535');
    return high * 65536 + low;
  }
  const n = Number(m[1]);
  if (n > 4294967295) throw new ObservableError('autonomous-system', raw, 'is greater than 4294967295 (32 bits)');
  return n;
}

// Reports pasted from word processors turn the hyphens of a CVE id into en dashes and the like.
const DASHES = /[\u2010-\u2015\u2212\uff0d]/g;
const CVE = /^CVE-(\d{4})-(\d{4,19})$/;

/**
 * Canonical CVE id, upper case ("CVE-2021-44228"); the sequence has four digits, or more without
 * a leading zero, as the CVE id syntax requires.
 * @example normalizeCve('cve-2021-44228') // 'CVE-2021-44228'
 */
export function normalizeCve(raw: string): string {
  const text = raw.trim().toUpperCase().replace(DASHES, '-');
  const m = CVE.exec(text);
  if (!m) throw new ObservableError('cve', raw, 'is not a CVE id (CVE-YYYY-NNNN)');
  if (Number(m[1]) < 1999) throw new ObservableError('cve', raw, 'CVE ids start in 1999');
  if (m[2]!.length > 4 && m[2]!.startsWith('0')) throw new ObservableError('cve', raw, 'a sequence longer than four digits has no leading zero');
  return text;
}
