import { tlpRank } from '../trust/tlp.ts';
import { columns } from './pg-array.ts';
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

/** Content columns built ahead of time (while the previous batch is on the server), for exactly these rows. */
export interface PrebuiltContent {
  readonly rows: readonly Pick<ContributionRow, 'contribution' | 'record'>[];
  readonly columns: ReturnType<typeof contentColumns>;
}

/**
 * Every column a contribution is written with: the prebuilt content columns when they were built for exactly
 * these rows (the same objects, in the same order), else built now.
 */
export function contributionColumns(rows: readonly ContributionRow[], pre?: PrebuiltContent) {
  const same = pre !== undefined && pre.rows.length === rows.length && rows.every((w, i) => w.record === pre.rows[i]!.record && w.contribution === pre.rows[i]!.contribution);
  const content = same ? pre.columns : contentColumns(rows);
  return { ...content, ...columns(rows, { owner_rank: (w) => w.ownerRank, keep: (w) => w.keepContent, known: (w) => w.known !== false }) };
}
