import type { FeedEntry } from './feed.query.ts';

// Content bytes written as they are; everything else (quotes, semicolons, backslashes, pipes,
// spaces, non-ASCII) goes in |hex| so no value can break out of its rule.
const PLAIN = /^[A-Za-z0-9._~/=?&%:,@!*+$'()[\]-]$/;

/**
 * A byte string as a Suricata/Snort `content` value, with unsafe bytes hex-escaped.
 * @example contentOf('a"b;c') // 'a|22|b|3B|c'
 */
export function contentOf(text: string): string {
  let out = '';
  let hex: string[] = [];
  const flush = (): void => {
    if (hex.length) out += `|${hex.join(' ')}|`;
    hex = [];
  };
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && PLAIN.test(ch)) {
      flush();
      out += ch;
    } else hex.push(byte.toString(16).toUpperCase().padStart(2, '0'));
  }
  flush();
  return out;
}

/** A text safe inside `msg:"…"`: printable ASCII, with ; " \ escaped. */
export function msgOf(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/[\\;"]/g, (c) => `\\${c}`)
    .slice(0, 200);
}

function meta(e: FeedEntry): string {
  return `metadata: tlp ${e.tlp.replace('+', '_')}${e.confidence !== null ? `, confidence ${e.confidence}` : ''}`;
}

const URL_PARTS = /^(https?):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(\/[^#]*)?$/i;

/**
 * One alert rule for a destination, with its stable signature id: DNS queries for a domain (and
 * its subdomains), traffic to an address, HTTP requests for a URL (host and path), TLS to the
 * host of an https URL. Undefined for values no rule can express.
 * @example suricataRule({ type: 'domain-name', value: 'evil.example', sid: 3000000001, … })
 */
export function suricataRule(e: FeedEntry): string | undefined {
  if (e.sid === null) return undefined;
  const tail = `classtype:bad-unknown; sid:${e.sid}; rev:1; ${meta(e)};`;
  switch (e.type) {
    case 'domain-name':
      return `alert dns $HOME_NET any -> any any (msg:"KESSETSU malicious domain ${msgOf(e.value)}"; dns.query; dotprefix; content:"${contentOf(`.${e.value}`)}"; nocase; endswith; ${tail})`;
    case 'ipv4-addr':
    case 'ipv6-addr':
      if (!/^[0-9a-fA-F:./]+$/.test(e.value)) return undefined;
      return `alert ip $HOME_NET any -> [${e.value}] any (msg:"KESSETSU malicious address ${msgOf(e.value)}"; ${tail})`;
    case 'url': {
      const m = URL_PARTS.exec(e.value);
      if (!m) return undefined;
      const host = m[2]!.replace(/^\[|\]$/g, '').toLowerCase();
      if (m[1]!.toLowerCase() === 'https')
        return `alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"KESSETSU malicious URL host ${msgOf(e.value)}"; flow:established,to_server; tls.sni; content:"${contentOf(host)}"; nocase; bsize:${Buffer.byteLength(host)}; ${tail})`;
      const path = m[4] ?? '/';
      return `alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"KESSETSU malicious URL ${msgOf(e.value)}"; flow:established,to_server; http.host; content:"${contentOf(host)}"; bsize:${Buffer.byteLength(host)}; http.uri; content:"${contentOf(path)}"; startswith; ${tail})`;
    }
    default:
      return undefined;
  }
}
