import { sql, type Kysely } from 'kysely';
import type { Database, OrgRow, Tlp } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { StixValidator } from '../stix/stix.validator.ts';
import type { StixObject } from '../stix/stix.types.ts';
import type { ParseIssue } from '../ingest/parsers/parse-result.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { groupIdsOfOrg } from '../auth/keys.repository.ts';
import { findOrg } from '../orgs/orgs.repository.ts';
import { tlpOfMarkingObject, tlpOfMarkingRefs, tlpRank } from '../trust/tlp.ts';
import { TaxiiClient, type ClientOptions } from './taxii.client.ts';
import type { TaxiiRemoteRow } from './taxii.tables.ts';
import { recordPull, saveAddedAfter, findPushCursor, savePushCursor } from './remotes.repository.ts';
import { collectionContribution, findCollection } from './taxii.collections.ts';
import { pageEntries } from './entries.repository.ts';
import { MAX_LIMIT, isTimestamp, timestampMicros, type PageCursor } from './taxii.query.ts';

/** What pulling and pushing need of the app. */
export interface SyncDeps {
  readonly db: Kysely<Database>;
  readonly ingest: IngestService;
  readonly validator: StixValidator;
}

/** How one pull went. */
export interface PullReport {
  readonly remote: string;
  readonly pages: number;
  readonly fetched: number;
  readonly stored: number;
  readonly rejected: number;
  /** Objects marked above the TLP agreed with this remote, refused. */
  readonly above_agreed_tlp: number;
  readonly added_after: string | null;
  readonly issues: readonly ParseIssue[];
}

/** How one push went. */
export interface PushReport {
  readonly remote: string;
  readonly collection: string;
  readonly posted: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pending: number;
}

const NIL_USER = '00000000-0000-0000-0000-000000000000';
const MAX_PAGES = 100_000;
const MAX_ISSUES = 100;

/** The partner organisation a remote counts as, as a viewer: what it may receive, and who its objects come from. */
export async function partnerViewer(db: Kysely<Database>, orgId: string): Promise<{ viewer: Viewer; org: OrgRow }> {
  const org = await findOrg(db, orgId);
  if (!org) throw new Error(`the partner organisation ${orgId} of this remote no longer exists`);
  const viewer: Viewer = {
    kind: 'user',
    userId: NIL_USER,
    orgId: org.id,
    orgKind: org.kind,
    sector: org.sector,
    role: 'member',
    ndaAccepted: org.nda_accepted_at !== null,
    groupIds: await groupIdsOfOrg(db, org.id),
    keyId: null,
  };
  return { viewer, org };
}

function clientFor(remote: TaxiiRemoteRow, opts: ClientOptions): TaxiiClient {
  return new TaxiiClient({ url: remote.collection_url, auth: remote.auth, username: remote.username, secret: remote.secret }, opts);
}

// Objects marked above what was agreed with the remote are refused (a peer must not push AMBER+STRICT or RED
// onto us); objects without a TLP marking get the remote's default.
function sortByTlp(objects: readonly StixObject[], remote: TaxiiRemoteRow): { keep: StixObject[]; refused: StixObject[] } {
  const local = new Map<string, Tlp>();
  for (const o of objects) {
    if (o.type !== 'marking-definition') continue;
    const t = tlpOfMarkingObject(o);
    if (t) local.set(o.id, t);
  }
  const max = tlpRank(remote.max_tlp);
  const keep: StixObject[] = [];
  const refused: StixObject[] = [];
  for (const o of objects) {
    const tlp = tlpOfMarkingRefs(o.object_marking_refs, local) ?? remote.default_tlp;
    (tlpRank(tlp) > max ? refused : keep).push(o);
  }
  return { keep, refused };
}

/**
 * Pulls what a remote collection added since the last pull (added_after, following `next`), and stores it as
 * contributions of the remote's partner organisation: TLP of the markings in the data, else the remote's default.
 * The state moves forward after each stored page, so an interrupted pull resumes where it stopped.
 * @example const report = await pullRemote(deps, remote, { timeoutMs: 30_000 })
 */
