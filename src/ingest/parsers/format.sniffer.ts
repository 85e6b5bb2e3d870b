import { SCO_TYPES } from '../../stix/stix.types.ts';
import type { IngestFormat } from './parse-result.ts';
import { csvHeader, emailHeaders } from './text-format.sniffer.ts';

/** What the sniffer made of a file's first bytes: a format and why, or a refusal and why. */
export type SniffResult = { readonly format: IngestFormat; readonly reason: string } | { readonly format: null; readonly reason: string };

const OPENIOC_NAMESPACES = ['http://schemas.mandiant.com/2010/ioc', 'http://schemas.mandiant.com/2011/ioc', 'http://openioc.org/schemas/OpenIOC_1.1'];
const STIX1_NAMESPACE = 'http://stix.mitre.org/stix-1';
const UUID_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STIX21_ONLY = /"(pattern_type|is_family)"\s*:|"type"\s*:\s*"(grouping|infrastructure|location|malware-analysis|note|opinion|extension-definition|language-content)"/;
const MISP_EVENT_KEYS = ['Attribute', 'Object', 'info', 'threat_level_id', 'Orgc', 'analysis'];

function startsWith(head: Buffer, bytes: readonly number[]): boolean {
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
}

function decode(head: Buffer): string {
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    const body = Buffer.from(head.subarray(2, 2 + ((head.length - 2) & ~1)));
    if (head[0] === 0xfe) body.swap16();
    return body.toString('utf16le');
  }
  return head.toString('utf8').replace(/^\uFEFF/, '');
}

/** Top-level keys of a JSON text (of its first element when it is a list), read without parsing it whole. */
export function jsonShape(text: string): { list: boolean; keys: string[]; values: Record<string, string> } {
  const list = text.startsWith('[');
  const target = list ? 2 : 1;
  const keys: string[] = [];
  const values: Record<string, string> = {};
  let depth = 0;
  let i = 0;
  let objects = 0;
  while (i < text.length && keys.length < 200) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const str = text.slice(i + 1, j);
      const after = /^\s*:\s*("((?:[^"\\]|\\.){0,200})")?/.exec(text.slice(j + 1, j + 220));
      if (after && depth === target) {
        keys.push(str);
        if (after[2] !== undefined) values[str] = after[2];
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (c === '{' && depth === target) objects++;
      // Only the first element of a list is described.
      if (list && objects > 1) break;
    } else if (c === '}' || c === ']') depth--;
    i++;
  }
  return { list, keys, values };
}

