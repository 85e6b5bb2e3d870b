import type { OrgRow, Tlp } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { isSco } from '../stix/stix.types.ts';
import { sectorIdentity } from '../stix/extensions.ts';
import { stixSectorOf } from '../orgs/org-identity.ts';
import { observableKeys } from '../observables/observable.factory.ts';
import { patternKeys } from '../observables/pattern.parser.ts';
import { stricter, tlpOfMarkingId, tlpOfMarkingObject, tlpOfMarkingRefs } from '../trust/tlp.ts';
import { objectRecord } from '../store/object-row.ts';
import type { PreparedObject } from '../store/knowledge.writer.ts';
import type { ParseIssue, ParseResult } from './parsers/parse-result.ts';
import { defaultAllowCount, type IngestParams } from './ingest.params.ts';

/** The observable keys of an object and whether an indicator's pattern could be used for matching. */
export function keysOf(obj: StixObject): { keys: string[]; patternUsable: boolean | null } {
  if (isSco(obj.type)) return { keys: observableKeys(obj), patternUsable: null };
  if (obj.type === 'indicator') {
    if (obj.pattern_type !== 'stix' || typeof obj.pattern !== 'string') return { keys: [], patternUsable: false };
    const r = patternKeys(obj.pattern);
    return { keys: r.usable ? r.keys : [], patternUsable: r.usable };
  }
  return { keys: [], patternUsable: null };
}

/** Who is contributing, and how. */
export interface Contributor {
  readonly viewer: Viewer;
  readonly org: OrgRow;
  readonly ingestId: string | null;
}

/**
 * Turns parsed objects into store records with one contribution each: per-object TLP (stricter of the
 * request and the data's markings), recipients, anonymity (the contributor's identity replaced by its sector's).
 */
export function prepareObjects(parsed: ParseResult, params: IngestParams, who: Contributor, now: Date): { prepared: PreparedObject[]; warnings: ParseIssue[]; tlpCounts: Record<string, number> } {
  const warnings: ParseIssue[] = [];
  const localMarkings = new Map<string, Tlp>();
  for (const o of parsed.objects) {
    if (o.type !== 'marking-definition') continue;
    const t = tlpOfMarkingObject(o);
    if (t) localMarkings.set(o.id, t);
  }
  let objects = parsed.objects.filter((o) => !(o.type === 'marking-definition' && (tlpOfMarkingId(o.id) || localMarkings.has(o.id))));
  if (params.anonymous) objects = anonymise(objects, who.org, warnings);
  const stamp = now.toISOString();
  const tlpCounts: Record<string, number> = {};
  const prepared = objects.map((obj): PreparedObject => {
    const dataTlp = tlpOfMarkingRefs(obj.object_marking_refs, localMarkings) ?? parsed.tlp;
    const tlp: Tlp = params.tlp && dataTlp ? stricter(params.tlp, dataTlp) : (dataTlp ?? params.tlp ?? who.org.default_tlp);
    tlpCounts[tlp] = (tlpCounts[tlp] ?? 0) + 1;
    const amberish = tlp === 'amber' || tlp === 'amber+strict';
    const { keys, patternUsable } = keysOf(obj);
    return {
      record: objectRecord(obj, { keys, patternUsable }),
      contribution: {
        objectId: obj.id,
        orgId: who.org.id,
        userId: who.viewer.userId,
        ingestId: who.ingestId,
        tlp,
        pap: params.pap ?? null,
        anonymous: params.anonymous,
        allowCount: tlp === 'red' ? false : (params.allowCount ?? defaultAllowCount(tlp)),
        confidence: params.confidence ?? (typeof obj.confidence === 'number' ? obj.confidence : null),
        recipientOrgs: amberish ? params.orgs : [],
        recipientGroups: amberish ? params.groups : [],
        recipientUsers: tlp === 'red' ? params.users : [],
        // When this organisation reported it; the object's own first_seen/last_seen stay in its data.
        firstSeen: stamp,
        lastSeen: stamp,
      },
    };
  });
  return { prepared, warnings, tlpCounts };
}

// An anonymous contributor's own identity objects are withheld and its created_by_ref becomes
// the stable identity of its sector ("a financial institution").
function anonymise(objects: readonly StixObject[], org: OrgRow, warnings: ParseIssue[]): StixObject[] {
  const sector = sectorIdentity(stixSectorOf(org));
  const authors = new Set(objects.map((o) => o.created_by_ref).filter((r): r is string => typeof r === 'string'));
  const out: StixObject[] = [sector];
  let withheld = 0;
  for (const o of objects) {
    if (o.type === 'identity' && authors.has(o.id)) {
      withheld++;
      continue;
    }
    out.push(typeof o.created_by_ref === 'string' ? { ...o, created_by_ref: sector.id } : o);
  }
  if (withheld) warnings.push({ where: 'identity', reason: `${withheld} author identity object(s) withheld: anonymous contribution` });
  return out;
}
