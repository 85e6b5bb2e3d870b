import type { Tlp } from '../../db/schema.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { isSco } from '../../stix/stix.types.ts';
import { stricter } from '../../trust/tlp.ts';
import { mapAttribute } from './misp-attribute.mapper.ts';
import { addFor, bump, indicatorTypesOf, relateFor, type MispEventContext } from './misp-event.context.ts';
import { clusterOfTag, galaxyClusters, galaxyObject, INDICATED_TYPES } from './misp-galaxy.mapper.ts';
import { convertSightings } from './misp-sighting.converter.ts';
import { readTags } from './misp-tags.reader.ts';
import { asFlag, asRecord, asText, clipText, mispTime } from './misp-value.reader.ts';
import { indicatorObject, noteObject } from './stix-indicator.factory.ts';
import { stableId } from './stable-id.factory.ts';

const MAX_VALUE = 1_000_000;

/** An attribute read from MISP JSON with what applies to it (its TLP, time, extra indicated objects). */
export interface ReadAttribute {
  readonly rec: Record<string, unknown>;
  readonly type: string;
  readonly value: string;
  readonly uuid: string | undefined;
  readonly tlp: Tlp | undefined;
  readonly time: string;
  readonly toIds: boolean;
  readonly labels: readonly string[];
  /** Galaxy objects attached to this attribute alone. */
  readonly indicated: readonly string[];
}

/** Reads and checks one attribute (event or object level); answers undefined (with the issue recorded) when unusable. */
export function readAttribute(ctx: MispEventContext, raw: unknown, where: string, fallbackTime: string, counter: Map<string, number>): ReadAttribute | undefined {
  const rec = asRecord(raw);
  if (!rec) {
    ctx.out.error(where, 'an attribute must be an object');
    return undefined;
  }
  const type = asText(rec.type)?.trim();
  const value = asText(rec.value);
  if (!type) {
    ctx.out.error(`${where}.type`, 'missing attribute type');
    return undefined;
  }
  bump(counter, type);
  if (value === undefined) {
    ctx.out.error(`${where}.value`, `missing value for a ${clipText(type, 40)} attribute`);
    return undefined;
  }
  if (value.length > MAX_VALUE) {
    ctx.out.error(`${where}.value`, `value of ${value.length} characters is over the ${MAX_VALUE} limit`);
    return undefined;
  }
  if (asFlag(rec.deleted)) {
    ctx.out.skip('deleted attribute');
    return undefined;
  }
  const tags = readTags(rec.Tag ?? rec.AttributeTag);
  for (const level of tags.unknownLevels) ctx.out.warn(`${where}.Tag`, `unknown level in tag "${clipText(level, 60)}" ignored`);
  const tlp = tags.tlp ? stricter(tags.tlp, ctx.tlp) : ctx.tlp;
  const indicated: string[] = [];
  const blockTags = new Set<string>();
  const clusters = galaxyClusters(rec.Galaxy);
  for (const c of clusters) blockTags.add(c.tag);
  for (const c of [...clusters, ...tags.galaxies.filter((g) => !blockTags.has(g.tag)).map(clusterOfTag)]) {
    const obj = galaxyObject(c, ctx.created);
    if (!obj) continue;
    addFor(ctx, obj, tlp);
    if (INDICATED_TYPES.has(obj.type)) indicated.push(obj.id);
  }
  const uuid = asText(rec.uuid);
  return { rec, type, value, uuid, tlp, time: mispTime(rec.timestamp) ?? fallbackTime, toIds: asFlag(rec.to_ids), labels: tags.labels, indicated };
}

/** Links an indicator to what it indicates (the event's galaxies and the attribute's own). */
export function linkIndicator(ctx: MispEventContext, indicatorId: string, extra: readonly string[], created: string, tlp: Tlp | undefined): void {
  for (const target of new Set([...ctx.indicated, ...extra])) relateFor(ctx, indicatorId, 'indicates', target, created, tlp);
}

