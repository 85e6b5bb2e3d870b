import type { Tlp } from '../../db/schema.ts';
import { observableKeys } from '../../observables/observable.keys.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { TLP2_MARKING_IDS } from '../../trust/tlp.ts';
import { lineHashesAt, lineKey, lineShapeOf, type LineShape } from '../../store/feed-line.ts';
import { aMillisecondLater, ingestTlp } from '../tlp.rules.ts';
import { indicatorKeys } from './carried-keys.ts';

/**
 * A CSV row's flat line as the parse worker sends it instead of its three objects (issue 17, docs/design/feed-lines.md
 * 8.3): the line's texts as the row made them, and the TLP of the row's marking (null: none). A tuple, not an object:
 * the structured clone writes no property names. The main thread prepares it (prepare.ts `SlicePreparer.addLines`:
 * the TLP, the marking's millisecond, the audience) into a FeedLine; a draft that must go the stored way after all
 * becomes its three objects then (feed-line.ts `preparedOfLine`). `hashes`: its three contents' hashes made on the
 * worker at the TLP the ingest will give it (ParseRequest.lineTlps), kept by the main thread if that TLP is the one it
 * gives; null: made there.
 */
export type LineDraft = readonly [
  scoType: string,
  value: string,
  scoId: string,
  indicatorId: string,
  relationshipId: string,
  created: string,
  modified: string,
  validFrom: string,
  name: string | null,
  description: string | null,
  indicatorTypes: readonly string[],
  labels: readonly string[],
  tlp: Tlp | null,
  hashes: readonly [tlp: Tlp, indicator: string, observable: string, relationship: string] | null,
];

/**
 * What the parse worker is told of an ingest's TLPs, to hash a line's contents at the TLP the ingest will give it:
 * the requested TLP (null: none) and the organisation's default (tlp.rules.ts `ingestTlp`).
 */
export interface LineTlps {
  readonly requested: Tlp | null;
  readonly orgDefault: Tlp;
}

/**
 * The `modified` of a draft's indicator and relationship prepared at `tlp`: a millisecond later when their TLP marking
 * is not the row's own (prepare.ts: a re-marked version is a new version).
 * @example draftModified(draft, 'amber') === draft[6] // when the row was marked amber
 */
export function draftModified(d: LineDraft, tlp: Tlp): string {
  return modifiedAt(d[12], d[6], tlp);
}

// The rule of draftModified, given the row's marking and `modified`.
function modifiedAt(marking: Tlp | null, modified: string, tlp: Tlp): string {
  return marking === tlp ? modified : (aMillisecondLater(modified) ?? modified);
}

/** A draft's texts as named fields, with `modified` as the preparation gives it (default: the draft's). */
export function shapeOfDraft(d: LineDraft, modified = d[6]): LineShape {
  return { scoType: d[0], value: d[1], scoId: d[2], indicatorId: d[3], relationshipId: d[4], created: d[5], modified, validFrom: d[7], name: d[8], description: d[9], indicatorTypes: d[10], labels: d[11] };
}

const TLP_BY_MARKING: ReadonlyMap<string, Tlp> = new Map(Object.entries(TLP2_MARKING_IDS).map(([tlp, id]) => [id, tlp as Tlp]));

// No character JSON.stringify escapes beyond a quote (a control character, a backslash) and no surrogate: such a text
// is stored as it is (unstorable.check.ts finds nothing in it) and its JSON's size follows from its length.
function plain(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

// The bytes a line's object may take beyond its texts' (property names, punctuation, the marking, the pattern's frame).
const FRAME_BYTES = 1024;

/**
 * The draft of a row's observable, indicator and based-on relationship, or undefined when they must go as objects:
 * not the shape of a line (feed-line.ts `lineShapeOf`), marked otherwise than the three alike with one TLP 2.0
 * marking (or none), keys other than the line's `type:value` (what prepare.ts would derive: observableKeys, the
 * pattern's keys), a text that is not plain (so the main thread's storable-text check could differ), an observable
 * value with a slash (a CIDR: the broad-range check is the objects' path's), or texts that could make an object
 * larger than `maxObjectBytes` (null: no limit). What goes as objects is checked and prepared exactly as before.
 * Given the ingest's TLPs, the draft carries its contents' hashes at the TLP the ingest will give it (the main thread's
 * SHA-1 work moved to the worker, which runs at a lower priority; issue 17).
 * @example lineDraftOf(sco, indicator, relationship, 1024 * 1024)?.[1] // 'example.com'
 */
export function lineDraftOf(sco: StixObject, ind: StixObject, rel: StixObject, maxObjectBytes: number | null, tlps?: LineTlps): LineDraft | undefined {
  const s = lineShapeOf(sco, ind, rel);
  if (!s) return undefined;
  const refs = sco.object_marking_refs;
  let tlp: Tlp | null = null;
  if (refs !== undefined) {
    if (!Array.isArray(refs) || refs.length !== 1) return undefined;
    const t = TLP_BY_MARKING.get(refs[0] as string);
    if (!t) return undefined;
    tlp = t;
  }
  if (!sameMarking(ind.object_marking_refs, refs) || !sameMarking(rel.object_marking_refs, refs)) return undefined;
  if (s.value.includes('/') && (s.scoType === 'ipv4-addr' || s.scoType === 'ipv6-addr')) return undefined;
  let chars = 0;
  for (const t of [s.scoType, s.value, s.scoId, s.indicatorId, s.relationshipId, s.created, s.modified, s.validFrom, s.name ?? '', s.description ?? '', ...s.indicatorTypes, ...s.labels]) {
    if (!plain(t)) return undefined;
    chars += t.length;
  }
  // UTF-8 takes at most three bytes a UTF-16 unit and a plain text's only escape is a quote's (two bytes for one); the
  // pattern holds the value a second time, its quotes escaped (twice the characters at most).
  if (maxObjectBytes !== null && 3 * (chars + 2 * s.value.length) + FRAME_BYTES > maxObjectBytes) return undefined;
  const key = lineKey(s);
  if (!onlyKey(observableKeys(sco), key) || !onlyKey(indicatorKeys(ind), key)) return undefined;
  return [s.scoType, s.value, s.scoId, s.indicatorId, s.relationshipId, s.created, s.modified, s.validFrom, s.name, s.description, s.indicatorTypes, s.labels, tlp, tlps ? hashedAt(s, tlp, tlps) : null];
}

// A draft's hashes: its contents' at the TLP the ingest gives a row of this marking, `modified` as it prepares it.
function hashedAt(s: LineShape, marking: Tlp | null, tlps: LineTlps): LineDraft[13] {
  const at = ingestTlp(tlps.requested ?? undefined, marking ?? undefined, tlps.orgDefault);
  const h = lineHashesAt({ ...s, modified: modifiedAt(marking, s.modified, at) }, at);
  return [at, h.indicator, h.observable, h.relationship];
}

function sameMarking(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Array.isArray(a) && Array.isArray(b) && a.length === 1 && b.length === 1 && a[0] === b[0];
}

function onlyKey(keys: readonly string[] | null, key: string): boolean {
  return keys !== null && keys.length === 1 && keys[0] === key;
}