export async function pullRemote(deps: SyncDeps, remote: TaxiiRemoteRow, opts: ClientOptions = {}): Promise<PullReport> {
  const client = clientFor(remote, opts);
  const { viewer } = await partnerViewer(deps.db, remote.partner_org_id);
  let addedAfter = remote.added_after ?? undefined;
  let state = addedAfter;
  let next: string | undefined;
  const seenNext = new Set<string>();
  const issues: ParseIssue[] = [];
  let pages = 0;
  let fetched = 0;
  let stored = 0;
  let rejected = 0;
  let above = 0;
  try {
    for (; pages < MAX_PAGES; ) {
      const page = await client.getObjects({ addedAfter, limit: MAX_LIMIT, next });
      pages++;
      fetched += page.objects.length;
      const valid: StixObject[] = [];
      page.objects.forEach((obj, i) => {
        const errors = deps.validator.validateObject(obj, `page ${pages} objects[${i}]`);
        if (errors.length) {
          rejected++;
          if (issues.length < MAX_ISSUES) issues.push(...errors.slice(0, 1));
        } else valid.push(obj as StixObject);
      });
      const { keep, refused } = sortByTlp(valid, remote);
      above += refused.length;
      if (keep.length) {
        const report = await deps.ingest.ingestParsed(
          viewer,
          { format: 'stix', objects: keep, errors: [], warnings: [], tlp: remote.default_tlp },
          { format: 'stix', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: true, source: 'taxii' },
        );
        if (report.status !== 'done') throw new Error(`storing page ${pages} failed: ${report.errors[0]?.reason ?? report.status}`);
        stored += keep.length;
      }
      // While following `next`, added_after stays that of the query the token belongs to; the state moves on.
      const last = page.dateAddedLast;
      if (last && isTimestamp(last) && (state === undefined || timestampMicros(last) > timestampMicros(state))) {
        await saveAddedAfter(deps.db, remote.id, last);
        state = last;
      }
      if (page.more && page.next) {
        if (seenNext.has(page.next)) throw new Error(`the remote repeated a next token; stopped after ${pages} pages`);
        seenNext.add(page.next);
        next = page.next;
        continue;
      }
      // A server that pages by added_after only: continue from the last date it reported, if it moved.
      if (page.more && last && isTimestamp(last) && last !== addedAfter && page.objects.length > 0) {
        addedAfter = last;
        next = undefined;
        continue;
      }
      break;
    }
  } catch (err) {
    await recordPull(deps.db, remote.id, { count: stored, error: (err as Error).message.slice(0, 1000) }).catch(() => {});
    throw err;
  }
  await recordPull(deps.db, remote.id, { count: stored, error: null });
  return { remote: remote.name, pages, fetched, stored, rejected, above_agreed_tlp: above, added_after: state ?? null, issues };
}

function decodeCursor(text: string | undefined): PageCursor | undefined {
  if (!text) return undefined;
  const [t, s] = text.split('|');
  return t && s && isTimestamp(t) && /^\d+$/.test(s) ? { t, s: Number(s) } : undefined;
}

/**
 * Pushes what a local collection holds for the remote's partner organisation, under the federation ceiling
 * (nothing above AMBER, never AMBER+STRICT or RED), from where the last push stopped.
 * @example await pushRemote(deps, remote, MEMBERS_COLLECTION_ID)
 */
export async function pushRemote(deps: SyncDeps, remote: TaxiiRemoteRow, collectionId: string, opts: ClientOptions & { batch?: number } = {}): Promise<PushReport> {
  const { viewer } = await partnerViewer(deps.db, remote.partner_org_id);
  const collection = await findCollection(deps.db, viewer, collectionId, true);
  if (!collection) throw new Error(`collection ${collectionId} is unknown or not readable by the partner organisation of remote ${remote.name}`);
  const client = clientFor(remote, opts);
  // What the remote itself sent (its partner organisation's contributions) is never sent back to it (issue 11.6).
  const inCollection = (alias: string) =>
    sql<boolean>`(${collectionContribution(viewer, collection, alias, { federation: true })} and ${sql.ref(`${alias}.org_id`)} <> ${remote.partner_org_id})`;
  const batch = Math.min(opts.batch ?? 500, MAX_LIMIT);
  let after = decodeCursor(await findPushCursor(deps.db, remote.id, collection.id));
  const totals = { posted: 0, succeeded: 0, failed: 0, pending: 0 };
  for (;;) {
    const { rows, json, resume } = await pageEntries(deps.db, {
      viewer,
      inCollection,
      filter: { addedAfter: undefined, ids: [], types: [], versions: { first: false, last: true, all: false, timestamps: [] }, specVersions: undefined },
      after,
      limit: batch,
      withJson: true,
    });
    if (rows.length > 0) {
      const status = await client.addObjects(json);
      totals.posted += rows.length;
      totals.succeeded += status.success_count;
      totals.failed += status.failure_count;
      totals.pending += status.pending_count;
    }
    const last = rows[rows.length - 1];
    const position = resume ?? (last ? { t: last.date_added, s: last.seq } : undefined);
    if (position) {
      after = position;
      await savePushCursor(deps.db, remote.id, collection.id, `${position.t}|${position.s}`, rows.length);
    }
    if (!resume) break;
  }
  await appendAudit(deps.db, [{ action: 'taxii.push', targetType: 'taxii_remote', targetId: remote.id, via: 'taxii', details: { remote: remote.name, collection: collection.id, ...totals } }]);
  return { remote: remote.name, collection: collection.id, ...totals };
}
