import { hash } from 'node:crypto';
import type { Tlp } from '../db/schema.ts';
import { copyField } from '../db/copy.ts';
import { patternString } from '../stix/pattern-string.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { TLP2_MARKING_IDS, tlpRank } from '../trust/tlp.ts';
import { pgArray } from './pg-array.ts';
import { objectRecord, scopeKey, type ContributionRecord } from './object-row.ts';
import type { PreparedObject } from './knowledge.writer.ts';
import { inPieces } from '../shared/pieces.ts';

/**
 * The observable types a flat feed line holds (docs/design/feed-lines.md 2.1): one value, and an object key that is
 * `type:value` as written. Anything else a feed row makes (merged file hashes, bank accounts) keeps the stored path.
 */
/**
 * The first contribution id a flat feed line presents: a line's three contributions are 2^50 + 4 × its id + 0
 * (indicator), 1 (observable), 2 (relationship) (migration 2026-12-06T03-00-feed-lines-views); a stored contribution's
 * id never comes near it.
 */
export const LINE_CONTRIBUTION_BASE = 2 ** 50;

export const LINE_SCO_TYPES: ReadonlySet<string> = new Set(['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr']);

/** The contribution columns a line's three contributions share: all of ContributionRecord but the object. */
export type LineAudience = Omit<ContributionRecord, 'objectId'>;

/**
 * One organisation's feed line for one audience: an observable, the indicator made from it and the based-on
 * relationship between them, as the columns a `feed_lines` row holds. `objectsOfLine` gives back the three objects
 * exactly as the stored path writes them (same JSON, same content hashes).
 */
export interface FeedLine {
  readonly audience: LineAudience;
  readonly scoType: string;
  readonly value: string;
  /** The observable's display text when it differs from its value (a defanged or decoded form), else null. */
  readonly display: string | null;
  readonly scoId: string;
  readonly indicatorId: string;
  readonly relationshipId: string;
  /** created of the indicator and of the relationship, as written. */
  readonly created: string;
  /** modified of both: created, or a millisecond later when the stored content took its TLP marking (prepare.ts). */
  readonly modified: string;
  readonly validFrom: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly indicatorTypes: readonly string[];
  readonly labels: readonly string[];
  /** The three contents' hashes (object-row.ts: SHA-1 of the canonical JSON, base64url). */
  readonly hashes: { readonly indicator: string; readonly observable: string; readonly relationship: string };
}

// The properties each of a line's objects may carry: an object with any other is not a flat line.
const SCO_PROPS = new Set(['type', 'spec_version', 'id', 'value', 'object_marking_refs']);
const INDICATOR_PROPS = new Set(['type', 'spec_version', 'id', 'created', 'modified', 'name', 'description', 'indicator_types', 'pattern', 'pattern_type', 'pattern_version', 'valid_from', 'labels', 'object_marking_refs']);
const RELATIONSHIP_PROPS = new Set(['type', 'spec_version', 'id', 'created', 'modified', 'relationship_type', 'source_ref', 'target_ref', 'object_marking_refs']);

/**
 * The STIX pattern of a line's indicator: the observable's value as a pattern string literal, as ioc-pattern.builder.ts
 * writes it.
 * @example linePattern('domain-name', "it's.example") // "[domain-name:value = 'it\\'s.example']"
 */
export function linePattern(scoType: string, value: string): string {
  return `[${scoType}:value = ${patternString(value)}]`;
}

/**
 * A feed row's three prepared objects (observable, indicator, based-on relationship, in the mapper's order) as one
 * line, or undefined when they are not exactly what a line holds: each content must come back from the line's
 * columns byte for byte (objectsOfLine), the three contributions must share their audience, and the keys must be the
 * observable's `type:value`.
 * @example const line = feedLineOf([sco, indicator, relationship]) // FeedLine | undefined
 */
