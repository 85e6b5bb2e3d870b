import { isIP } from 'node:net';

/** A reported URL in the form entries are grouped by, and its site. */
export interface NormalisedUrl {
  readonly url: string;
  /** The host without a leading "www." (sites group entries and earlier decisions). */
  readonly site: string;
  readonly host: string;
}

/** Longest URL accepted. */
export const MAX_URL_LENGTH = 2048;

const TRACKING = /^(utm_[a-z]+|fbclid|gclid|mc_eid|yclid)$/i;

/**
 * Normalises a reported URL so that the same page reported in different spellings is one entry:
 * lower-case scheme and host (IDN to punycode), no default port, no fragment, no tracking
 * parameters, remaining query parameters sorted, dot segments resolved. Throws an Error whose
 * message says why the URL was refused.
 * @example normaliseUrl('HTTP://Example.COM:80/a/../b?utm_source=x&z=1&a=2#top') // { url: 'http://example.com/b?a=2&z=1', site: 'example.com', … }
 */
export function normaliseUrl(raw: string): NormalisedUrl {
  let s = raw.trim();
  if (!s) throw new Error('empty');
  if (s.length > MAX_URL_LENGTH) throw new Error(`longer than ${MAX_URL_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are refused
  if (/[\s\u0000-\u001f]/.test(s)) throw new Error('contains spaces or control characters');
  // Reporters paste defanged or scheme-less URLs.
  s = s.replace(/^hxxp/i, 'http').replace(/\[\.\]/g, '.');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) s = `http://${s}`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error('not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`only http and https URLs can be reported, not ${u.protocol.replace(/:$/, '')}`);
  if (u.username || u.password) u.username = u.password = '';
  const host = u.hostname.replace(/\.$/, '');
  if (!host) throw new Error('no host');
  const bare = host.replace(/^\[|\]$/g, '');
  if (!isIP(bare)) {
    if (!host.includes('.')) throw new Error(`"${host}" is not a public host name`);
    if (/\.(local|localhost|internal|invalid|test)$/.test(host) || host === 'localhost') throw new Error(`"${host}" is not a public host name`);
  }
  u.hostname = host;
  u.hash = '';
  const params = [...u.searchParams].filter(([k]) => !TRACKING.test(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  u.search = params.length ? new URLSearchParams(params).toString() : '';
  const url = u.toString();
  return { url, site: host.replace(/^www\./, ''), host: bare };
}
