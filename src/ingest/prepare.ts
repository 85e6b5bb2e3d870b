import type { OrgRow, Tlp } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { isSco } from '../stix/stix.types.ts';
import { sectorIdentity } from '../stix/extensions.ts';
import { orgIdentity, stixSectorOf } from '../orgs/org-identity.ts';
import { observableKeys } from '../observables/observable.factory.ts';
import { patternKeys } from '../observables/pattern.parser.ts';
import { TLP2_MARKING_IDS, tlpOfMarkingId, tlpOfMarkingObject, tlpOfMarkingRefs } from '../trust/tlp.ts';
import { objectRecord } from '../store/object-row.ts';
import type { PreparedObject } from '../store/knowledge.writer.ts';
import type { ContributionRecord } from '../store/object-row.ts';
import { unhashedLine, type LineAudience, type UnhashedLine } from '../store/feed-line.ts';
import { draftModified, shapeOfDraft, type LineDraft } from './parse/line-draft.ts';
import { aMillisecondLater, ingestTlp } from './tlp.rules.ts';
import type { ParseIssue, ParseResult } from './parsers/parse-result.ts';
import { derivedId, generatedIndicatorId, ownIndicatorId } from './parsers/stable-id.factory.ts';
import { defaultAllowCount, type IngestParams } from './ingest.params.ts';
import { carriedKeys } from './parse/carried-keys.ts';

/**
 * The observable keys of an object and whether an indicator's pattern could be used for matching. An indicator's
 * keys come with it from the parse worker when it derived them (carried-keys.ts): its pattern is not parsed again.
 */
