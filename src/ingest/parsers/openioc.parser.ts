import type { StixObject } from '../../stix/stix.types.ts';
import { isSco } from '../../stix/stix.types.ts';
import { convertLeaf, type LeafCondition, type LeafTarget } from './ioc-leaf.mapper.ts';
import { combine, patternOf, type PatternNode } from './ioc-pattern.builder.ts';
import { fileObject } from './misp-attribute.mapper.ts';
import { ParseError, type ParseResult } from './parse-result.ts';
import { indicatorObject } from './stix-indicator.factory.ts';
import { StixCollector } from './stix-output.collector.ts';
import { derivedId, trailingUuid } from './stable-id.factory.ts';
import { child, childText, parseXml, type XmlElement } from './xml-document.reader.ts';

/** Options of the OpenIOC importer. */
export interface OpenIocParseOptions {
  /** Stands in for an IOC with no usable date (default: the current time). */
  readonly now?: string;
}

// OpenIOC search terms (Mandiant's IOC terms, 1.0 and 1.1) that have a STIX 2.1 path.
const TERMS: Readonly<Record<string, LeafTarget>> = {
  'FileItem/Md5sum': 'md5',
  'FileItem/Sha1sum': 'sha1',
  'FileItem/Sha256sum': 'sha256',
  'FileItem/FileName': 'file-name',
  'FileItem/SizeInBytes': 'file-size',
  'Network/DNS': 'domain',
  'DnsEntryItem/Host': 'domain',
  'DnsEntryItem/RecordName': 'domain',
  'UrlHistoryItem/URL': 'url',
  'UrlHistoryItem/HostName': 'domain',
  'PortItem/remoteIP': 'dst-ip',
  'ProcessItem/PortList/PortItem/remoteIP': 'dst-ip',
  'PortItem/remotePort': 'dst-port',
  'ProcessItem/PortList/PortItem/remotePort': 'dst-port',
  'Email/From': 'email-from',
  'Email/To': 'email-to',
  'Email/CC': 'email-cc',
  'Email/Subject': 'email-subject',
  'Email/Attachment/Name': 'attachment-name',
  'RegistryItem/Path': 'regkey',
  'RegistryItem/KeyPath': 'regkey',
  'RegistryItem/Text': 'reg-data',
  'RegistryItem/Value': 'reg-data',
  'RegistryItem/ValueName': 'reg-name',
};

const CONDITIONS: Readonly<Record<string, [LeafCondition, boolean]>> = {
  is: ['equals', false],
  isnot: ['equals', true],
  contains: ['contains', false],
  containsnot: ['contains', true],
  'starts-with': ['starts-with', false],
  startswith: ['starts-with', false],
  'ends-with': ['ends-with', false],
  endswith: ['ends-with', false],
  matches: ['matches', false],
  'greater-than': ['greater-than', false],
  greaterthan: ['greater-than', false],
  'less-than': ['less-than', false],
  lessthan: ['less-than', false],
};

interface Walk {
  readonly out: StixCollector;
  readonly where: string;
  readonly unsupported: Map<string, number>;
}

function unsupported(walk: Walk, what: string): undefined {
  walk.unsupported.set(what, (walk.unsupported.get(what) ?? 0) + 1);
  return undefined;
}

