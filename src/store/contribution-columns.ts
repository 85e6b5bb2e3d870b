import { tlpRank } from '../trust/tlp.ts';
import { columns } from './pg-array.ts';
import { copyBuffer, copyField } from '../db/copy.ts';
import { scopeKey, type ContributionRecord, type ObjectRecord } from './object-row.ts';

/** A contribution's row as the writers take it: what it says, the content it carries, and how it ranks. */
export interface ContributionRow {
  readonly contribution: ContributionRecord;
  readonly record: ObjectRecord;
  readonly ownerRank: number;
  readonly keepContent: boolean;
  readonly known?: boolean;
}

const arr = (xs: readonly string[]) => `{${xs.join(',')}}`;

type Content = Pick<ContributionRow, 'contribution' | 'record'>;

// The columns of contributions that do not depend on the id registry's answer (all but owner rank, keep and
// known), once for both ways a batch travels: array literals (the general statement) and COPY lines.
const CONTENT = {
  object_id: (w: Content) => w.contribution.objectId,
  org_id: (w: Content) => w.contribution.orgId,
  user_id: (w: Content) => w.contribution.userId,
  ingest_id: (w: Content) => w.contribution.ingestId,
  tlp: (w: Content) => w.contribution.tlp,
  tlp_rank: (w: Content) => tlpRank(w.contribution.tlp),
  pap: (w: Content) => w.contribution.pap,
  anonymous: (w: Content) => w.contribution.anonymous,
  allow_count: (w: Content) => w.contribution.allowCount,
  confidence: (w: Content) => w.contribution.confidence,
  recipient_orgs: (w: Content) => arr(w.contribution.recipientOrgs),
  recipient_groups: (w: Content) => arr(w.contribution.recipientGroups),
  recipient_users: (w: Content) => arr(w.contribution.recipientUsers),
  scope_key: (w: Content) => scopeKey(w.contribution),
  first_seen: (w: Content) => w.contribution.firstSeen,
  last_seen: (w: Content) => w.contribution.lastSeen,
  data: (w: Content) => w.record.canonicalData(),
  modified: (w: Content) => w.record.modified,
  revoked: (w: Content) => w.record.revoked,
  name: (w: Content) => w.record.name,
  valid_until: (w: Content) => w.record.validUntil,
  pattern_usable: (w: Content) => w.record.patternUsable,
  content_hash: (w: Content) => w.record.contentHash,
};

/**
 * The content columns of rows, one array literal each: the costly part of a batch's statement (its JSON contents
 * above all).
 */
export function contentColumns(rows: readonly Content[]) {
  return columns(rows, CONTENT);
}

// COPY writes `modified` twice: as the timestamp, and as the text the contributor sent (the general statement
// casts one column for both).
const COPY_CONTENT = Object.entries(CONTENT).flatMap(([column, pick]) => (column === 'modified' ? [['modified', pick], ['modified_text', pick]] as const : [[column, pick]] as const));

/** The columns a contribution is copied with (COPY, contributions of objects a batch registered), in order. */
export const COPY_COLUMNS: readonly string[] = ['id', 'seq', ...COPY_CONTENT.map(([column]) => column), 'owner_rank'];

/** The content fields of one row in COPY's text format (COPY_COLUMNS from object_id to content_hash). */
export function contentLine(w: Content): string {
  return COPY_CONTENT.map(([, pick]) => copyField(pick(w))).join('\t');
}

/**
 * Content lines built ahead of time (while the previous batch is on the server), by contribution; encoded already when
 * built by the importer's paced build (the write then only puts ids before them, issue 17).
 */
export type PrebuiltContent = ReadonlyMap<ContributionRecord, { readonly record: ObjectRecord; readonly line: string | Uint8Array }>;

/** Builds the content lines of rows ahead of their write. */
export function prebuildContent(rows: readonly Content[]): PrebuiltContent {
  return new Map(rows.map((w) => [w.contribution, { record: w.record, line: contentLine(w) }]));
}

/**
 * The COPY text of contributions with the ids and sequence numbers given: a prebuilt content line is taken only
 * for the very contribution and record it was built for, any other row is built now.
 */
export function contributionLines(rows: readonly ContributionRow[], ids: readonly number[], seqs: readonly number[], pre?: PrebuiltContent): Buffer {
  // Written piece by piece into one buffer (copyBuffer): the content lines are never joined into one string.
  const pieces = new Array<string | Uint8Array>(rows.length * 3);
  for (let i = 0; i < rows.length; i++) {
    const w = rows[i]!;
    const hit = pre?.get(w.contribution);
    pieces[3 * i] = `${ids[i]}\t${seqs[i]}\t`;
    pieces[3 * i + 1] = hit && hit.record === w.record ? hit.line : contentLine(w);
    pieces[3 * i + 2] = `\t${w.ownerRank}\n`;
  }
  return copyBuffer(pieces);
}

/** Every column a contribution is written with by the general statement, one array literal each. */
export function contributionColumns(rows: readonly ContributionRow[]) {
  return { ...contentColumns(rows), ...columns(rows, { owner_rank: (w) => w.ownerRank, keep: (w) => w.keepContent, known: (w) => w.known !== false }) };
}
