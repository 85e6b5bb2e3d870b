import type { OrgRow } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import { observableKeys } from '../observables/observable.factory.ts';
import { isSco, type StixObject } from '../stix/stix.types.ts';
import { orgIdentity } from '../orgs/org-identity.ts';
import { derivedId } from '../ingest/parsers/stable-id.factory.ts';
import { HONEYPOT_PROPERTY } from '../ingest/parsers/cowrie.parser.ts';
import type { ParseResult } from '../ingest/parsers/parse-result.ts';

// A honeypot log's sessions sight what is already known: an attacker address, a download URL or a file
// that matches an indicator the contributor may see becomes a sighting of that indicator, with the
// sessions' observed-data as its evidence (STIX 2.1 sighting: sighting_of_ref + observed_data_refs).
// Every honeypot sighting is sighted where the contributing organisation is (its identity; the sector's
// when anonymous, which the ingest substitutes).

const MAX_OBSERVED_REFS = 100;

interface Hits {
  readonly observed: string[];
  first: string;
  last: string;
}

/**
 * Adds to a parsed honeypot log the sightings of indicators the viewer may see that its sessions match,
 * and names the contributor's identity as where every honeypot sighting was made.
 * @example const parsed = withHoneypotSightings(parseCowrie(body), viewer, org, index)
 */
export function withHoneypotSightings(parsed: ParseResult, viewer: Viewer, org: OrgRow, index: ObservableIndex): ParseResult {
  const byId = new Map(parsed.objects.map((o) => [o.id, o]));
  const inFile = new Set(parsed.objects.filter((o) => o.type === 'indicator').map((o) => o.id));
  const hits = new Map<string, Hits>();
  for (const od of parsed.objects) {
    if (od.type !== 'observed-data' || !od[HONEYPOT_PROPERTY] || !Array.isArray(od.object_refs)) continue;
    const first = String(od.first_observed);
    const last = String(od.last_observed);
    for (const ref of od.object_refs as string[]) {
      const sco = byId.get(ref);
      if (!sco || !isSco(sco.type) || sco.type === 'network-traffic') continue;
      for (const key of observableKeys(sco)) {
        const match = index.match(viewer, key);
        for (const o of match?.objects ?? []) {
          if (o.type !== 'indicator' || inFile.has(o.id)) continue;
          const h = hits.get(o.id) ?? { observed: [], first, last };
          if (!h.observed.includes(od.id)) h.observed.push(od.id);
          if (first < h.first) h.first = first;
          if (last > h.last) h.last = last;
          hits.set(o.id, h);
        }
      }
    }
  }
  const where = orgIdentity(org);
  const added: StixObject[] = [...hits.entries()].map(([indicatorId, h]) => ({
    type: 'sighting',
    spec_version: '2.1',
    id: derivedId('sighting', ['cowrie', indicatorId, h.observed[0]]),
    created: h.first,
    modified: h.last,
    sighting_of_ref: indicatorId,
    observed_data_refs: h.observed.slice(0, MAX_OBSERVED_REFS),
    count: h.observed.length,
    first_seen: h.first,
    last_seen: h.last,
    x_kessetsu_where: 'sensor',
  }));
  const objects = [...parsed.objects, ...added].map((o) => (o.type === 'sighting' && o.x_kessetsu_where === 'sensor' && !o.where_sighted_refs ? { ...o, where_sighted_refs: [where.id] } : o));
  if (objects.some((o) => o.type === 'sighting')) objects.push(where);
  return { ...parsed, objects, summary: { ...parsed.summary, sightings_of_known_indicators: added.length } };
}
