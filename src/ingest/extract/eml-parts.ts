import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { AddressObject, EmailAddress } from 'mailparser';
import { deterministicId } from '../../stix/deterministic-id.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { extractIndicators } from './indicator.extractor.ts';

/** The value of a raw header line ("Key: value", folded or not), unfolded and trimmed. */
export function headerValue(line: string): string {
  const colon = line.indexOf(':');
  return line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * Public IPv4 and IPv6 addresses named in Received headers, in order of first appearance;
 * private, loopback, link-local, shared (CGN) and documentation addresses are left out.
 * @example relayAddresses(['from mx.example ([203.0.113.5]) by mx2 (8.8.8.8)']) // [{ kind: 'ipv4-addr', value: '8.8.8.8' }]
 */
export function relayAddresses(received: readonly string[]): Array<{ kind: 'ipv4-addr' | 'ipv6-addr'; value: string }> {
  const out = new Map<string, 'ipv4-addr' | 'ipv6-addr'>();
  for (const line of received) {
    for (const e of extractIndicators(line)) {
      if (e.kind !== 'ipv4-addr' && e.kind !== 'ipv6-addr') continue;
      if (e.value.includes('/') || !ipaddr.isValid(e.value)) continue;
      // "(4.4.4.56. Clear…" in a qmail-scanner line is a version, not an address (a host name
      // such as "67.175.76.202.static.example" still names one).
      if (/^\.(?:\s|$)/.test(line.slice(e.offset + e.raw.length, e.offset + e.raw.length + 2))) continue;
      if (ipaddr.parse(e.value).range() === 'unicast') out.set(e.value, e.kind);
    }
  }
  return [...out].map(([value, kind]) => ({ kind, value }));
}

const HREF = /\b(?:href|src|action)\s*=\s*(?:"([^"]{1,8192})"|'([^']{1,8192})'|([^\s"'<>]{1,8192}))/gi;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,6}));/gi;

/** HTML character references decoded ("&amp;" is "&", "&#47;" is "/"); unknown names stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (all, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? all;
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : ' ';
  });
}

/** Absolute http(s)/ftp links of an HTML body: href, src and action attributes, entities decoded. */
export function htmlLinks(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(HREF)) {
    const raw = decodeEntities((m[1] ?? m[2] ?? m[3] ?? '').trim());
    if (/^(?:https?|ftp):\/\//i.test(raw)) out.push(raw);
  }
  return out;
}

/**
 * The text a reader of an HTML body sees: tags, comments, the DOCTYPE and scripts and styles gone
 * (each replaced by a space, so "<img src=…><a href=…>" never glues two values together), entities
 * decoded. XML namespaces and DTD URLs (http://www.w3.org/1999/xhtml) are markup, not content (issue 11.2).
 * @example htmlText('<p>see <b>evil.example</b>/?a=1&amp;b=2</p>') // ' see  evil.example /?a=1&b=2 '
 */
export function htmlText(html: string): string {
  const stripped = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[!?/]?[a-z][^>]*>/gi, ' ');
  return decodeEntities(stripped);
}

/** URLs written in a text body (defanged ones included). */
export function textUrls(text: string): string[] {
  return extractIndicators(text).filter((e) => e.kind === 'url').map((e) => e.raw);
}

/** Every address of one or several address headers, groups flattened. */
export function addresses(field: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  const flat: EmailAddress[] = [];
  const walk = (a: EmailAddress): void => {
    if (a.group) a.group.forEach(walk);
    else flat.push(a);
  };
  // A header mailparser could not read as addresses arrives as a string: it has none to give.
  for (const f of list) if (f && Array.isArray(f.value)) f.value.forEach(walk);
  return flat;
}

/** MD5, SHA-1 and SHA-256 of some bytes, under their STIX hash names. */
export function fileHashes(content: Buffer): Record<string, string> {
  const h = (algo: string) => createHash(algo).update(content).digest('hex');
  return { MD5: h('md5'), 'SHA-1': h('sha1'), 'SHA-256': h('sha256') };
}

/** A `file` SCO for an attachment: its hashes, name, size and media type (deterministic id). */
export function attachmentFile(content: Buffer, name: string | undefined, mimeType: string | undefined, contentRef?: string): StixObject {
  const hashes = fileHashes(content);
  const props: Record<string, unknown> = { hashes, size: content.length };
  if (name) props.name = name;
  if (mimeType) props.mime_type = mimeType.toLowerCase();
  if (contentRef) props.content_ref = contentRef;
  return { type: 'file', spec_version: '2.1', id: deterministicId('file', props)!, ...props };
}

/** An `artifact` SCO holding an attachment's bytes (base64). */
export function attachmentArtifact(content: Buffer, mimeType: string | undefined): StixObject {
  const props: Record<string, unknown> = { hashes: fileHashes(content), payload_bin: content.toString('base64') };
  if (mimeType) props.mime_type = mimeType.toLowerCase();
  return { type: 'artifact', spec_version: '2.1', id: deterministicId('artifact', props)!, ...props };
}