export function keysOf(obj: StixObject): { keys: readonly string[]; patternUsable: boolean | null } {
  if (isSco(obj.type)) return { keys: observableKeys(obj), patternUsable: null };
  if (obj.type === 'indicator') {
    if (obj.pattern_type !== 'stix' || typeof obj.pattern !== 'string') return { keys: [], patternUsable: false };
    const known = carriedKeys(obj.pattern);
    if (known) return { keys: known, patternUsable: known.length > 0 };
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
 * request and the data's markings), recipients, anonymity (every reference to the contributor's identities
 * replaced by its sector's), one indicator per (organisation, pattern) for importer-made indicators, and
 * the contribution's TLP marking in the stored content.
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
  const { objects: owned, generated } = ownGeneratedIds(objects, who.org);
  objects = owned;
  if (params.anonymous && objects.length > 0) objects = anonymise(objects, who.org, warnings);
  const c: PrepareContext = { params, who, stamp: now.toISOString(), fileTlp: parsed.tlp, localMarkings, tlpCounts: {}, generated };
  const prepared = objects.map((o) => prepareOne(o, c));
  return { prepared, warnings, tlpCounts: c.tlpCounts };
}

/**
 * prepareObjects for a file given in slices (issue 17): the same records, TLP counts and ids, a slice at a time.
 * Marking definitions and importer-made ids are remembered from slice to slice (a streamed format gives a marking
 * definition before the objects that use it). Anonymous ingests, which look through the whole file for the
 * contributor's identities, are not prepared this way.
 * @example const p = new SlicePreparer(params, who, new Date(), undefined); const prepared = p.add(slice)
 */
export class SlicePreparer {
  readonly #c: PrepareContext;
  readonly #remap = new Map<string, string>();
  readonly #local = new Map<string, Tlp>();

  constructor(params: IngestParams, who: Contributor, now: Date, fileTlp: Tlp | undefined) {
    if (params.anonymous) throw new Error('anonymous ingests are prepared whole');
    this.#c = { params, who, stamp: now.toISOString(), fileTlp, localMarkings: this.#local, tlpCounts: {}, generated: new Set() };
  }

  /** Objects prepared so far, by TLP level. */
  get tlpCounts(): Record<string, number> {
    return this.#c.tlpCounts;
  }

  /**
   * The next slice's objects, prepared. `generated`: the ids of its importer-made objects when the parse made them
   * the organisation's already (ParseSlice.generated): they are not derived again.
   */
  add(slice: readonly StixObject[], generated?: ReadonlySet<string>): PreparedObject[] {
    const local = this.#local;
    for (const o of slice) {
      if (o.type !== 'marking-definition') continue;
      const t = tlpOfMarkingObject(o);
      if (t) local.set(o.id, t);
    }
    const objects = slice.filter((o) => !(o.type === 'marking-definition' && (tlpOfMarkingId(o.id) || local.has(o.id))));
    // Ids the parse made the organisation's (issue 17): nothing to derive, no placeholder of an earlier slice to follow.
    if (generated && this.#remap.size === 0) {
      const c = { ...this.#c, generated };
      return objects.map((o) => prepareOne(o, c));
    }
    const { objects: owned, generated: made } = ownGeneratedIds(objects, this.#c.who.org, this.#remap);
    const c = { ...this.#c, generated: made };
    return owned.map((o) => prepareOne(o, c));
  }

  /**
   * A slice's line drafts (parse/line-draft.ts), prepared as prepareOne prepares the three objects each stands for:
   * the TLP of the row's marking, the file's, the request's and the organisation's default as for any object (counted
   * three times), `modified` a millisecond later when the marking changes (the indicator's and the relationship's),
   * one audience object for every line of a level. Their hashes are the parse worker's when it made them at the TLP
   * given here, else made when their rows are (feed-line.ts hashLine).
   */
  addLines(drafts: readonly LineDraft[]): UnhashedLine[] {
    const c = this.#c;
    const out: UnhashedLine[] = [];
    for (const d of drafts) {
      const tlp = tlpOf(c, d[12] ?? c.fileTlp);
      c.tlpCounts[tlp] = (c.tlpCounts[tlp] ?? 0) + 3;
      // The parse worker hashed the line's contents at the TLP it expected this ingest to give it: kept when it is.
      const h = d[13];
      out.push(unhashedLine(this.#audience(tlp), shapeOfDraft(d, draftModified(d, tlp)), h !== null && h[0] === tlp ? { indicator: h[1], observable: h[2], relationship: h[3] } : undefined));
    }
    return out;
  }

  // The lines' audience of a TLP level (contributionOf's columns for an object without a confidence of its own).
  readonly #audiences = new Map<Tlp, LineAudience>();
  #audience(tlp: Tlp): LineAudience {
    let a = this.#audiences.get(tlp);
    if (!a) {
      const { objectId: _, ...audience } = contributionOf('', tlp, null, this.#c);
      this.#audiences.set(tlp, (a = audience));
    }
    return a;
  }
}

interface PrepareContext {
  readonly params: IngestParams;
  readonly who: Contributor;
  readonly stamp: string;
  readonly fileTlp: Tlp | undefined;
  readonly localMarkings: ReadonlyMap<string, Tlp>;
  readonly tlpCounts: Record<string, number>;
  readonly generated: ReadonlySet<string>;
}

function prepareOne(original: StixObject, c: PrepareContext): PreparedObject {
  const tlp = tlpOf(c, tlpOfMarkingRefs(original.object_marking_refs, c.localMarkings) ?? c.fileTlp);
  c.tlpCounts[tlp] = (c.tlpCounts[tlp] ?? 0) + 1;
  const obj = withTlpMarking(original, tlp, c.localMarkings);
  const { keys, patternUsable } = keysOf(obj);
  return {
    record: objectRecord(obj, { keys, patternUsable }),
    generated: c.generated.has(obj.id),
    contribution: contributionOf(obj.id, tlp, typeof obj.confidence === 'number' ? obj.confidence : null, c),
  };
}

// An object's TLP: the stricter of the request's and the data's (its markings, else the file's), else the
// organisation's default.
function tlpOf(c: PrepareContext, dataTlp: Tlp | undefined): Tlp {
  return ingestTlp(c.params.tlp, dataTlp, c.who.org.default_tlp);
}

// The contribution of an object at a TLP level, with the object's own confidence (null: none).
function contributionOf(objectId: string, tlp: Tlp, ownConfidence: number | null, c: PrepareContext): ContributionRecord {
  const { params, who, stamp } = c;
  const amberish = tlp === 'amber' || tlp === 'amber+strict';
  return {
    objectId,
    orgId: who.org.id,
    userId: who.viewer.userId,
    ingestId: who.ingestId,
    tlp,
    pap: params.pap ?? null,
    anonymous: params.anonymous,
    allowCount: tlp === 'red' ? false : (params.allowCount ?? defaultAllowCount(tlp)),
    confidence: params.confidence ?? ownConfidence,
    recipientOrgs: amberish ? params.orgs : [],
    recipientGroups: amberish ? params.groups : [],
    recipientUsers: tlp === 'red' ? params.users : [],
    // When this organisation reported it; the object's own first_seen/last_seen stay in its data.
    firstSeen: stamp,
    lastSeen: stamp,
  };
}

// The stored content carries the level it is shared at, so every reader serves the same content for one
// version. A versioned object whose markings change this way is a new version of it: `modified` moves by a
// millisecond (deterministically, so importing the same file again changes nothing).
function withTlpMarking(obj: StixObject, tlp: Tlp, local: ReadonlyMap<string, Tlp>): StixObject {
  if (obj.type === 'marking-definition') return obj;
  const refs = Array.isArray(obj.object_marking_refs) ? (obj.object_marking_refs as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  const others = refs.filter((r) => !tlpOfMarkingId(r) && !local.has(r));
  const wanted = [TLP2_MARKING_IDS[tlp], ...others];
  if (refs.length === wanted.length && refs.every((r, i) => r === wanted[i])) return obj;
  const later = typeof obj.modified === 'string' && !isSco(obj.type) ? aMillisecondLater(obj.modified) : null;
  return later === null ? { ...obj, object_marking_refs: wanted } : { ...obj, object_marking_refs: wanted, modified: later };
}

// Ids made by derivedId are version-5 UUIDs: an id whose version digit (the 22nd character from the end) is not a 5
// was not made by an importer and is not hashed again to find out (a contributor's own STIX ids are mostly version 4).
const mayBeDerived = (id: string): boolean => id.length >= 36 && id.charCodeAt(id.length - 22) === 0x35;

// Importer-made indicators (feed lines, text) get an id of their own per organisation and pattern, salted with
// the organisation's secret so an id reveals nothing; relationships derived from their ids follow. A sliced file
// passes the same remap for every slice (a relationship may follow its indicator in a later slice).
function ownGeneratedIds(objects: readonly StixObject[], org: OrgRow, remap = new Map<string, string>()): { objects: StixObject[]; generated: Set<string> } {
  const generated = new Set<string>();
  for (const o of objects) {
    if (o.type !== 'indicator' || typeof o.pattern !== 'string') continue;
    if (mayBeDerived(o.id) && o.id === generatedIndicatorId(o.pattern)) {
      const own = ownIndicatorId(org.id_salt, o.pattern);
      remap.set(o.id, own);
      generated.add(own);
    }
  }
  if (remap.size === 0) return { objects: [...objects], generated };
  const out = objects.map((o) => {
    const moved = replaceRefs(o, remap);
    if (moved.type === 'indicator' && remap.has(o.id)) return { ...moved, id: remap.get(o.id)! };
    if (o.type === 'relationship' && typeof o.source_ref === 'string' && typeof o.target_ref === 'string') {
      const type = String(o.relationship_type);
      if ((remap.has(o.source_ref) || remap.has(o.target_ref)) && mayBeDerived(o.id) && o.id === derivedId('relationship', [o.source_ref, type, o.target_ref])) {
        const id = derivedId('relationship', [moved.source_ref, type, moved.target_ref]);
        generated.add(id);
        return { ...moved, id };
      }
    }
    return moved;
  });
  return { objects: out, generated };
}

// Every `*_ref` and `*_refs` property of an object, mapped (top level: STIX puts references there).
function replaceRefs(obj: StixObject, remap: ReadonlyMap<string, string>): StixObject {
  let out: Record<string, unknown> | undefined;
  // Keys, not entries: most objects have no reference at all, and this runs over every object of an ingest.
  for (const k of Object.keys(obj)) {
    if (!k.endsWith('_ref') && !k.endsWith('_refs')) continue;
    const v = obj[k];
    let next: unknown = v;
    if (k.endsWith('_ref') && typeof v === 'string' && remap.has(v)) next = remap.get(v);
    else if (k.endsWith('_refs') && Array.isArray(v) && v.some((r) => typeof r === 'string' && remap.has(r)))
      next = [...new Set(v.map((r) => (typeof r === 'string' ? (remap.get(r) ?? r) : r)))];
    if (next !== v) (out ??= { ...obj })[k] = next;
  }
  return (out as StixObject | undefined) ?? obj;
}

// An anonymous contributor's own identities (its organisation's, and the identity objects of the file that
// author objects or name the organisation) are withheld, and every reference to them, in every object,
// becomes the stable identity of its sector ("a financial institution").
function anonymise(objects: readonly StixObject[], org: OrgRow, warnings: ParseIssue[]): StixObject[] {
  const sector = sectorIdentity(stixSectorOf(org));
  const own = new Set<string>([orgIdentity(org).id]);
  for (const o of objects) if (typeof o.created_by_ref === 'string') own.add(o.created_by_ref);
  const orgName = org.name.trim().toLowerCase();
  for (const o of objects) if (o.type === 'identity' && typeof o.name === 'string' && o.name.trim().toLowerCase() === orgName) own.add(o.id);
  own.delete(sector.id);
  const remap = new Map([...own].map((id) => [id, sector.id]));
  const out: StixObject[] = [sector];
  let withheld = 0;
  for (const o of objects) {
    if (own.has(o.id) || o.id === sector.id) {
      if (o.id !== sector.id) withheld++;
      continue;
    }
    out.push(replaceRefs(o, remap));
  }
  if (withheld) warnings.push({ where: 'identity', reason: `${withheld} identity object(s) of the contributor withheld: anonymous contribution` });
  return out;
}