function item(walk: Walk, el: XmlElement, made: StixObject[]): PatternNode | undefined {
  const context = child(el, 'Context');
  const search = context?.attrs.search ?? '(no search)';
  const condition = CONDITIONS[(el.attrs.condition ?? 'is').toLowerCase()];
  if (!condition) return unsupported(walk, `condition ${(el.attrs.condition ?? '').slice(0, 40)}`);
  const content = child(el, 'Content')?.text ?? '';
  if (!content) return unsupported(walk, `empty Content of ${search.slice(0, 120)}`);
  // An extension that "is" a value is a name ending in it; other extension tests have no STIX path.
  const extension = search === 'FileItem/FileExtension' && condition[0] === 'equals';
  const target = extension ? 'file-name' : TERMS[search];
  if (!target) return unsupported(walk, `term ${search.slice(0, 120)}${search === 'FileItem/FileExtension' ? ` (${el.attrs.condition})` : ''}`);
  const negate = condition[1] !== (el.attrs.negate === 'true');
  try {
    const r = extension ? convertLeaf('file-name', 'ends-with', negate, `.${content.replace(/^\./, '')}`) : convertLeaf(target, condition[0], negate, content);
    if (r.observable) made.push(r.observable);
    return r.node;
  } catch (e) {
    walk.out.error(`${walk.where} IndicatorItem ${el.attrs.id ?? ''}`.trim(), `${search}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

// Hashes and a name tested together (in one AND) describe one file: one observable, as STIX 1 writes it.
function mergeFiles(made: StixObject[], from: number): void {
  const files = made.slice(from).filter((o) => o.type === 'file');
  if (files.length < 2) return;
  const names = files.map((f) => f.name).filter((n): n is string => typeof n === 'string');
  if (names.length > 1) return;
  const hashes = Object.assign({}, ...files.map((f) => (f.hashes ?? {}) as Record<string, string>)) as Record<string, string>;
  const rest = made.slice(from).filter((o) => o.type !== 'file');
  made.splice(from, made.length - from, ...rest, fileObject({ name: names[0], hashes }));
}

function node(walk: Walk, el: XmlElement, made: StixObject[], depth: number): PatternNode | undefined {
  if (el.name === 'IndicatorItem') return item(walk, el, made);
  if (el.name !== 'Indicator' || depth > 50) return undefined;
  const kind = (el.attrs.operator ?? 'OR').toUpperCase() === 'AND' ? 'and' : 'or';
  const from = made.length;
  const parts = el.children.filter((c) => c.name === 'Indicator' || c.name === 'IndicatorItem').map((c) => node(walk, c, made, depth + 1));
  if (kind === 'and') mergeFiles(made, from);
  return combine(kind, parts);
}

function isoTime(text: string | undefined): string | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(text) || text.startsWith('0001')) return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/**
 * Converts an OpenIOC 1.0 (`<ioc>`) or 1.1 (`<OpenIOC>`) document to STIX 2.1: under a top-level OR, one
 * indicator per item or group (an AND group is one indicator); observables for equality tests and for
 * "contains" tests whose value is a whole identifier. Terms with no STIX 2.1 path are warnings by term.
 * @example parseOpenIoc(readFileSync('zeus.ioc.xml')).warnings
 */
export function parseOpenIoc(input: Buffer | string, where = 'openioc', options: OpenIocParseOptions = {}): ParseResult {
  const root = parseXml(input, where);
  if (root.name !== 'ioc' && root.name !== 'OpenIOC') throw new ParseError(where, `root element <${root.name}> is not an OpenIOC <ioc> or <OpenIOC>`);
  const meta = child(root, 'metadata') ?? root;
  const top = child(child(root, 'definition') ?? child(root, 'criteria'), 'Indicator');
  if (!top) throw new ParseError(where, 'no <definition> (1.0) or <criteria> (1.1) with an Indicator');
  const out = new StixCollector();
  const walk: Walk = { out, where, unsupported: new Map() };
  const title = childText(meta, 'short_description');
  const description = childText(meta, 'description');
  const created = isoTime(root.attrs['last-modified']) ?? isoTime(childText(meta, 'authored_date')) ?? isoTime(root.attrs['published-date']) ?? options.now ?? new Date().toISOString();
  const keywords = (childText(meta, 'keywords') ?? '').split(/[\s,]+/).filter((k) => k && k.length <= 100);

  // Under a top-level OR, each branch stands alone; an AND at the top is one indicator.
  const branches = (top.attrs.operator ?? 'OR').toUpperCase() === 'OR' ? top.children.filter((c) => c.name === 'Indicator' || c.name === 'IndicatorItem') : [top];
  let indicators = 0;
  for (const branch of branches) {
    const made: StixObject[] = [];
    const n = node(walk, branch, made, 0);
    for (const o of made) out.add(o);
    if (!n) continue;
    const pattern = patternOf(n);
    const uuid = trailingUuid(branch.attrs.id);
    const id = out.add(
      indicatorObject({
        id: uuid ? `indicator--${uuid}` : derivedId('indicator', ['openioc', root.attrs.id ?? '', pattern]),
        pattern,
        patternType: 'stix',
        validFrom: created,
        created,
        name: title ?? `OpenIOC ${root.attrs.id ?? ''}`.trim(),
        description,
        indicatorTypes: ['malicious-activity'],
        labels: keywords,
        externalReferences: root.attrs.id ? [{ source_name: 'openioc', external_id: root.attrs.id.slice(0, 100) }] : undefined,
      }),
    );
    indicators++;
    for (const o of made) if (isSco(o.type)) out.relate(id, 'based-on', o.id, created);
  }
  if (indicators === 0) out.warn(where, 'no branch of the IOC has a STIX 2.1 pattern; no indicator made');
  for (const [what, n] of walk.unsupported) out.warn(where, `${n} × ${what}: no STIX 2.1 form here, not converted`);
  return { format: 'openioc', objects: out.finish(), errors: out.errors, warnings: out.warnings, summary: { title, id: root.attrs.id, branches: branches.length, indicators } };
}
