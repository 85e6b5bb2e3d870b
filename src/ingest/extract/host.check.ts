import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import { parse as parseDomain } from 'tldts';

// Top-level domains that are also common file extensions ("invoice.zip", "README.md",
// "install.sh", "notes.one"). A bare name ending in one of these is read as a file name unless
// something says it is a host: a defanged dot, a URL or e-mail around it, or a "www." label.
// Extensions that are not TLDs at all (.exe, .pdf, .doc, .dll, .js) fail the public-suffix check.
const FILE_EXTENSION_TLDS: ReadonlySet<string> = new Set([
  'zip', 'mov', 'cab', 'one', 'pub', 'py', 'sh', 'rs', 'md', 'mk', 'am', 'ac', 'so', 'ps', 'pm', 'mo', 'bz', 'save', 'run', 'java', 'cat',
]);

const LABEL_OK = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IDN_LABEL_OK = /^xn--[a-z0-9-]{1,59}$/;
const IPV4_STRICT = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

/** True when every label is a valid LDH label and the name ends in an ICANN public suffix with a registrable part. */
export function hasPublicSuffix(asciiName: string): boolean {
  if (asciiName.length > 253) return false;
  const labels = asciiName.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL_OK.test(l) && (!l.startsWith('xn--') || IDN_LABEL_OK.test(l)))) return false;
  const parsed = parseDomain(asciiName, { allowPrivateDomains: false });
  return parsed.isIcann === true && parsed.domain !== null && parsed.isIp !== true;
}

/** True when a bare name ends in a TLD that is also a file extension and nothing marks it as a host. */
export function looksLikeFileName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return FILE_EXTENSION_TLDS.has(name.slice(dot + 1)) && !name.startsWith('www.');
}

/** True for a strict dotted-quad IPv4 address (no leading zeros, no short forms). */
export function isIpv4(text: string): boolean {
  return IPV4_STRICT.test(text);
}

/** The RFC 5952 form of an IPv6 address, or undefined when it is not one (needs two hex groups or more). */
export function canonicalIpv6(text: string): string | undefined {
  if (!ipaddr.IPv6.isValid(text) || text.split(/:+/).filter((g) => g !== '').length < 2) return undefined;
  try {
    return ipaddr.IPv6.parse(text).toRFC5952String();
  } catch {
    return undefined;
  }
}

/** The kind of a URL host and its lower-case form, or undefined when the host is not a public name or an IP. */
export function classifyHost(host: string): { kind: 'domain-name' | 'ipv4-addr' | 'ipv6-addr'; value: string } | undefined {
  if (host.startsWith('[') && host.endsWith(']')) {
    const v6 = canonicalIpv6(host.slice(1, -1));
    return v6 ? { kind: 'ipv6-addr', value: v6 } : undefined;
  }
  if (isIpv4(host)) return { kind: 'ipv4-addr', value: host };
  const lower = host.toLowerCase().replace(/\.$/, '');
  const ascii = /^[!-~]*$/.test(lower) ? lower : domainToASCII(lower);
  return ascii && hasPublicSuffix(ascii) ? { kind: 'domain-name', value: lower } : undefined;
}
