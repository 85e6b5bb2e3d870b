import type { Tlp } from '../../db/schema.ts';
import { isSco } from '../../stix/stix.types.ts';
import { stricter } from '../../trust/tlp.ts';
import { linkIndicator, readAttribute, ruleIndicator, type ReadAttribute } from './misp-attribute.converter.ts';
import { addFor, bump, indicatorTypesOf, relateFor, type MispEventContext } from './misp-event.context.ts';
import { mapMispObject, type ObjectAttribute } from './misp-object.mapper.ts';
import { convertSightings } from './misp-sighting.converter.ts';
import { asList, asRecord, asText, clipText, mispTime } from './misp-value.reader.ts';
import { indicatorObject } from './stix-indicator.factory.ts';
import { stableId } from './stable-id.factory.ts';

/**
 * Converts one MISP object: its observables (one `file` for a file object), one indicator ANDing them when
 * any attribute is to_ids, its rules, links and sightings.
 * @example convertObject(ctx, { name: 'domain-ip', uuid, Attribute: [...] }, 'Event.Object[0]')
 */
export function convertObject(ctx: MispEventContext, raw: unknown, where: string): void {
  const rec = asRecord(raw);
  if (!rec) {
    ctx.out.error(where, 'an object must be a JSON object');
    return;
  }
  const name = asText(rec.name)?.trim() || 'unnamed';
  bump(ctx.counts.objectsByName, name);
  if (rec.deleted === true) {
    ctx.out.skip('deleted object');
    return;
  }
  const objectTime = mispTime(rec.timestamp) ?? ctx.modified;
  const read: ReadAttribute[] = [];
  // Position in the source, so issues name the attribute as the file numbers it.
  const sourceIndex: number[] = [];
  for (const [i, a] of asList(rec.Attribute).entries()) {
    const r = readAttribute(ctx, a, `${where}.Attribute[${i}]`, objectTime, ctx.counts.objectAttributesByType);
    if (r) {
      read.push(r);
      sourceIndex.push(i);
    }
  }
  const attrs: ObjectAttribute[] = read.map((r, index) => ({ index, type: r.type, value: r.value, relation: asText(r.rec.object_relation) ?? '' }));
  const mapping = mapMispObject(name, attrs);
  const at = (a: ObjectAttribute): string => `${where}.Attribute[${sourceIndex[a.index]}]`;
  for (const e of mapping.errors) ctx.out.error(`${at(e.attribute)}.value`, e.reason);
  for (const type of mapping.ignored) ctx.out.skip(`${type} in a ${clipText(name, 40)} object`);
  for (const l of mapping.links) {
    const comment = asText(read[l.attribute.index]!.rec.comment)?.trim() || undefined;
    if (/^https?:\/\/\S+$/i.test(l.url)) ctx.links.set(l.url, ctx.links.get(l.url) ?? comment);
  }

  let tlp: Tlp | undefined = ctx.tlp;
  for (const r of read) if (r.tlp) tlp = stricter(r.tlp, tlp);
  const indicated = [...new Set(read.flatMap((r) => r.indicated))];
  const ids = mapping.observables.map((o) => addFor(ctx, o, tlp));
  const uuid = asText(rec.uuid);

  for (const rule of mapping.rules) {
    const a = read[rule.attribute.index]!;
    const id = ruleIndicator(ctx, { ...a, indicated: [...a.indicated, ...indicated] }, rule.patternType, [name, a.type, a.value]);
    if (a.uuid) ctx.byUuid.set(a.uuid, id);
  }

  let indicatorId: string | undefined;
  if (read.some((r) => r.toIds) && mapping.pattern) {
    const times = read.map((r) => r.time).sort();
    const created = times[times.length - 1] ?? objectTime;
    const description = asText(rec.comment)?.trim() || asText(rec.description)?.trim() || undefined;
    const firstSeen = mispTime(rec.first_seen);
    indicatorId = addFor(
      ctx,
      indicatorObject({
        id: stableId('indicator', uuid, [ctx.eventKey, name, attrs.map((a) => [a.type, a.value])]),
        pattern: mapping.pattern,
        patternType: 'stix',
        validFrom: firstSeen ?? created,
        validUntil: mispTime(rec.last_seen),
        created,
        name: `${name}: ${attrs.map((a) => a.value).find((v) => v.trim()) ?? ''}`,
        description,
        indicatorTypes: indicatorTypesOf(asText(read.find((r) => r.toIds)?.rec.category)),
        labels: [...new Set(read.flatMap((r) => r.labels))],
      }),
      tlp,
    );
    ctx.counts.indicators++;
    for (const o of mapping.observables) if (isSco(o.type)) relateFor(ctx, indicatorId, 'based-on', o.id, created, tlp);
    linkIndicator(ctx, indicatorId, indicated, created, tlp);
  } else if (read.some((r) => r.toIds) && mapping.observables.length > 0) {
    ctx.out.skip(`to_ids in a ${clipText(name, 40)} object with nothing a pattern can express`);
  }

  const main = indicatorId ?? ids[0];
  if (uuid && main) ctx.byUuid.set(uuid, main);
  for (const r of read) if (r.uuid && main) ctx.byUuid.set(r.uuid, main);
  for (const [i, r] of read.entries()) convertSightings(ctx, r.rec.Sighting, indicatorId, `${where}.Attribute[${sourceIndex[i]}]`, tlp);
}

/** A MISP relation name as a STIX relationship_type (lower case, hyphens). */
export function relationshipType(relation: string): string | undefined {
  const t = relation
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return t && t.length <= 100 ? t : undefined;
}

/** Converts MISP ObjectReferences (per object, or at event level as some feeds write them) to relationships. */
export function convertReferences(ctx: MispEventContext, list: unknown, where: string, defaultSource?: string): void {
  for (const [i, raw] of asList(list).entries()) {
    const rec = asRecord(raw);
    const source = asText(rec?.source_uuid) ?? asText(rec?.object_uuid) ?? defaultSource;
    const target = asText(rec?.referenced_uuid) ?? asText(rec?.target_uuid);
    const type = relationshipType(asText(rec?.relationship_type) ?? asText(rec?.relation) ?? 'related-to');
    if (!rec || !source || !target || !type) {
      ctx.out.warn(`${where}[${i}]`, 'object reference without source, target or relation; skipped');
      continue;
    }
    if (asText(rec.deleted) === '1' || rec.deleted === true) continue;
    const from = ctx.byUuid.get(source);
    const to = ctx.byUuid.get(target);
    if (!from || !to || from === to) {
      ctx.out.skip('object reference to something not converted');
      continue;
    }
    relateFor(ctx, from, type, to, mispTime(rec.timestamp) ?? ctx.modified, ctx.tlp);
  }
}