export function feedLineOf(triple: readonly [PreparedObject, PreparedObject, PreparedObject]): FeedLine | undefined {
  const [s, i, r] = triple;
  const sco = s.record.data;
  const ind = i.record.data;
  const rel = r.record.data;
  const shape = lineShapeOf(sco, ind, rel);
  if (!shape) return undefined;
  const tlp = s.contribution.tlp;
  const value = shape.value;
  if (!marked(sco, tlp) || !marked(ind, tlp) || !marked(rel, tlp)) return undefined;
  if (!valueKey(s.record.keys, sco.type, value) || !valueKey(i.record.keys, sco.type, value) || r.record.keys.length !== 0) return undefined;
  const audience = sharedAudience(s.contribution, i.contribution, r.contribution);
  if (!audience) return undefined;
  // One object a line, hashes set once made (a line with its hashes spread into a second object was garbage a line).
  const line: { -readonly [K in keyof FeedLine]: FeedLine[K] } = { audience, ...shape, display: s.record.display === value ? null : s.record.display, hashes: NO_HASHES };
  // Hashed from the line's own texts (lineContents, with the pattern lineShapeOf found to be the line's): the records'
  // generic canonical JSON is never made for a line.
  line.hashes = hashesOf(contentsOf(line, line.audience.tlp, ind.pattern as string));
  return line;
}

/**
 * A line prepared from a parse's draft (prepare.ts `SlicePreparer.addLines`) whose hashes may not be made yet:
 * `hashLine` makes them, in place (the importer hashes a batch's lines in pieces while the batch before is on the
 * server), unless the parse worker made them.
 */
export type UnhashedLine = FeedLine;

/** A prepared line whose hashes are to be made by hashLine, or are these (made on the parse worker at its TLP). */
export function unhashedLine(audience: LineAudience, shape: LineShape, hashes: FeedLine['hashes'] = NO_HASHES): UnhashedLine {
  return { audience, ...shape, display: null, hashes };
}

/**
 * Makes a line's content hashes (those of its contents as lineContents writes them) in place, once.
 * @example const line = hashLine(unhashedLine(audience, shape)); line.hashes.indicator // 'kq1…'
 */
export function hashLine(line: UnhashedLine): FeedLine {
  if (line.hashes === NO_HASHES) (line as { hashes: FeedLine['hashes'] }).hashes = hashesOf(lineContents(line));
  return line;
}

/** A line's texts as the three objects give them, before its audience (prepare.ts) and its hashes. */
export type LineShape = Omit<FeedLine, 'audience' | 'display' | 'hashes'>;

/**
 * What the three objects of a feed row hold as a line's texts, or undefined when they are not the shape of a line:
 * an observable of a line type with one string value, the indicator made from it (a STIX pattern on the value, every
 * optional text a string, every list a non-empty list of strings) and the based-on relationship between them at the
 * indicator's times, none with any other property. Their markings, keys and contributions are not looked at here
 * (feedLineOf and the parse's line drafts, line-draft.ts, hold them each to what they know).
 * @example lineShapeOf(sco, indicator, relationship)?.value // 'example.com'
 */
export function lineShapeOf(sco: StixObject, ind: StixObject, rel: StixObject): LineShape | undefined {
  if (!LINE_SCO_TYPES.has(sco.type) || ind.type !== 'indicator' || rel.type !== 'relationship') return undefined;
  if (!only(sco, SCO_PROPS) || !only(ind, INDICATOR_PROPS) || !only(rel, RELATIONSHIP_PROPS)) return undefined;
  const value = sco.value;
  if (typeof value !== 'string' || sco.spec_version !== '2.1') return undefined;
  if (ind.spec_version !== '2.1' || ind.pattern !== linePattern(sco.type, value) || ind.pattern_type !== 'stix' || ind.pattern_version !== '2.1') return undefined;
  const created = ind.created;
  const modified = ind.modified;
  const validFrom = ind.valid_from;
  if (typeof created !== 'string' || typeof modified !== 'string' || typeof validFrom !== 'string') return undefined;
  if (!optionalText(ind.name) || !optionalText(ind.description) || !optionalList(ind.indicator_types) || !optionalList(ind.labels)) return undefined;
  if (rel.spec_version !== '2.1' || rel.relationship_type !== 'based-on' || rel.source_ref !== ind.id || rel.target_ref !== sco.id) return undefined;
  if (rel.created !== created || rel.modified !== modified) return undefined;
  return {
    scoType: sco.type,
    value,
    scoId: sco.id,
    indicatorId: ind.id,
    relationshipId: rel.id,
    created,
    modified,
    validFrom,
    name: (ind.name as string | undefined) ?? null,
    description: (ind.description as string | undefined) ?? null,
    indicatorTypes: (ind.indicator_types as string[] | undefined) ?? [],
    labels: (ind.labels as string[] | undefined) ?? [],
  };
}

