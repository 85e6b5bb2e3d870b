import type { Tlp } from '../../db/schema.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { isSco } from '../../stix/stix.types.ts';
import { parseTlp, stricter } from '../../trust/tlp.ts';
import { combine, patternOf, type PatternNode } from './ioc-pattern.builder.ts';
import { ParseError, type ParseResult } from './parse-result.ts';
import { convertCybox } from './stix1-cybox.mapper.ts';
import { indicatorObject } from './stix-indicator.factory.ts';
import { StixCollector } from './stix-output.collector.ts';
import { derivedId, trailingUuid } from './stable-id.factory.ts';
import { child, children, childText, descendants, parseXml, xsiType, type XmlElement } from './xml-document.reader.ts';

/** Options of the STIX 1 importer. */
export interface Stix1ParseOptions {
  /** Stands in for a package with no timestamp at all (default: the current time). */
  readonly now?: string;
}

const CONFIDENCE: Readonly<Record<string, number>> = { high: 85, medium: 50, low: 15, none: 0 };
// STIX 1 parts this importer does not convert; each one present is named in a warning.
const NOT_CONVERTED = ['Campaign', 'Threat_Actor', 'Incident', 'Exploit_Target', 'Course_Of_Action', 'Report'];

function isoTime(text: string | undefined): string | undefined {
  if (!text || text.length > 40 || !/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(withZone.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function tlpOfHandling(handling: XmlElement | undefined): Tlp | undefined {
  let tlp: Tlp | undefined;
  for (const s of handling ? descendants(handling, 'Marking_Structure') : []) {
    if (xsiType(s) !== 'TLPMarkingStructureType' || !s.attrs.color) continue;
    const t = parseTlp(s.attrs.color);
    if (t) tlp = stricter(t, tlp);
  }
  return tlp;
}

interface Walk {
  readonly out: StixCollector;
  readonly byId: Map<string, XmlElement>;
  readonly where: string;
}

function indexIds(el: XmlElement, into: Map<string, XmlElement>): void {
  const id = el.attrs.id;
  if (id && !into.has(id)) into.set(id, el);
  for (const c of el.children) indexIds(c, into);
}

// An Observable (or Object) may be a reference to one defined elsewhere in the package.
function resolved(walk: Walk, el: XmlElement | undefined, depth = 0): XmlElement | undefined {
  const ref = el?.attrs.idref;
  if (!ref || depth > 10) return el;
  return resolved(walk, walk.byId.get(ref), depth + 1);
}

function observablePattern(walk: Walk, obs: XmlElement | undefined, made: StixObject[], depth = 0): PatternNode | undefined {
  const o = resolved(walk, obs);
  if (!o || depth > 50) return undefined;
  const composition = child(o, 'Observable_Composition');
  if (composition) {
    const kind = composition.attrs.operator === 'AND' ? 'and' : 'or';
    return combine(kind, children(composition, 'Observable').map((c) => observablePattern(walk, c, made, depth + 1)));
  }
  const object = resolved(walk, child(o, 'Object'));
  const props = child(object, 'Properties');
  if (!props) return undefined;
  const c = convertCybox(props, (id) => walk.byId.get(id));
  made.push(...c.observables);
  return c.node;
}

function indicatorPattern(walk: Walk, ind: XmlElement, made: StixObject[], depth = 0): PatternNode | undefined {
  const composite = child(ind, 'Composite_Indicator_Expression');
  if (composite && depth < 20) {
    const kind = composite.attrs.operator === 'AND' ? 'and' : 'or';
    return combine(kind, children(composite, 'Indicator').map((i) => indicatorPattern(walk, resolved(walk, i) ?? i, made, depth + 1)));
  }
  const observables = children(ind, 'Observable');
  return observables.length === 0 ? undefined : combine('and', observables.map((o) => observablePattern(walk, o, made)));
}

function malwareOfTtps(walk: Walk, ttps: readonly XmlElement[], created: string): Map<string, string[]> {
  const byTtp = new Map<string, string[]>();
  for (const ttp of ttps) {
    const names = descendants(ttp, 'Malware_Instance').flatMap((m) => children(m, 'Name').map((n) => n.text)).filter((n) => n && n.length <= 200);
    const ids = names.map((name) => walk.out.add({ type: 'malware', spec_version: '2.1', id: derivedId('malware', [name.toLowerCase()]), created, modified: created, name, is_family: true }));
    if (ttp.attrs.id) byTtp.set(ttp.attrs.id, ids);
  }
  return byTtp;
}

/**
 * Converts a STIX 1.x package (CybOX observables) to STIX 2.1: each indicator with the pattern of its
 * observable composition, the observables themselves, malware named by the TTPs indicators point to, and
 * TLP from TLPMarkingStructureType markings. What has no STIX 2.1 form here is a warning naming the element.
 * @example parseStix1(readFileSync('package.xml')).objects.filter((o) => o.type === 'indicator')
 */
export function parseStix1(input: Buffer | string, where = 'stix1', options: Stix1ParseOptions = {}): ParseResult {
  const root = parseXml(input, where);
  if (root.name !== 'STIX_Package') throw new ParseError(where, `root element <${root.prefix ? `${root.prefix}:` : ''}${root.name}> is not a STIX 1 STIX_Package`);
  const out = new StixCollector();
  const walk: Walk = { out, byId: new Map(), where };
  indexIds(root, walk.byId);
  const packageTime = isoTime(root.attrs.timestamp) ?? options.now ?? new Date().toISOString();

  const indicators = descendants(root, 'Indicator').filter((i) => !i.attrs.idref && (xsiType(i) === 'IndicatorType' || i.attrs.id));
  const inIndicators = new Set<XmlElement>();
  for (const ind of indicators) for (const d of descendants(ind, 'Handling')) inIndicators.add(d);
  let tlp: Tlp | undefined;
  for (const h of descendants(root, 'Handling')) {
    const t = inIndicators.has(h) ? undefined : tlpOfHandling(h);
    if (t) tlp = stricter(t, tlp);
  }

  // Every CybOX object becomes observables once, wherever it sits (indicators, Observables, incidents).
  const unsupported = new Map<string, number>();
  for (const obj of [...descendants(root, 'Object'), ...descendants(root, 'Related_Object'), ...descendants(root, 'Associated_Object')]) {
    const props = child(obj, 'Properties');
    if (!props) continue;
    const c = convertCybox(props, (id) => walk.byId.get(id));
    for (const o of c.observables) out.add(o, tlp);
    for (const u of c.unsupported) unsupported.set(u, (unsupported.get(u) ?? 0) + 1);
    for (const e of c.errors) out.error(`${where} ${obj.attrs.id ?? obj.name}`, e);
  }

  const malwareByTtp = malwareOfTtps(walk, descendants(root, 'TTP').filter((t) => !t.attrs.idref), packageTime);
  for (const [i, ind] of indicators.entries()) {
    const at = `${where} Indicator[${i}]${ind.attrs.id ? ` ${ind.attrs.id.slice(0, 100)}` : ''}`;
    const made: StixObject[] = [];
    const node = indicatorPattern(walk, ind, made);
    if (!node) {
      out.warn(at, 'no observable of this indicator has a STIX 2.1 pattern (unsupported object types or conditions)');
      continue;
    }
    const created = isoTime(ind.attrs.timestamp) ?? packageTime;
    const own = tlpOfHandling(child(ind, 'Handling'));
    const indTlp = own ? stricter(own, tlp) : tlp;
    const types = children(ind, 'Type').map((t) => t.text).filter(Boolean);
    const confidence = CONFIDENCE[(childText(child(ind, 'Confidence'), 'Value') ?? '').toLowerCase()];
    const pattern = patternOf(node);
    const base = indicatorObject({
      id: trailingUuid(ind.attrs.id) ? `indicator--${trailingUuid(ind.attrs.id)}` : derivedId('indicator', ['stix1', pattern, childText(ind, 'Title') ?? '']),
      pattern,
      patternType: 'stix',
      validFrom: created,
      created,
      name: childText(ind, 'Title'),
      description: childText(ind, 'Description'),
      indicatorTypes: types.some((t) => /anonymi[sz]ation/i.test(t)) ? ['anonymization'] : ['malicious-activity'],
      labels: types,
    });
    const id = out.add(confidence !== undefined ? { ...base, confidence } : base, indTlp);
    for (const o of made) if (isSco(o.type)) out.relate(id, 'based-on', out.add(o, indTlp), created, indTlp);
    for (const ref of descendants(ind, 'TTP').map((t) => t.attrs.idref ?? t.attrs.id).filter((r): r is string => !!r)) {
      for (const m of malwareByTtp.get(ref) ?? []) out.relate(id, 'indicates', m, created, indTlp);
    }
  }

  for (const [u, n] of unsupported) out.warn(where, `${n} × ${u}: no STIX 2.1 form here, not converted`);
  for (const name of NOT_CONVERTED) {
    const n = descendants(root, name).filter((e) => !e.attrs.idref && e.attrs.id).length;
    if (n > 0) out.warn(where, `${n} × stix ${name}: not converted (only indicators, observables and malware are)`);
  }
  const objects = out.finish();
  const byType: Record<string, number> = {};
  for (const o of objects) byType[o.type] = (byType[o.type] ?? 0) + 1;
  return { format: 'stix1', objects, errors: out.errors, warnings: out.warnings, tlp, summary: { title: childText(child(root, 'STIX_Header'), 'Title'), version: root.attrs.version, indicators: indicators.length, objects_by_type: byType } };
}
