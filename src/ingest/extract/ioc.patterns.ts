// One combined regular expression finds every kind of indicator in a single left-to-right pass.
// Each alternative begins at a token boundary (the shared look-behind), so a position inside a
// word fails after one character; every repetition is bounded, so a failing attempt costs at most
// a few hundred steps and the whole scan stays linear even on a 100 MB line without whitespace.
// The regex only recognises shapes, defanged forms included; values are checked in code after.

/** A dot as written plainly or defanged: ".", "[.]", "(.)", "{.}", "[dot]", "(dot)", "\.". */
export const DOT = String.raw`(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\\\.)`;
const AT = String.raw`(?:@|\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\}| \[at\] | \(at\) )`;
const LABEL = '[a-z0-9-]{1,63}';
const TLD = '(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
// "2.2.2 . 2" is a defanging seen in the wild; accepted for IPv4 only, where digits surround it.
const DOT4 = `(?:${DOT}| \\. )`;

const SCHEME = String.raw`(?:h[tx]{2}ps?|fxp|s?ftp|ftps)(?:://|\[://\]|\[:\]//|\(:\)//|\[:\]\[/\]\[/\])`;
// Labels of an internationalised host may be non-ASCII, but only when a dot follows them, so
// Japanese prose after a URL ("…example.comにアクセス") never becomes part of the host.
const IDN_LABEL = String.raw`[-a-z0-9\u00c0-\u024f\u0370-\u1fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{1,63}`;
// Printable ASCII except space, quotes, angle brackets, backslash, caret, backtick and braces.
const URL_CHARS = String.raw`[!#$%&(-;=?-\[\]_a-z~]{1,4096}`;
const URL = `${SCHEME}(?:${IDN_LABEL}${DOT}){0,16}${URL_CHARS}`;

// A local part cannot start inside another ("a.b.c…" would retry 64 characters at every dot).
const EMAIL = `(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]{0,63}${AT}(?:${LABEL}${DOT}){1,16}${TLD}(?![a-z0-9_-])`;
const IPV4 = `(?<![0-9]\\.)${OCTET}(?:${DOT4}${OCTET}){3}(?:/(?:3[0-2]|[12]?[0-9]))?(?![0-9a-z_]|\\.[0-9]|\\[\\.\\][0-9])`;
// A loose candidate checked afterwards: two colons must come within the first ten characters.
const IPV6 =
  String.raw`(?=[0-9a-f]{0,4}:[0-9a-f]{0,4}:)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-f]{1,4})?` +
  String.raw`(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?(?![0-9a-z_:]|\.[0-9])`;
const ETH = '0x[0-9a-f]{40}(?![0-9a-z])';
const HASH = '[0-9a-f]{32,128}(?![0-9a-z])';
const BTC = '(?:[13][1-9a-z]{25,34}|bc1[0-9a-z]{11,71})(?![0-9a-z])';
const CVE = 'cve-[0-9]{4}-[0-9]{4,7}(?![0-9])';
// AS numbers written as network people do: "AS43350", "ASN 43350", "ASN:43350" (never "as" alone, never a host label).
const ASN = '(?:asn[ :]?|as)[0-9]{1,10}(?![0-9a-z_-]|\\.[0-9a-z])';
// Japanese numbers: +81 or a trunk 0, then up to three groups split by hyphens, spaces or
// parentheses ("03(1234)5678"); digit counts are checked afterwards.
const PHONE =
  String.raw`(?:\+81[ -]?(?:\(0\)[ -]?)?[1-9]|\(0[1-9]|0[1-9])[0-9]{0,3}\)?[ -]?\(?[0-9]{1,4}\)?[ -]?[0-9]{3,4}(?![0-9]|-[0-9])`;
// A domain cannot start right after "label." (that start was already tried from the first label).
const DOMAIN = `(?<![_-]|[a-z0-9_-]${DOT})(?:${LABEL}${DOT}){1,16}${TLD}(?![a-z0-9_-])`;

/** Kinds of match the combined pattern can produce, in the order the alternatives are tried. */
export const GROUPS = ['url', 'email', 'ipv4', 'ipv6', 'eth', 'hash', 'btc', 'cve', 'asn', 'phone', 'domain'] as const;
/** One of the named groups of {@link indicatorPattern}. */
export type GroupName = (typeof GROUPS)[number];

const SOURCES: Readonly<Record<GroupName, string>> = {
  url: URL,
  email: EMAIL,
  ipv4: IPV4,
  ipv6: IPV6,
  eth: ETH,
  hash: HASH,
  btc: BTC,
  cve: CVE,
  asn: ASN,
  phone: PHONE,
  domain: DOMAIN,
};

// Most tokens of prose are plain words followed by a space or punctuation; rejecting them with one
// look-ahead before trying ten alternatives doubles the speed on English text. A word before
// " [at] " is kept: it may be the local part of a defanged e-mail address.
const PLAIN_WORD = String.raw`(?![a-z]{1,30}(?:[\t\n\r,;!?"')]| (?![[(]at[\])] )))`;
const SOURCE = `(?<![a-z0-9])${PLAIN_WORD}(?:${GROUPS.map((g) => `(?<${g}>${SOURCES[g]})`).join('|')})`;

/** A fresh global, case-insensitive regex with one named group per kind (fresh: lastIndex is state). */
export function indicatorPattern(): RegExp {
  return new RegExp(SOURCE, 'gi');
}
