import { normalizeDomainAs, domainDisplay, type DomainOptions } from './domain.normalize.ts';
import { ObservableError } from './observable.error.ts';
import { parseIpv4 } from './ip.normalize.ts';

/** Options of URL normalisation. */
export interface UrlOptions {
  /** Refuse hosts without an ICANN public suffix; default false (URLs name intranet and raw-IP hosts). */
  readonly requirePublicSuffix?: boolean;
}

const MAX_URL = 65_536;
const SPECIAL = new Set(['http:', 'https:', 'ftp:', 'ws:', 'wss:']);
const SCHEME_WITH_AUTHORITY = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const SCHEME_ONLY = /^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)/;
const PERCENT = /%([0-9a-fA-F]{2})/g;

function isUnreserved(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126;
}

// RFC 3986 section 6.2.2: escapes of unreserved characters are decoded, the others get upper-case
// hex. Reserved characters stay escaped, since "/" and "%2F" differ to a server.
function normalizePercent(part: string): string {
  if (!part.includes('%')) return part;
  return part.replace(PERCENT, (_m, hex: string) => {
    const c = parseInt(hex, 16);
    return isUnreserved(c) ? String.fromCharCode(c) : `%${hex.toUpperCase()}`;
  });
}

function parse(raw: string, text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ObservableError('url', raw, 'is not a valid URL (WHATWG URL parser)');
  }
}

function canonicalHost(raw: string, url: URL, options: UrlOptions): string {
  const hostname = url.hostname;
  if (hostname === '') throw new ObservableError('url', raw, 'has no host');
  if (hostname.startsWith('[')) return hostname; // IPv6, already compressed and lower-cased by the parser
  if (/^[0-9.]+$/.test(hostname)) {
    if (SPECIAL.has(url.protocol)) return hostname; // the parser has already canonicalised the IPv4 address
    // Non-special schemes leave the host as written: hold it to the strict dotted-quad rule.
    const parsed = parseIpv4(hostname);
    if (typeof parsed === 'string') throw new ObservableError('url', raw, `host "${hostname}": ${parsed}`);
    return hostname;
  }
  // Non-special schemes (tcp://, smb://) keep an opaque host: decode it and treat it as a domain.
  let name = hostname;
  if (!SPECIAL.has(url.protocol)) {
    try {
      name = decodeURIComponent(hostname);
    } catch {
      throw new ObservableError('url', raw, `host "${hostname}" has a broken percent-escape`);
    }
  }
  const domainOptions: DomainOptions = { requirePublicSuffix: options.requirePublicSuffix === true };
  return normalizeDomainAs('url', name, domainOptions);
}

/**
 * Canonical URL (WHATWG parsing): scheme and host lower case, IDN host in Punycode, default port
 * removed, unreserved percent-escapes decoded and the others upper-cased, empty path written "/",
 * query kept in its order. The fragment is dropped: browsers never send it, so two URLs that
 * differ only there fetch the same resource, and phishing links often carry the victim's address
 * in it. A value without a scheme ("example.com/x") is read as http.
 * @example normalizeUrl('HTTP://Example.COM:80/%7euser/a%2fb?q=1#top') // 'http://example.com/~user/a%2Fb?q=1'
 */
export function normalizeUrl(raw: string, options: UrlOptions = {}): string {
  const text = raw.trim();
  if (text === '') throw new ObservableError('url', raw, 'empty value');
  if (text.length > MAX_URL) throw new ObservableError('url', raw, `longer than ${MAX_URL} characters`);
  const withAuthority = SCHEME_WITH_AUTHORITY.test(text);
  if (!withAuthority && SCHEME_ONLY.test(text)) throw new ObservableError('url', raw, 'has a scheme but no "//" authority, so no host');
  const url = parse(raw, withAuthority ? text : `http://${text}`);
  const host = canonicalHost(raw, url, options);
  if (SPECIAL.has(url.protocol)) {
    // For special schemes the serialised URL already has the lower-case scheme and host, no
    // default port and a non-empty path; what is left is the fragment, an empty query and escapes.
    let href = url.href;
    const hash = href.indexOf('#');
    if (hash >= 0) href = href.slice(0, hash);
    // An empty query (a lone "?") is dropped; "??" is a query holding "?" and stays.
    if (href.indexOf('?') === href.length - 1) href = href.slice(0, -1);
    return normalizePercent(href);
  }
  const port = url.port === '' ? '' : `:${url.port}`;
  const user = normalizePercent(url.username);
  const password = normalizePercent(url.password);
  const userinfo = user || password ? `${user}${password ? `:${password}` : ''}@` : '';
  const path = normalizePercent(url.pathname) || '/';
  const search = url.search === '' ? '' : normalizePercent(url.search);
  return `${url.protocol}//${userinfo}${host}${port}${path.startsWith('/') ? path : `/${path}`}${search}`;
}

/** The display form of a canonical URL: its host in Unicode. */
export function urlDisplay(value: string): string {
  if (!value.includes('xn--')) return value;
  const m = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([^/:?#]+)(.*)$/s.exec(value);
  return m ? `${m[1]}${domainDisplay(m[2]!)}${m[3]}` : value;
}