function stixVersion(text: string, type: string): { format: IngestFormat; reason: string } {
  const declared = /"spec_version"\s*:\s*"(2\.\d)"/.exec(text)?.[1];
  if (declared === '2.0') return { format: 'stix20', reason: 'STIX 2.0 (spec_version "2.0")' };
  if (declared) return { format: 'stix', reason: `STIX ${declared}` };
  // Types and properties STIX 2.0 does not have settle it for 2.1 even before any spec_version shows.
  if (STIX21_ONLY.test(text)) return { format: 'stix', reason: 'STIX 2.1 (2.1-only types or properties)' };
  // STIX 2.1 requires spec_version on every SDO and SRO; 2.0 objects have none.
  if (type === 'bundle') {
    return /"objects"\s*:\s*\[\s*\{/.test(text)
      ? { format: 'stix20', reason: 'STIX 2.0 (objects without spec_version)' }
      : { format: 'stix', reason: 'STIX 2.1 (no objects in the first bytes to tell the version by)' };
  }
  if (SCO_TYPES.has(type)) return { format: 'stix', reason: 'STIX 2.1 (spec_version is optional on observables)' };
  return { format: 'stix20', reason: 'STIX 2.0 (no spec_version)' };
}

// A Cowrie honeypot log: one JSON record per line, its first naming a "cowrie.…" eventid (sensors, issue 11.2).
function cowrieLog(text: string): boolean {
  const first = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  return first.length <= 64 * 1024 && /^\{[^\n]*"eventid"\s*:\s*"cowrie\.[a-z_.-]+"/.test(first);
}

function sniffJson(text: string, note = ''): SniffResult {
  if (cowrieLog(text)) return { format: 'cowrie', reason: 'a Cowrie honeypot log (JSON lines with "eventid": "cowrie.…")' };
  const { list, keys, values } = jsonShape(text);
  const has = (k: string) => keys.includes(k);
  if (!list) {
    if (values.type === 'bundle' || values.id?.startsWith('bundle--')) {
      const v = stixVersion(text, 'bundle');
      return { format: v.format, reason: `${v.reason} bundle${note}` };
    }
    const type = values.type;
    if (type && values.id?.startsWith(`${type}--`)) {
      const v = stixVersion(text, type);
      return { format: v.format, reason: `${v.reason}: a single ${type} object${note}` };
    }
    if (has('Event')) return { format: 'misp', reason: 'a MISP event ({"Event": …})' };
    if (has('response')) return { format: 'misp', reason: 'a MISP API answer ({"response": [...]})' };
    // A bare event may open with a long Attribute list: its entries (to_ids, object_relation) tell it.
    if ((has('Attribute') || has('Object')) && /"(to_ids|object_relation)"\s*:/.test(text)) return { format: 'misp', reason: 'a MISP event without its "Event" wrapper (MISP attributes)' };
    if (MISP_EVENT_KEYS.filter(has).length >= 2) return { format: 'misp', reason: `a MISP event without its "Event" wrapper (keys ${MISP_EVENT_KEYS.filter(has).join(', ')})` };
    if (keys.length > 0 && keys.every((k) => UUID_KEY.test(k))) return { format: 'misp-feed', reason: 'a MISP feed manifest (events keyed by uuid): import the feed folder' };
    if (has('feeds') && /"events"\s*:/.test(text)) return { format: 'misp-feed', reason: 'a MISP feed index pointing to its events manifest: import the feed folder' };
    if (has('$schema') || (has('$id') && has('type'))) return { format: null, reason: 'a JSON Schema document, not threat data' };
    if (keys.some((k) => k.startsWith('/')) && has('/discovery')) return { format: null, reason: 'TAXII server data (keys /discovery, …), not a STIX bundle' };
  } else {
    if (has('Event')) return { format: 'misp', reason: 'a list of MISP events' };
    if (has('SharingGroup')) return { format: null, reason: 'a list of MISP sharing groups, not an event' };
    if (has('filename') && has('uuid')) return { format: 'misp-feed', reason: 'a MISP feed manifest in list form (filename, uuid, …): import the feed folder' };
    if (values.type && values.id?.startsWith(`${values.type}--`)) return { format: null, reason: 'a JSON list of STIX objects: wrap them in a bundle ({"type": "bundle", "id": …, "objects": [...]})' };
  }
  const shown = keys.slice(0, 6).map((k) => (k.length > 30 ? `${k.slice(0, 30)}…` : k));
  return { format: null, reason: `JSON that is neither STIX nor MISP (${list ? 'a list of objects with' : 'top-level'} keys: ${shown.join(', ') || 'none'})` };
}

function sniffXml(text: string): SniffResult | undefined {
  let rest = text;
  // Skip the declaration, comments, processing instructions and a DOCTYPE before the root element.
  for (;;) {
    rest = rest.trimStart();
    const skip = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)/i.exec(rest);
    if (!skip) break;
    if (/^<!DOCTYPE\s+html/i.test(skip[0])) return { format: null, reason: 'an HTML page, not threat data' };
    rest = rest.slice(skip[0].length);
  }
  const root = /^<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)([^>]*)/.exec(rest);
  if (!root) return undefined;
  const qname = root[1]!;
  const local = qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname;
  const prefix = qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '';
  const attrs = root[2]!;
  const ns = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']*)["']`).exec(attrs)?.[1];
  if (ns === STIX1_NAMESPACE || (local === 'STIX_Package' && attrs.includes(STIX1_NAMESPACE))) return { format: 'stix1', reason: `STIX 1.x XML (root <${qname}>, namespace ${STIX1_NAMESPACE})` };
  if (ns && OPENIOC_NAMESPACES.includes(ns)) return { format: 'openioc', reason: `OpenIOC XML (root <${qname}>, namespace ${ns})` };
  if (local.toLowerCase() === 'html') return { format: null, reason: 'an HTML page, not threat data' };
  if (local === 'STIX_Package') return { format: null, reason: `XML root <${qname}> without the STIX 1 namespace ${STIX1_NAMESPACE}` };
  return { format: null, reason: `XML with root element <${qname}>${ns ? ` (namespace ${ns})` : ''}: neither STIX 1.x nor OpenIOC` };
}

/**
 * Tells the format of a file from its first bytes (a few KB are enough), the name serving as a hint:
 * STIX 2.1 / 2.0 JSON, MISP events and feed manifests, STIX 1.x and OpenIOC XML, e-mail, CSV with a
 * header, plain text; refuses compressed archives, Outlook .msg, other XML and other JSON, saying what they are.
 * @example sniffFormat(Buffer.from('{"type": "bundle", "id": "bundle--…", "objects": []}')).format // 'stix'
 */
export function sniffFormat(head: Buffer, filename?: string): SniffResult {
  const name = filename ?? '';
  if (head.length === 0) return { format: null, reason: 'the file is empty' };
  if (startsWith(head, [0x1f, 0x8b])) return { format: null, reason: 'gzip-compressed data: decompress it first (the CLI import inflates gzip itself)' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return { format: null, reason: 'a zip archive: extract it and import its files' };
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    return { format: null, reason: /\.msg$/i.test(name) ? 'an Outlook .msg message (OLE compound file) is not supported: save it as .eml and import that' : 'an OLE compound file (Outlook .msg or a legacy Office document) is not supported: save an e-mail as .eml' };
  }
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46])) return { format: null, reason: 'a PDF document: extract its text first' };
  const text = decode(head);
  if (text.slice(0, 8192).includes('\u0000')) return { format: null, reason: 'binary data (NUL bytes), not a text format' };
  const t = text.trimStart();
  if (t === '') return { format: null, reason: 'the file holds only white space' };
  // JSON opens an object with a key or a list with a value; "[file:name = 'x']" lines are not JSON.
  if (/^(\{\s*("|\})|\[\s*(["{[\]\d-]|true|false|null))/.test(t)) return sniffJson(t);
  if (t.startsWith('<')) {
    const xml = sniffXml(t);
    if (xml) return xml;
    // Not XML after all ("<{ … }>"): JSON behind stray characters still goes to the JSON parser, which says where.
    const brace = t.slice(0, 16).search(/[{[]/);
    if (brace > 0) return sniffJson(t.slice(brace), ' after stray leading characters');
  }
  const mail = emailHeaders(t);
  if (mail) return { format: 'eml', reason: mail };
  const csv = csvHeader(t, name);
  if (csv) return { format: 'csv', reason: csv };
  return { format: 'text', reason: /\.(json|xml)$/i.test(name) ? `plain text, although named ${name.split('/').pop()}` : 'plain text' };
}