/**
 * The object key a line's observable and indicator share (`type:value`: a line's value is canonical).
 * @example lineKey(line) // 'domain-name:example.com'
 */
export function lineKey(line: Pick<FeedLine, 'scoType' | 'value'>): string {
  return `${line.scoType}:${line.value}`;
}

/**
 * A line's three objects as the preparation makes them (observable, indicator, relationship): their records (keys,
 * contents) and contributions, for a line that goes the stored way after all (a re-import, a line the store refused)
 * or a reader that needs objects. The indicator and the relationship are importer-made (`generated`). A hashed line's
 * hashes are its objects' content hashes (the same contents: lineContents), not made again (a CSV re-import's lines,
 * hashed on the parse worker, issue 17).
 * @example const [sco, indicator, relationship] = preparedOfLine(line)
 */
export function preparedOfLine(line: Omit<FeedLine, 'hashes'> & { readonly hashes?: FeedLine['hashes'] }): readonly PreparedObject[] {
  const [sco, indicator, relationship] = objectsOfLine(line);
  const keys = [lineKey(line)];
  const { audience } = line;
  const h = line.hashes === undefined || line.hashes === NO_HASHES ? undefined : line.hashes;
  return [
    { record: objectRecord(sco, { keys, patternUsable: null, contentHash: h?.observable }), generated: false, contribution: { objectId: sco.id, ...audience } },
    { record: objectRecord(indicator, { keys, patternUsable: true, contentHash: h?.indicator }), generated: true, contribution: { objectId: indicator.id, ...audience } },
    { record: objectRecord(relationship, { keys: [], patternUsable: null, contentHash: h?.relationship }), generated: true, contribution: { objectId: relationship.id, ...audience } },
  ];
}

/**
 * The three objects a line stands for, as the stored path writes their contents (the JavaScript twin of the
 * `feed_lines` views): observable, indicator, relationship.
 * @example const [sco, indicator, relationship] = objectsOfLine(line)
 */
export function objectsOfLine(line: Omit<FeedLine, 'hashes'>): readonly [StixObject, StixObject, StixObject] {
  const marking = [TLP2_MARKING_IDS[line.audience.tlp]];
  const sco: StixObject = { type: line.scoType, spec_version: '2.1', id: line.scoId, value: line.value, object_marking_refs: marking };
  const indicator: Record<string, unknown> = { type: 'indicator', spec_version: '2.1', id: line.indicatorId, created: line.created, modified: line.modified };
  if (line.name !== null) indicator.name = line.name;
  if (line.description !== null) indicator.description = line.description;
  if (line.indicatorTypes.length > 0) indicator.indicator_types = [...line.indicatorTypes];
  indicator.pattern = linePattern(line.scoType, line.value);
  indicator.pattern_type = 'stix';
  indicator.pattern_version = '2.1';
  indicator.valid_from = line.validFrom;
  if (line.labels.length > 0) indicator.labels = [...line.labels];
  indicator.object_marking_refs = marking;
  const relationship: StixObject = {
    type: 'relationship',
    spec_version: '2.1',
    id: line.relationshipId,
    created: line.created,
    modified: line.modified,
    relationship_type: 'based-on',
    source_ref: line.indicatorId,
    target_ref: line.scoId,
    object_marking_refs: marking,
  };
  return [sco, indicator as StixObject, relationship];
}