/** Makes the rule indicator of a YARA/Snort/Suricata/Sigma attribute (always: a rule is an indicator by nature). */
export function ruleIndicator(ctx: MispEventContext, a: ReadAttribute, patternType: string, seed: readonly unknown[]): string {
  const comment = asText(a.rec.comment)?.trim();
  const nameLine = /^\s*rule\s+([A-Za-z0-9_]+)/m.exec(a.value)?.[1] ?? /msg:\s*"([^"]{1,200})"/.exec(a.value)?.[1];
  const id = addFor(
    ctx,
    indicatorObject({
      id: stableId('indicator', a.uuid, [ctx.eventKey, ...seed]),
      pattern: a.value,
      patternType,
      validFrom: a.time,
      created: a.time,
      name: nameLine ?? comment ?? `${patternType} rule`,
      description: comment,
      labels: a.labels,
    }),
    a.tlp,
  );
  ctx.counts.indicators++;
  linkIndicator(ctx, id, a.indicated, a.time, a.tlp);
  return id;
}

/**
 * Converts one event-level MISP attribute: observables always, an indicator when to_ids (rules always),
 * a note for free text, a report reference for a link, a counted skip for types STIX has no place for.
 * @example convertAttribute(ctx, { type: 'ip-dst', value: '198.51.100.3', to_ids: true, uuid }, 'Event.Attribute[0]')
 */
export function convertAttribute(ctx: MispEventContext, raw: unknown, where: string): void {
  const a = readAttribute(ctx, raw, where, ctx.modified, ctx.counts.attributesByType);
  if (!a) return;
  let mapping;
  try {
    mapping = mapAttribute(a.type, a.value);
  } catch (e) {
    ctx.out.error(`${where}.value`, e instanceof Error ? e.message : String(e));
    return;
  }
  const comment = asText(a.rec.comment)?.trim() || undefined;
  let indicatorId: string | undefined;
  switch (mapping.kind) {
    case 'observables': {
      const ids = mapping.objects.map((o) => addFor(ctx, o, a.tlp));
      if (a.uuid) ctx.byUuid.set(a.uuid, ids[0]!);
      if (!a.toIds) break;
      if (!mapping.pattern) {
        ctx.out.skip(`to_ids on a ${a.type} attribute (no pattern)`);
        break;
      }
      indicatorId = addFor(
        ctx,
        indicatorObject({
          id: stableId('indicator', a.uuid, [ctx.eventKey, a.type, a.value]),
          pattern: mapping.pattern,
          patternType: 'stix',
          validFrom: mispTime(a.rec.first_seen) ?? a.time,
          validUntil: mispTime(a.rec.last_seen),
          created: a.time,
          name: a.value,
          description: comment,
          indicatorTypes: indicatorTypesOf(asText(a.rec.category)),
          labels: a.labels,
        }),
        a.tlp,
      );
      ctx.counts.indicators++;
      if (a.uuid) ctx.byUuid.set(a.uuid, indicatorId);
      for (const o of mapping.objects as StixObject[]) if (isSco(o.type)) relateFor(ctx, indicatorId, 'based-on', o.id, a.time, a.tlp);
      linkIndicator(ctx, indicatorId, a.indicated, a.time, a.tlp);
      break;
    }
    case 'rule':
      indicatorId = ruleIndicator(ctx, a, mapping.patternType, [a.type, a.value]);
      if (a.uuid) ctx.byUuid.set(a.uuid, indicatorId);
      break;
    case 'note': {
      const id = addFor(ctx, noteObject(stableId('note', a.uuid, [ctx.eventKey, a.type, a.value]), a.value, [ctx.reportId], a.time, comment), a.tlp);
      ctx.counts.notes++;
      if (a.uuid) ctx.byUuid.set(a.uuid, id);
      break;
    }
    case 'link':
      if (/^https?:\/\/\S+$/i.test(mapping.url)) ctx.links.set(mapping.url, ctx.links.get(mapping.url) ?? comment);
      else ctx.out.warn(`${where}.value`, `link "${clipText(mapping.url, 60)}" is not an http(s) URL; dropped`);
      break;
    default:
      ctx.out.skip(`attribute type ${a.type}`);
  }
  convertSightings(ctx, a.rec.Sighting, indicatorId, where, a.tlp);
}
