import type { Tlp } from '../../db/schema.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { convertAttribute } from './misp-attribute.converter.ts';
import { addFor, type MispEventContext } from './misp-event.context.ts';
import { clusterOfTag, galaxyClusters, galaxyObject, INDICATED_TYPES } from './misp-galaxy.mapper.ts';
import { convertObject, convertReferences } from './misp-object.converter.ts';
import { readTags } from './misp-tags.reader.ts';
import { asFlag, asList, asRecord, asText, clipText, mispTime } from './misp-value.reader.ts';
import type { StixCollector } from './stix-output.collector.ts';
import { shortText } from './stix-indicator.factory.ts';
import { isUuid, stableId } from './stable-id.factory.ts';

/** What one MISP event said of itself besides its objects. */
export interface EventFacts {
  readonly tlp: Tlp | undefined;
  readonly summary: Record<string, unknown>;
}

const DISTRIBUTION = ['your organisation only', 'this community only', 'connected communities', 'all communities', 'sharing group', 'inherit event'];
const THREAT_LEVEL = ['', 'high', 'medium', 'low', 'undefined'];
const ANALYSIS = ['initial', 'ongoing', 'complete'];

function level(names: readonly string[], value: unknown): { level: number; name: string } | undefined {
  const n = Number(asText(value));
  return Number.isInteger(n) && names[n] ? { level: n, name: names[n]! } : undefined;
}

function eventTimes(event: Record<string, unknown>, now: string, out: StixCollector, where: string): { created: string; modified: string; published: string } {
  const date = mispTime(event.date);
  let modified = mispTime(event.timestamp) ?? date ?? mispTime(event.publish_timestamp);
  if (!modified) {
    out.warn(`${where}.timestamp`, 'the event has no usable timestamp or date; the import time stands in');
    modified = now;
  }
  const created = date && date <= modified ? date : modified;
  return { created, modified, published: mispTime(event.publish_timestamp) ?? modified };
}

/**
 * Converts one MISP event into the collector: galaxies, attributes, objects, references, and a report
 * whose id is the event uuid, so re-importing the event replaces rather than duplicates it.
 * @example convertEvent(out, json.Event, 'Event', new Date().toISOString()).tlp // 'clear' for a tlp:white event
 */
export function convertEvent(out: StixCollector, event: Record<string, unknown>, where: string, now: string): EventFacts {
  const uuid = asText(event.uuid);
  const info = asText(event.info)?.trim() ?? '';
  if (!isUuid(uuid)) out.warn(`${where}.uuid`, uuid ? `"${clipText(uuid, 60)}" is not a UUID; ids are derived from the content` : 'the event has no uuid; ids are derived from the content');
  const times = eventTimes(event, now, out, where);
  const eventKey = isUuid(uuid) ? uuid.toLowerCase() : `${info}|${asText(event.date) ?? ''}`;
  const tags = readTags(event.Tag ?? event.EventTag);
  for (const l of tags.unknownLevels) out.warn(`${where}.Tag`, `unknown level in tag "${clipText(l, 60)}" ignored`);
  const ctx: MispEventContext = {
    out,
    where,
    eventKey,
    reportId: stableId('report', uuid, ['misp-event', eventKey]),
    created: times.created,
    modified: times.modified,
    tlp: tags.tlp,
    indicated: [],
    refs: new Set(),
    byUuid: new Map(),
    links: new Map(),
    counts: { attributesByType: new Map(), objectAttributesByType: new Map(), objectsByName: new Map(), indicators: 0, sightings: 0, falsePositiveSightings: 0, notes: 0 },
  };

  const labels = new Set(tags.labels);
  const clusters = galaxyClusters(event.Galaxy);
  const blockTags = new Set(clusters.map((c) => c.tag));
  const galaxies: string[] = [];
  for (const c of [...clusters, ...tags.galaxies.filter((g) => !blockTags.has(g.tag)).map(clusterOfTag)]) {
    const obj = galaxyObject(c, times.created);
    if (!obj) {
      labels.add(c.tag.slice(0, 200));
      out.skip(`galaxy ${clipText(c.galaxyType, 60)} (kept as a label)`);
      continue;
    }
    addFor(ctx, obj, ctx.tlp);
    galaxies.push(obj.id);
    if (INDICATED_TYPES.has(obj.type)) (ctx.indicated as string[]).push(obj.id);
  }

  for (const [i, a] of asList(event.Attribute).entries()) convertAttribute(ctx, a, `${where}.Attribute[${i}]`);
  const objects = asList(event.Object);
  for (const [i, o] of objects.entries()) convertObject(ctx, o, `${where}.Object[${i}]`);
  for (const [i, o] of objects.entries()) {
    const rec = asRecord(o);
    convertReferences(ctx, rec?.ObjectReference, `${where}.Object[${i}].ObjectReference`, asText(rec?.uuid));
  }
  convertReferences(ctx, event.ObjectReference, `${where}.ObjectReference`);
  const shadow = asList(event.ShadowAttribute).length;

  const objectRefs = [...ctx.refs];
  if (objectRefs.length > 0) {
    const extRefs: Record<string, unknown>[] = [{ source_name: 'misp', ...(isUuid(uuid) ? { external_id: uuid.toLowerCase() } : {}) }];
    for (const [url, description] of [...ctx.links].slice(0, 500)) extRefs.push({ source_name: 'misp-link', url, ...(description ? { description } : {}) });
    const report: Record<string, unknown> = {
      type: 'report',
      spec_version: '2.1',
      id: ctx.reportId,
      created: times.created,
      modified: times.modified,
      name: info ? shortText(info, 512) : `MISP event ${uuid ?? ''}`.trim(),
      report_types: ['threat-report'],
      published: times.published,
      object_refs: objectRefs,
      external_references: extRefs,
    };
    const comment = asText(event.comment)?.trim();
    if (comment) report.description = comment.slice(0, 10_000);
    if (labels.size > 0) report.labels = [...labels];
    out.add(report as StixObject, ctx.tlp);
  } else {
    out.warn(where, 'the event has nothing STIX can carry (no attribute, object or galaxy converted); no report made');
  }

  const sg = asRecord(event.SharingGroup);
  const orgc = asRecord(event.Orgc);
  const summary: Record<string, unknown> = {
    event_uuid: uuid,
    info: info ? shortText(info, 512) : undefined,
    date: asText(event.date),
    published: asFlag(event.published),
    creator_org: asText(orgc?.name),
    distribution: level(DISTRIBUTION, event.distribution),
    sharing_group: sg ? { name: asText(sg.name), uuid: asText(sg.uuid) } : asText(event.sharing_group_id) && asText(event.sharing_group_id) !== '0' ? { id: asText(event.sharing_group_id) } : undefined,
    threat_level: level(THREAT_LEVEL, event.threat_level_id)?.name,
    analysis: level(ANALYSIS, event.analysis)?.name,
    tlp: tags.tlp,
    pap: tags.pap,
    attributes_by_type: Object.fromEntries(ctx.counts.attributesByType),
    object_attributes_by_type: Object.fromEntries(ctx.counts.objectAttributesByType),
    objects_by_name: Object.fromEntries(ctx.counts.objectsByName),
    indicators: ctx.counts.indicators,
    notes: ctx.counts.notes,
    galaxies: galaxies.length,
    sightings: ctx.counts.sightings,
    false_positive_sightings: ctx.counts.falsePositiveSightings,
    links: ctx.links.size,
    proposals_ignored: shadow || undefined,
  };
  for (const k of Object.keys(summary)) if (summary[k] === undefined) delete summary[k];
  return { tlp: tags.tlp, summary };
}
