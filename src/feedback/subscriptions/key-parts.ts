import { domainToUnicode } from 'node:url';

/** What a brand keyword or an asset rule can look at in one index key. */
export interface KeyParts {
  /** The key's type: "url", "domain-name", "ipv4-addr", … */
  readonly type: string;
  /** The value after the type ("http://x.example/a", "198.51.100.3", "file:sha-256:…" keeps its algorithm). */
  readonly value: string;
  /** The host of a URL, domain or e-mail address (ASCII, Punycode), or undefined. */
  readonly host: string | undefined;
  /** For URLs, domains and e-mail addresses: the text a person reads (Unicode host, decoded path). */
  readonly readable: string | undefined;
}

const URL_PARTS = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]*)(?::\d+)?(.*)$/s;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function unicodeHost(host: string): string {
  return host.includes('xn--') ? domainToUnicode(host) || host : host;
}

/**
 * Splits an index key into what matchers need.
 * @example keyParts('url:http://xn--80ak6aa92e.com/login').readable // 'ѕаkurа.com/login' (Unicode host)
 */
export function keyParts(key: string): KeyParts {
  const colon = key.indexOf(':');
  const type = colon < 0 ? key : key.slice(0, colon);
  const value = colon < 0 ? '' : key.slice(colon + 1);
  switch (type) {
    case 'url': {
      const m = URL_PARTS.exec(value);
      if (!m) return { type, value, host: undefined, readable: decoded(value) };
      const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
      return { type, value, host, readable: `${unicodeHost(host)}${decoded(m[2] ?? '')}` };
    }
    case 'domain-name':
      return { type, value, host: value, readable: unicodeHost(value) };
    case 'email-addr': {
      const at = value.lastIndexOf('@');
      const host = at < 0 ? undefined : value.slice(at + 1);
      return { type, value, host, readable: host ? `${value.slice(0, at)}@${unicodeHost(host)}` : value };
    }
    default:
      return { type, value, host: undefined, readable: undefined };
  }
}