/**
 * The canonical JSON (RFC 8785, as canonical-json.ts writes it) of a line's three contents, written from the
 * columns with the properties in their sorted order: no object is built and no key sorted per line.
 * @example const { indicator } = lineContents(line); hash('sha1', indicator, 'base64url') === line.hashes.indicator
 */
export function lineContents(line: Omit<FeedLine, 'hashes'>): LineContents {
  return contentsOf(line, line.audience.tlp, linePattern(line.scoType, line.value));
}

/**
 * The content hashes of a line of this shape whose audience is at `tlp` (lineHashes without the audience): the parse
 * worker's, for a draft (line-draft.ts).
 * @example lineHashesAt(shape, 'green').indicator === lineHashes(line).indicator // line: that shape, at green
 */
export function lineHashesAt(shape: LineShape, tlp: Tlp): FeedLine['hashes'] {
  return hashesOf(contentsOf(shape, tlp, linePattern(shape.scoType, shape.value)));
}

type LineContents = { readonly observable: string; readonly indicator: string; readonly relationship: string };

// The marking property of a line's contents, by TLP: the same text for every line of a level.
const MARKING_JSON = new Map(Object.entries(TLP2_MARKING_IDS).map(([tlp, id]) => [tlp, `"object_marking_refs":[${JSON.stringify(id)}]`]));

// lineContents with the line's pattern (linePattern) made once (feedLineOf has it already), its audience's TLP given.
function contentsOf(line: LineShape, tlp: Tlp, pattern: string): LineContents {
  const j = JSON.stringify;
  const marking = MARKING_JSON.get(tlp)!;
  const observable = `{"id":${j(line.scoId)},${marking},"spec_version":"2.1","type":${j(line.scoType)},"value":${j(line.value)}}`;
  // Sorted by code unit: created, description, id, indicator_types, labels, modified, name, object_marking_refs,
  // pattern, pattern_type, pattern_version, spec_version, type, valid_from.
  let indicator = `{"created":${j(line.created)}`;
  if (line.description !== null) indicator += `,"description":${j(line.description)}`;
  indicator += `,"id":${j(line.indicatorId)}`;
  if (line.indicatorTypes.length > 0) indicator += `,"indicator_types":${j(line.indicatorTypes)}`;
  if (line.labels.length > 0) indicator += `,"labels":${j(line.labels)}`;
  indicator += `,"modified":${j(line.modified)}`;
  if (line.name !== null) indicator += `,"name":${j(line.name)}`;
  indicator += `,${marking},"pattern":${j(pattern)},"pattern_type":"stix","pattern_version":"2.1","spec_version":"2.1","type":"indicator","valid_from":${j(line.validFrom)}}`;
  const relationship = `{"created":${j(line.created)},"id":${j(line.relationshipId)},"modified":${j(line.modified)},${marking},"relationship_type":"based-on","source_ref":${j(line.indicatorId)},"spec_version":"2.1","target_ref":${j(line.scoId)},"type":"relationship"}`;
  return { observable, indicator, relationship };
}

/**
 * The content hashes of a line's three objects from its columns (the stored path's: object-row.ts).
 * @example lineHashes(line).observable === line.hashes.observable
 */
export function lineHashes(line: Omit<FeedLine, 'hashes'>): FeedLine['hashes'] {
  return hashesOf(lineContents(line));
}

function hashesOf(c: LineContents): FeedLine['hashes'] {
  return { indicator: hash('sha1', c.indicator, 'base64url'), observable: hash('sha1', c.observable, 'base64url'), relationship: hash('sha1', c.relationship, 'base64url') };
}

/**
 * The columns of `feed_lines` a line is copied into, in order: what the importer knows of it. The merge gives the
 * rest (the line's id, its sequence numbers, updated_at, and whether it presents the observable's registry row).
 */
export const LINE_COPY_COLUMNS: readonly string[] = [
  'org_id', 'user_id', 'ingest_id', 'tlp', 'tlp_rank', 'pap', 'anonymous', 'allow_count', 'confidence', 'recipient_orgs', 'recipient_groups', 'recipient_users', 'scope_key',
  'first_seen', 'last_seen', 'sco_type', 'value', 'display', 'sco_id', 'ind_id', 'rel_id', 'created_text', 'modified_text', 'valid_from_text', 'name', 'description',
  'indicator_types', 'labels', 'ind_hash', 'sco_hash', 'rel_hash',
];

