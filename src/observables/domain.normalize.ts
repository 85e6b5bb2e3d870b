import { domainToASCII, domainToUnicode } from 'node:url';
import { parse as parseDomain } from 'tldts';
import { ObservableError } from './observable.error.ts';

/** Options of domain normalisation. */
export interface DomainOptions {
  /** Refuse names whose suffix is not an ICANN public suffix (.local, .nope, a bare "co.jp"); default true. */
  readonly requirePublicSuffix?: boolean;
}

const MAX_NAME = 253;
const MAX_LABEL = 63;

// Letters, digits, hyphen and underscore: underscores are not host-name characters (RFC 952), but
// they occur in real DNS names (SRV and DMARC records, wildcard-served malicious subdomains) and
// resolvers answer for them, so they are kept — except in the top-level label.
function checkLabels(kind: string, raw: string, ascii: string): void {
  if (ascii.length > MAX_NAME) throw new ObservableError(kind, raw, `name is ${ascii.length} characters long, more than ${MAX_NAME}`);
  let start = 0;
  let labelIndex = 0;
  for (let i = 0; i <= ascii.length; i++) {
    const c = i < ascii.length ? ascii.charCodeAt(i) : 46;
    if (c === 46) {
      const len = i - start;
      if (len === 0) throw new ObservableError(kind, raw, `label ${labelIndex + 1} is empty`);
      if (len > MAX_LABEL) throw new ObservableError(kind, raw, `label ${labelIndex + 1} is ${len} characters long, more than ${MAX_LABEL}`);
      if (ascii.charCodeAt(start) === 45 || ascii.charCodeAt(i - 1) === 45)
        throw new ObservableError(kind, raw, `label ${labelIndex + 1} starts or ends with a hyphen`);
      start = i + 1;
      labelIndex++;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) {
      throw new ObservableError(kind, raw, `character ${JSON.stringify(ascii[i])} is not allowed in a domain name`);
    }
  }
  const tld = ascii.slice(ascii.lastIndexOf('.') + 1);
  if (/^[0-9]+$/.test(tld)) throw new ObservableError(kind, raw, 'ends in a numeric label: an IP address is not a domain name');
  if (tld.includes('_')) throw new ObservableError(kind, raw, 'the top-level label has an underscore');
}

// Node's domainToASCII does not check that xn-- labels are valid Punycode; a decode that leaves
// the label unchanged, or does not encode back to it, means the label is garbage.
function checkPunycode(kind: string, raw: string, ascii: string): void {
  for (const label of ascii.split('.')) {
    if (!label.startsWith('xn--')) continue;
    const unicode = domainToUnicode(label);
    if (unicode === label || unicode === '' || domainToASCII(unicode) !== label)
      throw new ObservableError(kind, raw, `label "${label}" is not valid Punycode`);
  }
}

function toAscii(kind: string, raw: string, text: string): string {
  let ascii = true;
  let upper = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) ascii = false;
    else if (c >= 65 && c <= 90) upper = true;
    // Node's host parser would read "a/b.com" as "a" and "1234" as an IPv4 number: refuse
    // URL syntax before it gets there.
    else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95))
      throw new ObservableError(kind, raw, `character ${JSON.stringify(text[i])} is not allowed in a domain name`);
  }
  if (ascii) return upper ? text.toLowerCase() : text;
  const converted = domainToASCII(text);
  if (converted === '') throw new ObservableError(kind, raw, 'is not a valid internationalised domain name (IDNA)');
  return converted;
}

/**
 * Canonical domain name: lower case, trailing dot removed, IDN converted to Punycode, label and
 * length rules checked, and (unless told otherwise) an ICANN public suffix required.
 * @example normalizeDomain('テスト.Example.COM.') // 'xn--zckzah.example.com'
 */
export function normalizeDomain(raw: string, options: DomainOptions = {}): string {
  return normalizeDomainAs('domain-name', raw, options);
}

/** normalizeDomain, with errors naming the observable kind the name belongs to (url, email-addr). */
export function normalizeDomainAs(kind: string, raw: string, options: DomainOptions = {}): string {
  let text = raw.trim();
  if (text.length > 1000) throw new ObservableError(kind, raw, 'too long for a domain name');
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (text === '') throw new ObservableError(kind, raw, 'empty domain name');
  const ascii = toAscii(kind, raw, text);
  checkLabels(kind, raw, ascii);
  if (ascii.includes('xn--')) checkPunycode(kind, raw, ascii);
  if (options.requirePublicSuffix !== false) {
    const parsed = parseDomain(ascii, { allowPrivateDomains: false });
    if (parsed.isIcann !== true) throw new ObservableError(kind, raw, `".${parsed.publicSuffix ?? ''}" is not a public suffix`);
    if (parsed.domain === null) throw new ObservableError(kind, raw, 'is itself a public suffix, not a registrable name');
  }
  return ascii;
}

/**
 * The Unicode form of a canonical (Punycode) domain name, for people to read.
 * @example domainDisplay('xn--zckzah.jp') // 'テスト.jp'
 */
export function domainDisplay(ascii: string): string {
  if (!ascii.includes('xn--')) return ascii;
  return domainToUnicode(ascii) || ascii;
}

/** Options of e-mail address normalisation. */
export type EmailOptions = DomainOptions;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const LOCAL_FORBIDDEN = /[\s\u0000-\u001f\u007f<>()[\],;:\\"@]/;

/**
 * Canonical e-mail address: the domain part normalised as a domain name, the local part kept
 * exactly (RFC 5321 leaves its case to the receiving host).
 * @example normalizeEmail('Jane.Doe@Example.COM') // 'Jane.Doe@example.com'
 */
export function normalizeEmail(raw: string, options: EmailOptions = {}): string {
  let text = raw.trim();
  if (text.length > 1000) throw new ObservableError('email-addr', raw, 'too long for an e-mail address');
  if (/^mailto:/i.test(text)) text = text.slice(7);
  if (text.startsWith('<') && text.endsWith('>')) text = text.slice(1, -1);
  const at = text.lastIndexOf('@');
  if (at < 0) throw new ObservableError('email-addr', raw, 'has no @');
  const local = text.slice(0, at);
  if (local === '') throw new ObservableError('email-addr', raw, 'empty local part');
  if (local.length > 64) throw new ObservableError('email-addr', raw, `local part is ${local.length} characters long, more than 64`);
  // Quoted local parts and address literals are legal but unseen in indicators; refusing them keeps
  // the canonical form unambiguous.
  if (LOCAL_FORBIDDEN.test(local)) throw new ObservableError('email-addr', raw, 'local part has a space, a control character or one of <>()[],;:\\"@');
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) throw new ObservableError('email-addr', raw, 'local part has a misplaced dot');
  const domainPart = text.slice(at + 1);
  if (domainPart.startsWith('[')) throw new ObservableError('email-addr', raw, 'address literals ([1.2.3.4]) are not supported');
  const domain = normalizeDomainAs('email-addr', domainPart, options);
  const value = `${local}@${domain}`;
  if (value.length > 254) throw new ObservableError('email-addr', raw, `is ${value.length} characters long, more than 254`);
  return value;
}

/** The display form of a canonical e-mail address: the domain in Unicode. */
export function emailDisplay(value: string): string {
  const at = value.lastIndexOf('@');
  return at < 0 ? value : `${value.slice(0, at)}@${domainDisplay(value.slice(at + 1))}`;
}
