import type { Tlp } from '../../db/schema.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import type { MispEventContext } from './misp-event.context.ts';
import { addFor } from './misp-event.context.ts';
import { asList, asRecord, asText, mispTime } from './misp-value.reader.ts';
import { derivedId } from './stable-id.factory.ts';

/**
 * Turns an attribute's MISP `Sighting` list into one STIX sighting of its indicator (count, first and last
 * seen). False positives (type 1) have no STIX form and are only counted; an expiration (type 2) ends the
 * indicator's validity.
 * @example convertSightings(ctx, attribute.Sighting, 'indicator--…', 'Event.Attribute[0]', undefined)
 */
export function convertSightings(ctx: MispEventContext, list: unknown, indicatorId: string | undefined, where: string, tlp: Tlp | undefined): void {
  const sightings = asList(list);
  if (sightings.length === 0) return;
  if (!indicatorId) {
    ctx.out.warn(`${where}.Sighting`, `${sightings.length} sighting(s) of an attribute without an indicator (to_ids false or no pattern) not imported`);
    return;
  }
  let count = 0;
  let falsePositives = 0;
  let first: string | undefined;
  let last: string | undefined;
  let expiry: string | undefined;
  for (const [i, s] of sightings.entries()) {
    const rec = asRecord(s);
    if (!rec) {
      ctx.out.error(`${where}.Sighting[${i}]`, 'a sighting must be an object');
      continue;
    }
    const type = asText(rec.type) ?? '0';
    const at = mispTime(rec.date_sighting);
    if (type === '1') falsePositives++;
    else if (type === '2') {
      if (at && (!expiry || at > expiry)) expiry = at;
    } else if (type === '0') {
      count++;
      if (at && (!first || at < first)) first = at;
      if (at && (!last || at > last)) last = at;
    } else ctx.out.error(`${where}.Sighting[${i}].type`, `unknown sighting type "${type.slice(0, 20)}" (0 sighting, 1 false positive, 2 expiration)`);
  }
  if (falsePositives > 0) {
    ctx.counts.falsePositiveSightings += falsePositives;
    ctx.out.warn(`${where}.Sighting`, `${falsePositives} false-positive sighting(s) have no STIX form and were only counted`);
  }
  if (expiry) {
    const until = expiry;
    ctx.out.update(indicatorId, (ind) => (typeof ind.valid_from === 'string' && until > ind.valid_from ? { ...ind, valid_until: until } : ind));
  }
  if (count === 0) return;
  const stamp = last ?? ctx.modified;
  const sighting: Record<string, unknown> = {
    type: 'sighting',
    spec_version: '2.1',
    id: derivedId('sighting', ['misp', indicatorId]),
    created: stamp,
    modified: stamp,
    sighting_of_ref: indicatorId,
    count: Math.min(count, 999_999_999),
  };
  if (first) sighting.first_seen = first;
  if (last) sighting.last_seen = last;
  addFor(ctx, sighting as StixObject, tlp);
  ctx.counts.sightings += count;
}