/**
 * A line as one row of COPY's text format (LINE_COPY_COLUMNS), with its line end.
 * @example copyRows(trx, 'feed_lines_staging', LINE_COPY_COLUMNS, lines.map(lineCopyRow).join(''))
 */
export function lineCopyRow(line: FeedLine): string {
  const f = copyField;
  hashLine(line);
  return `${audienceFields(line.audience)}\t${f(line.scoType)}\t${f(line.value)}\t${f(line.display)}\t${f(line.scoId)}\t${f(line.indicatorId)}\t${f(line.relationshipId)}\t${f(line.created)}\t${f(line.modified)}\t${f(line.validFrom)}\t${f(line.name)}\t${f(line.description)}\t${f(pgArray(line.indicatorTypes))}\t${f(pgArray(line.labels))}\t${line.hashes.indicator}\t${line.hashes.observable}\t${line.hashes.relationship}\n`;
}

// The audience's columns of a line's COPY row (org_id … last_seen), made once for the lines that share the audience
// object (an ingest's lines share it while it is the same: sharedAudience): they were a third of a row's text and
// most of its garbage (issue 17).
let lastFields: { readonly audience: LineAudience; readonly text: string } | undefined;
function audienceFields(a: LineAudience): string {
  if (lastFields?.audience === a) return lastFields.text;
  const row = [a.orgId, a.userId, a.ingestId, a.tlp, tlpRank(a.tlp), a.pap, a.anonymous, a.allowCount, a.confidence, pgArray(a.recipientOrgs), pgArray(a.recipientGroups), pgArray(a.recipientUsers), scopeKey(a), a.firstSeen, a.lastSeen];
  const text = row.map(copyField).join('\t');
  lastFields = { audience: a, text };
  return text;
}

function only(obj: StixObject, allowed: ReadonlySet<string>): boolean {
  for (const k in obj) if (!allowed.has(k) || obj[k] === undefined) return false;
  return true;
}

function marked(obj: StixObject, tlp: Tlp): boolean {
  const refs = obj.object_marking_refs;
  return Array.isArray(refs) && refs.length === 1 && refs[0] === TLP2_MARKING_IDS[tlp];
}

// The keys are exactly [`${type}:${value}`], told without making that string for every line.
function valueKey(keys: readonly string[], type: string, value: string): boolean {
  if (keys.length !== 1) return false;
  const k = keys[0]!;
  return k.length === type.length + 1 + value.length && k.charCodeAt(type.length) === 0x3a && k.startsWith(type) && k.endsWith(value);
}

// JSON.stringify writes an empty name or list as it is; objectsOfLine leaves an empty one out (indicatorObject does too).
function optionalText(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && v !== '');
}

function optionalList(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
}

// A loop, not every(): a closure per call was garbage three times a line (issue 17).
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

const NO_HASHES: FeedLine['hashes'] = { indicator: '', observable: '', relationship: '' };

// Whether two contributions share every column but the object: one organisation's, to one audience, one provenance.
function sameAudience(a: LineAudience, o: LineAudience): boolean {
  if (o.orgId !== a.orgId || o.userId !== a.userId || o.ingestId !== a.ingestId || o.tlp !== a.tlp || o.pap !== a.pap || o.anonymous !== a.anonymous) return false;
  if (o.allowCount !== a.allowCount || o.confidence !== a.confidence || o.firstSeen !== a.firstSeen || o.lastSeen !== a.lastSeen) return false;
  return sameList(o.recipientOrgs, a.recipientOrgs) && sameList(o.recipientGroups, a.recipientGroups) && sameList(o.recipientUsers, a.recipientUsers);
}

// The lines of an ingest share their audience: the last one made is given again while it is the same (read only).
let lastAudience: LineAudience | undefined;

