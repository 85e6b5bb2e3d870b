import { tlpRank } from '../trust/tlp.ts';
import { columns } from './pg-array.ts';
import { copyField } from '../db/copy.ts';
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

/**
 * The columns of contributions that do not depend on the id registry's answer (all but owner rank, keep and
 * known), one array literal each: the costly part of a batch's statement (its JSON contents above all).
 */
export function contentColumns(rows: readonly Pick<ContributionRow, 'contribution' | 'record'>[]) {
  return columns(rows, {
    object_id: (w) => w.contribution.objectId,
    org_id: (w) => w.contribution.orgId,
    user_id: (w) => w.contribution.userId,
    ingest_id: (w) => w.contribution.ingestId,
    tlp: (w) => w.contribution.tlp,
    tlp_rank: (w) => tlpRank(w.contribution.tlp),
    pap: (w) => w.contribution.pap,
    anonymous: (w) => w.contribution.anonymous,
    allow_count: (w) => w.contribution.allowCount,
    confidence: (w) => w.contribution.confidence,
    recipient_orgs: (w) => arr(w.contribution.recipientOrgs),
    recipient_groups: (w) => arr(w.contribution.recipientGroups),
    recipient_users: (w) => arr(w.contribution.recipientUsers),
    scope_key: (w) => scopeKey(w.contribution),
    first_seen: (w) => w.contribution.firstSeen,
    last_seen: (w) => w.contribution.lastSeen,
    data: (w) => JSON.stringify(w.record.data),
    modified: (w) => w.record.modified,
    revoked: (w) => w.record.revoked,
    name: (w) => w.record.name,
    valid_until: (w) => w.record.validUntil,
    pattern_usable: (w) => w.record.patternUsable,
    content_hash: (w) => w.record.contentHash,
  });
}

/** The columns a contribution is copied with (COPY, contributions of objects a batch registered), in order. */
export const COPY_COLUMNS = [
  'id', 'seq', 'object_id', 'org_id', 'user_id', 'ingest_id', 'tlp', 'tlp_rank', 'pap', 'anonymous', 'allow_count', 'confidence',
  'recipient_orgs', 'recipient_groups', 'recipient_users', 'scope_key', 'first_seen', 'last_seen', 'data', 'modified', 'modified_text',
  'revoked', 'name', 'valid_until', 'pattern_usable', 'content_hash', 'owner_rank',
] as const;

/** The content fields of one row in COPY's text format (COPY_COLUMNS from object_id to content_hash). */
export function contentLine(w: Pick<ContributionRow, 'contribution' | 'record'>): string {
  const c = w.contribution;
  const r = w.record;
  return [
    c.objectId, c.orgId, c.userId, c.ingestId, c.tlp, tlpRank(c.tlp), c.pap, c.anonymous, c.allowCount, c.confidence,
    arr(c.recipientOrgs), arr(c.recipientGroups), arr(c.recipientUsers), scopeKey(c), c.firstSeen, c.lastSeen,
    JSON.stringify(r.data), r.modified, r.modified, r.revoked, r.name, r.validUntil, r.patternUsable, r.contentHash,
  ].map(copyField).join('\t');
}

/** Content lines built ahead of time (while the previous batch is on the server), by contribution. */
export type PrebuiltContent = ReadonlyMap<ContributionRecord, { readonly record: ObjectRecord; readonly line: string }>;

/** Builds the content lines of rows ahead of their write. */
export function prebuildContent(rows: readonly Pick<ContributionRow, 'contribution' | 'record'>[]): PrebuiltContent {
  return new Map(rows.map((w) => [w.contribution, { record: w.record, line: contentLine(w) }]));
}

/**
 * The COPY text of contributions with the ids and sequence numbers given: a prebuilt content line is taken only
 * for the very contribution and record it was built for, any other row is built now.
 */
export function contributionLines(rows: readonly ContributionRow[], ids: readonly number[], seqs: readonly number[], pre?: PrebuiltContent): string {
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const w = rows[i]!;
    const hit = pre?.get(w.contribution);
    out += `${ids[i]}\t${seqs[i]}\t${hit && hit.record === w.record ? hit.line : contentLine(w)}\t${w.ownerRank}\n`;
  }
  return out;
}

/** Every column a contribution is written with by the general statement, one array literal each. */
export function contributionColumns(rows: readonly ContributionRow[]) {
  return { ...contentColumns(rows), ...columns(rows, { owner_rank: (w) => w.ownerRank, keep: (w) => w.keepContent, known: (w) => w.known !== false }) };
}
