import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ParseError } from './parse-result.ts';

/** An XML element: local name (prefix dropped), prefix, attributes as written, children and text. */
export interface XmlElement {
  readonly name: string;
  readonly prefix: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const MAX_DEPTH = 200;

/** The local part of a qualified name or of an xsi:type value ("AddressObj:AddressObjectType" → "AddressObjectType"). */
export function localName(qname: string): string {
  const i = qname.lastIndexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

type Ordered = Record<string, unknown>;

function build(node: Ordered, depth: number): XmlElement | undefined {
  const key = Object.keys(node).find((k) => k !== ':@');
  if (!key || key === '#text' || key.startsWith('?') || key === '#comment') return undefined;
  if (depth > MAX_DEPTH) throw new ParseError(key, `elements nested deeper than ${MAX_DEPTH}`);
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) if (typeof v === 'string') attrs[k] = v;
  const children: XmlElement[] = [];
  const texts: string[] = [];
  for (const child of (node[key] ?? []) as Ordered[]) {
    if (typeof child['#text'] === 'string' || typeof child['#text'] === 'number') texts.push(String(child['#text']));
    else {
      const el = build(child, depth + 1);
      if (el) children.push(el);
    }
  }
  const i = key.indexOf(':');
  return { name: i < 0 ? key : key.slice(i + 1), prefix: i < 0 ? '' : key.slice(0, i), attrs, children, text: texts.join(' ').trim() };
}

const TAG = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<[?!][^>]*>|<(\/?)[A-Za-z_][^>]*?(\/?)>/g;

/** The line where elements first nest deeper than MAX_DEPTH, or null (names where a hostile file goes too deep). */
function tooDeepAt(text: string): number | null {
  let depth = 0;
  for (const m of text.matchAll(TAG)) {
    if (m[1] === undefined) continue;
    if (m[1] === '/') depth--;
    else if (m[2] !== '/' && ++depth > MAX_DEPTH) return text.slice(0, m.index).split('\n').length;
  }
  return null;
}

const CHAR_REF = /&#(x[0-9a-fA-F]{1,8}|[0-9]{1,10});/g;

/** XML 1.0's Char production: what a character reference may name. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** The first character reference to something that is not an XML character (`&#0;`, `&#xD800;`), with its line. */
function badCharacterReference(text: string): { ref: string; line: number } | null {
  for (const m of text.matchAll(CHAR_REF)) {
    const v = m[1]!;
    const cp = v[0] === 'x' ? parseInt(v.slice(1), 16) : Number(v);
    if (!isXmlChar(cp)) return { ref: m[0], line: text.slice(0, m.index).split('\n').length };
  }
  return null;
}

/**
 * Parses an XML document into a tree of elements; refuses DTD entity declarations (no entity expansion
 * from hostile files) and malformed XML, naming the line.
 * @example parseXml('<ioc xmlns="http://schemas.mandiant.com/2010/ioc"/>', 'file.ioc').name // 'ioc'
 */
export function parseXml(input: Buffer | string, where: string): XmlElement {
  const text = (typeof input === 'string' ? input : input.toString('utf8')).replace(/^\uFEFF/, '');
  if (!text.trim()) throw new ParseError(where, 'the file is empty');
  if (/<!ENTITY/i.test(text)) throw new ParseError(where, 'XML with entity declarations (<!ENTITY) is refused');
  const badRef = badCharacterReference(text);
  if (badRef) throw new ParseError(`${where} line ${badRef.line}`, `character reference ${badRef.ref} is not an XML character (a NUL or a lone UTF-16 surrogate cannot be stored)`);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new ParseError(`${where} line ${valid.err.line}`, `malformed XML: ${valid.err.msg}`);
  let ordered: Ordered[];
  try {
    const parser = new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      processEntities: true,
      htmlEntities: false,
      maxNestedTags: MAX_DEPTH,
    });
    ordered = parser.parse(text) as Ordered[];
  } catch (e) {
    const line = tooDeepAt(text);
    if (line !== null) throw new ParseError(`${where} line ${line}`, `elements nested deeper than ${MAX_DEPTH}`);
    throw new ParseError(where, `malformed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  for (const node of ordered) {
    const el = build(node, 0);
    if (el) return el;
  }
  throw new ParseError(where, 'no root element');
}

/** The namespace URI an element's prefix is bound to, looking up through its ancestors. */
export function namespaceOf(el: XmlElement, ancestors: readonly XmlElement[]): string | undefined {
  const attr = el.prefix ? `xmlns:${el.prefix}` : 'xmlns';
  for (const e of [el, ...[...ancestors].reverse()]) if (e.attrs[attr] !== undefined) return e.attrs[attr];
  return undefined;
}

/** Direct children with a local name. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The first direct child with a local name. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** The text of the first child with a local name, trimmed; undefined when absent or empty. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  const t = child(el, name)?.text;
  return t ? t : undefined;
}

/** Every descendant (depth first, document order) with a local name. */
export function descendants(el: XmlElement, name: string, into: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (c.name === name) into.push(c);
    descendants(c, name, into);
  }
  return into;
}

/** The local part of an element's xsi:type, if it has one. */
export function xsiType(el: XmlElement | undefined): string | undefined {
  const t = el?.attrs['xsi:type'];
  return t ? localName(t) : undefined;
}