// The three contributions of a line are one organisation's, to one audience, with one provenance.
function sharedAudience(a: ContributionRecord, b: ContributionRecord, c: ContributionRecord): LineAudience | undefined {
  if (!sameAudience(a, b) || !sameAudience(a, c)) return undefined;
  if (lastAudience && sameAudience(a, lastAudience)) return lastAudience;
  const { objectId: _, ...audience } = a;
  return (lastAudience = audience);
}

/** A batch's prepared objects as lines (each with the three objects it stands for) and the rest. */
export interface LineSplit {
  readonly lines: readonly FeedLine[];
  /** The three prepared objects a line of `lines` stands for (the stored way takes them if the line is refused). */
  readonly objectsOf: (line: FeedLine) => readonly PreparedObject[];
  readonly rest: readonly PreparedObject[];
}

/**
 * A split with lines prepared elsewhere (a parse's line drafts, prepare.ts) first: their objects, should the stored
 * way take them, are made from them (preparedOfLine).
 * @example const split = withLines(splitLines(rest), parsedLines)
 */
export function withLines(split: LineSplit, lines: readonly FeedLine[]): LineSplit {
  return lines.length === 0 ? split : { lines: split.lines.length === 0 ? lines : [...lines, ...split.lines], objectsOf: split.objectsOf, rest: split.rest };
}

/**
 * Finds the flat feed lines of a batch: each based-on relationship whose indicator and observable are in the batch
 * and make a line with it (feedLineOf). An object whose id comes twice in the batch is never part of a line (the
 * stored way deduplicates versions); everything else stays in `rest`, in its order.
 * @example const { lines, rest } = splitLines(part)
 */
export function splitLines(objects: readonly PreparedObject[]): LineSplit {
  const s = new LineSplitter(objects);
  s.take(0, objects.length);
  return s.result();
}

/**
 * splitLines in pieces of `piece` objects with `pause()` between them: an importer that splits the next batch while
 * the one before is written takes up each answer of the database within a piece's time (issue 17: a batch split in
 * one go kept PGlite's thread waiting ~10 ms a batch).
 * @example const split = await splitLinesPaced(part, () => new Promise((r) => setImmediate(r)))
 */
export async function splitLinesPaced(objects: readonly PreparedObject[], pause: () => Promise<void>, piece = 500): Promise<LineSplit> {
  const s = new LineSplitter(objects);
  await inPieces(objects.length, piece, pause, (from, to) => s.take(from, to));
  return s.result();
}

// splitLines' work, taken a range of the batch at a time.
class LineSplitter {
  readonly #objects: readonly PreparedObject[];
  readonly #byId = new Map<string, PreparedObject | null>();
  readonly #used = new Set<PreparedObject>();
  readonly #lines: FeedLine[] = [];
  readonly #objectsOf = new Map<FeedLine, readonly PreparedObject[]>();

  constructor(objects: readonly PreparedObject[]) {
    this.#objects = objects;
    for (const p of objects) this.#byId.set(p.record.id, this.#byId.has(p.record.id) ? null : p);
  }

  take(from: number, to: number): void {
    const byId = this.#byId;
    const used = this.#used;
    for (let k = from; k < to; k++) {
      const r = this.#objects[k]!;
      const d = r.record.data;
      if (d.type !== 'relationship' || d.relationship_type !== 'based-on' || byId.get(r.record.id) !== r) continue;
      const ind = byId.get(String(d.source_ref));
      const sco = byId.get(String(d.target_ref));
      if (!ind || !sco || used.has(ind) || used.has(sco)) continue;
      const triple = [sco, ind, r] as const;
      const line = feedLineOf(triple);
      if (!line) continue;
      this.#lines.push(line);
      this.#objectsOf.set(line, triple);
      used.add(sco).add(ind).add(r);
    }
  }

  result(): LineSplit {
    const used = this.#used;
    const objectsOf = this.#objectsOf;
    return { lines: this.#lines, objectsOf: (l) => objectsOf.get(l) ?? preparedOfLine(l), rest: used.size === 0 ? this.#objects : this.#objects.filter((p) => !used.has(p)) };
  }
}
