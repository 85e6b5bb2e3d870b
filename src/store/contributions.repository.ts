import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { columns, pgArray } from './pg-array.ts';
import { COPY_COLUMNS, contributionColumns, contributionLines, type PrebuiltContent } from './contribution-columns.ts';
import { copyBuffer, copyLine, copyRows } from '../db/copy.ts';
import { unnestRows } from './unnest-rows.ts';
import { scopeKey, type ContributionRecord, type EdgeRecord, type ObjectRecord } from './object-row.ts';
import { LINE_CONTRIBUTION_BASE } from './feed-line.ts';


// Contribution ids from this one on are feed lines' (feed-line.ts), as SQL text.
const LINE_CID_BASE = String(LINE_CONTRIBUTION_BASE);
/** A stored contribution as the index, hooks and presenters need it. */
export interface StoredContribution {
  readonly id: number;
  readonly object_id: string;
  readonly org_id: string;
  readonly user_id: string | null;
  readonly tlp: ContributionRecord['tlp'];
  readonly anonymous: boolean;
  readonly allow_count: boolean;
  readonly recipient_orgs: readonly string[];
  readonly recipient_groups: readonly string[];
  readonly recipient_users: readonly string[];
  readonly scope_key: string;
  /** A new contribution (this organisation had not shared the object to this audience). */
  readonly inserted: boolean;
  /** An existing contribution whose content this write replaced by a newer version. */
  readonly changed: boolean;
}

/** One contribution to write with the content it carries. */
export interface ContributionWrite {
  readonly contribution: ContributionRecord;
  readonly record: ObjectRecord;
  /** 2: the hub's explicit version, 1: the owner's, 0: another organisation's. */
  readonly ownerRank: number;
  /** Content made by an importer (a feed line's indicator): a re-import keeps the first content. */
  readonly keepContent: boolean;
  /** False when this batch registered the object: it can have no earlier contribution (no look-up). */
  readonly known?: boolean;
}

// A newer version: a later `modified`; for SCOs (no `modified`) different content. Same `modified` with
// other content is not a new version (STIX: id and modified name one content): the first stays.
const newer = sql`(not x.keep and (
    (x.modified is not null and (p.modified is null or cast(x.modified as timestamptz) > p.modified))
    or (x.modified is null and p.modified is null and x.content_hash <> p.content_hash)))`;

/**
 * The last_seen of a contribution (alias `c`): a re-ingest keeps the newer one in contribution_seen_runs (a row per
 * run of contribution ids seen at one time).
 * @example db.selectFrom('contributions as c').select(lastSeen('c').as('last_seen'))
 */
export function lastSeen(alias: string): RawBuilder<Date> {
  const c = sql.ref(alias);
  return sql<Date>`greatest(${sql.ref(`${alias}.last_seen`)}, (select max(s.last_seen) from contribution_seen_runs s where s.ids @> ${c}.id))`;
}

/** A contribution to keep if it is unchanged: its owner rank, when null, is read from the id registry where it matters. */
export type KeepCandidate = Omit<ContributionWrite, 'ownerRank' | 'known'> & { readonly ownerRank: number | null };

/** How upsertContributions writes. */
export interface UpsertOptions {
  /** The caller found the unchanged ones already (keepUnchanged): the known rest is written without looking again. */
  readonly unchangedChecked?: boolean;
  /** Contribution ids and sequence numbers taken already (in increasing order), used for new contributions when enough. */
  readonly reserved?: { readonly ids: readonly number[]; readonly seqs: readonly number[] };
}

/**
 * Adds contributions with their content, or, for one the organisation already made to the same audience,
 * moves last_seen (and first_seen back) and takes a newer version (by `modified`; SCOs by content), keeping
 * the replaced content in stix_versions. Re-ingesting is idempotent; what changed is reported per row.
 * A contribution that exists and is not replaced (a feed sent again) is only touched, in the same statement
 * that finds it: a later last_seen goes to a row per run of contribution ids seen at that time (contribution_seen_runs); only when first_seen,
 * confidence, PAP or owner rank move is the contribution row itself updated (issue 17).
 */
export async function upsertContributions(db: Kysely<Database>, writes: readonly ContributionWrite[], pre?: PrebuiltContent, opts: UpsertOptions = {}): Promise<StoredContribution[]> {
  if (writes.length === 0) return [];
  const known = writes.filter((w) => w.known !== false);
  const added = await insertContributions(db, known.length === writes.length ? [] : known.length === 0 ? writes : writes.filter((w) => w.known === false), pre, opts.reserved);
  if (known.length === 0) return added;
  if (opts.unchangedChecked) return [...added, ...(await writeContributions(db, known))];
  const { kept, rest } = await keepUnchanged(db, known);
  return [...added, ...kept, ...(await writeContributions(db, rest))];
}

/**
 * Finds which of these contributions exist and stay as they are, and touches them (see upsertContributions);
 * the others are given back to be written. One statement, a probe of the contributions' key per row.
 */
export async function keepUnchanged<W extends KeepCandidate>(db: Kysely<Database>, known: readonly W[], opts: { readonly lines?: boolean } = {}): Promise<{ kept: StoredContribution[]; rest: W[] }> {
  if (known.length === 0) return { kept: [], rest: [] };
  // What the rows of an ingest share (organisation, audience, times, options) goes once (unnestRows).
  const x = unnestRows(
    known,
    {
      object_id: { type: 'text', pick: (w) => w.contribution.objectId },
      org_id: { type: 'uuid', pick: (w) => w.contribution.orgId },
      scope_key: { type: 'text', pick: (w) => scopeKey(w.contribution) },
      user_id: { type: 'uuid', pick: (w) => w.contribution.userId },
      modified: { type: 'timestamptz', pick: (w) => w.record.modified },
      // Versions are told apart by `modified` (see newer): only objects without one are hashed to compare.
      content_hash: { type: 'text', pick: (w) => (w.record.modified === null ? w.record.contentHash : null) },
      keep: { type: 'boolean', pick: (w) => w.keepContent },
      first_seen: { type: 'timestamptz', pick: (w) => w.contribution.firstSeen },
      last_seen: { type: 'timestamptz', pick: (w) => w.contribution.lastSeen },
      confidence: { type: 'smallint', pick: (w) => w.contribution.confidence },
      pap: { type: 'text', pick: (w) => w.contribution.pap },
      owner_rank: { type: 'smallint', pick: (w) => w.ownerRank },
    },
    'x',
  );
  // Which of them exist and stay as they are (the same check the full write makes, on the same rows), and
  // their touch: rows whose values would not move are not written at all (no new tuple, no index entries).
  // Feed lines' contributions (docs/design/feed-lines.md) are found through the views when the hub may have any: a
  // line seen again is touched like a stored contribution (the runs take its derived ids), and one whose
  // first_seen, confidence or PAP moves is updated in place (its three contributions share them); one whose owner
  // rank would rise is given back, to be promoted and written the stored way.
  const [contributions, registry] = opts.lines ? [sql`contributions`, sql`stix_objects`] : [sql`contributions_stored`, sql`stix_objects_stored`];
  // An owner rank not given is the registry's (the owner's contribution, or one without owner, ranks 1), read only
  // where it could raise the stored one.
  const rank = sql`coalesce(x.owner_rank, case when p.owner_rank >= 1 then p.owner_rank
    else (select case when o.owner_org_id is null or o.owner_org_id = x.org_id then 1 else 0 end from ${registry} o where o.id = x.object_id) end)`;
  // What was seen again (`seen`: later and not moved) goes to contribution_seen_runs in a second statement, its runs
  // made here (seenRuns): the same rows kessetsu_seen (migration 2026-12-06T09-00) would write, without its three
  // sorts of every id on the database (a quarter of this statement on PGlite's thread, issue 17).
  // What moves is written by a statement of its own, only when a row moves (touchMoved): a re-import moves nothing,
  // and the statement's rows are then read once, not kept for two updates to scan (issue 17: a tenth of the look-up).
  // Only what the caller cannot know is read back: the contribution's id, who first made it and whether it counts
  // (the rest of the key, the audience, is the candidate's own: same object, organisation and scope key). As one row
  // of array texts, not a row per contribution (issue 17: a re-import's 5,000 result rows were parsed one by one).
  // Who first made it is written out only when it is not the candidate's user (NULL: the same; "": nobody).
  const same = await sql<{ i: string | null; id: string | null; user_id: string | null; allow_count: string | null; seen: string | null; moved: string | null; moved_rank: string | null }>`
    with m as (
      select x.i, ${rank} as x_owner_rank, p.id, p.allow_count,
        case when p.user_id is not distinct from x.user_id then null else coalesce(cast(p.user_id as text), '') end as user_id,
        p.last_seen < x.last_seen as later,
        (p.first_seen > x.first_seen or (x.confidence is not null and x.confidence is distinct from p.confidence)
          or (x.pap is not null and x.pap is distinct from p.pap) or ${rank} > p.owner_rank) as moves
      from ${x}
      cross join lateral (
        select p.id, p.user_id, p.allow_count, p.modified, p.content_hash, p.owner_rank, p.first_seen, p.last_seen, p.confidence, p.pap
        from ${contributions} p where p.object_id = x.object_id and p.org_id = x.org_id and p.scope_key = x.scope_key limit 1) p
      where not coalesce(${newer}, false) and not (p.id >= ${sql.raw(LINE_CID_BASE)} and ${rank} > p.owner_rank)
    )
    select cast(array_agg(m.i) as text) as i, cast(array_agg(m.id) as text) as id, cast(array_agg(m.user_id) as text) as user_id,
      cast(array_agg(m.allow_count) as text) as allow_count, cast(array_agg(m.later and not m.moves) as text) as seen,
      cast(array_agg(m.i) filter (where m.moves) as text) as moved, cast(array_agg(m.x_owner_rank) filter (where m.moves) as text) as moved_rank
    from m`.execute(db);
  const r = same.rows[0];
  if (!r || r.i === null) return { kept: [], rest: [...known] };
  // Array texts of numbers, uuids (or NULL) and booleans: none is quoted.
  const items = (text: string | null): string[] => (text === null || text === '{}' ? [] : text.slice(1, -1).split(','));
  const [places, ids, users, counts, seen] = [items(r.i), items(r.id), items(r.user_id), items(r.allow_count), items(r.seen)];
  const touched = new Set<W>();
  const seenAgain: SeenContribution[] = [];
  for (let k = 0; k < places.length; k++) {
    if (seen[k] === 't') seenAgain.push({ id: Number(ids[k]), seen: new Date(known[Number(places[k]) - 1]!.contribution.lastSeen).getTime() });
  }
  await recordSeenRuns(db, seenRuns(seenAgain));
  const moved = items(r.moved);
  if (moved.length > 0) {
    const idAt = new Map(places.map((place, k) => [place, Number(ids[k])]));
    const ranks = items(r.moved_rank);
    await touchMoved(db, moved.map((place, k) => ({ id: idAt.get(place)!, contribution: known[Number(place) - 1]!.contribution, ownerRank: ranks[k] === 'NULL' ? null : Number(ranks[k]) })));
  }
  const kept = places.map((place, k): StoredContribution => {
    const w = known[Number(place) - 1]!;
    touched.add(w);
    const c = w.contribution;
    const user = users[k]!;
    return {
      id: Number(ids[k]), object_id: c.objectId, org_id: c.orgId, user_id: user === 'NULL' ? c.userId : user === '""' ? null : user, tlp: c.tlp, anonymous: c.anonymous, allow_count: counts[k] === 't',
      recipient_orgs: c.recipientOrgs, recipient_groups: c.recipientGroups, recipient_users: c.recipientUsers, scope_key: scopeKey(c),
      inserted: false, changed: false,
    };
  });
  return { kept, rest: touched.size === known.length ? [] : known.filter((w) => !touched.has(w)) };
}

/** A kept contribution whose first_seen, confidence, PAP or owner rank moves: its id, the candidate's values, the rank. */
interface MovedContribution {
  readonly id: number;
  readonly contribution: ContributionRecord;
  /** NULL when the registry has no owner to rank by: the stored rank stays. */
  readonly ownerRank: number | null;
}

// The kept contributions that move, updated in place (keepUnchanged): a stored one's own row, a feed line's line (its
// three contributions share first_seen, last_seen, confidence and PAP). last_seen moves with them (not as a run).
async function touchMoved(db: Kysely<Database>, moved: readonly MovedContribution[]): Promise<void> {
  const v = unnestRows(
    moved,
    {
      id: { type: 'bigint', pick: (m) => m.id },
      first_seen: { type: 'timestamptz', pick: (m) => m.contribution.firstSeen },
      last_seen: { type: 'timestamptz', pick: (m) => m.contribution.lastSeen },
      confidence: { type: 'smallint', pick: (m) => m.contribution.confidence },
      pap: { type: 'text', pick: (m) => m.contribution.pap },
      owner_rank: { type: 'smallint', pick: (m) => m.ownerRank },
    },
    'v',
  );
  await sql`
    with v as (select * from ${v}), touched_lines as (
      update feed_lines l set
        last_seen = greatest(l.last_seen, v.last_seen), first_seen = least(l.first_seen, v.first_seen),
        confidence = coalesce(v.confidence, l.confidence), pap = coalesce(v.pap, l.pap)
      from v where v.id >= ${sql.raw(LINE_CID_BASE)} and l.id = (v.id - ${sql.raw(LINE_CID_BASE)}) / 4
      returning l.id
    )
    update contributions_stored c set
      last_seen = greatest(c.last_seen, v.last_seen), first_seen = least(c.first_seen, v.first_seen),
      confidence = coalesce(v.confidence, c.confidence), pap = coalesce(v.pap, c.pap), owner_rank = greatest(c.owner_rank, v.owner_rank)
    from v where c.id = v.id`.execute(db);
}

/** A contribution seen again: its id and the time (epoch milliseconds). */
export interface SeenContribution {
  readonly id: number;
  readonly seen: number;
}

/** A run of contribution ids seen at one time: [lo, hi], both ids of contributions seen. */
export interface SeenRun {
  readonly lo: number;
  readonly hi: number;
  readonly seen: number;
}

/**
 * The runs contribution_seen_runs holds for these contributions (as kessetsu_seen makes them, migration
 * 2026-12-06T09-00): by time and kind (stored, or a feed line's), each a longest stretch of consecutive positions — a
 * stored contribution's id, or 3 × line + kind for a line's three contributions (id 2^50 + 4 × line + kind), so that
 * the next line's first follows the last one's third. Duplicates count once.
 * @example seenRuns([{ id: 7, seen: t }, { id: 8, seen: t }, { id: 10, seen: t }]) // [{ lo: 7, hi: 8, seen: t }, { lo: 10, hi: 10, seen: t }]
 */
export function seenRuns(items: readonly SeenContribution[]): SeenRun[] {
  const pos = (id: number): number => (id >= LINE_CONTRIBUTION_BASE ? Math.floor((id - LINE_CONTRIBUTION_BASE) / 4) * 3 + ((id - LINE_CONTRIBUTION_BASE) % 4) : id);
  const groups = new Map<string, number[]>();
  for (const { id, seen } of items) {
    const key = `${seen}|${id >= LINE_CONTRIBUTION_BASE ? 1 : 0}`;
    const ids = groups.get(key);
    if (ids) ids.push(id);
    else groups.set(key, [id]);
  }
  const runs: SeenRun[] = [];
  for (const [key, ids] of groups) {
    const seen = Number(key.slice(0, key.indexOf('|')));
    ids.sort((a, b) => a - b);
    let lo = ids[0]!;
    let hi = lo;
    for (let i = 1; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === hi) continue;
      if (pos(id) !== pos(hi) + 1) {
        runs.push({ lo, hi, seen });
        lo = id;
      }
      hi = id;
    }
    runs.push({ lo, hi, seen });
  }
  return runs;
}

/**
 * Writes runs of contributions seen again: a stored run that a newer one holds is deleted, and a run that an older or
 * equal one of the same ids holds is not written (kessetsu_seen's rules, migration 2026-12-06T09-00).
 */
async function recordSeenRuns(db: Kysely<Database>, runs: readonly SeenRun[]): Promise<void> {
  if (!runs.length) return;
  await sql`
    with n as (select int8range(u.lo, u.hi, '[]') as ids, u.seen as last_seen
      from unnest(cast(${pgArray(runs.map((r) => r.lo))} as bigint[]), cast(${pgArray(runs.map((r) => r.hi))} as bigint[]),
        cast(${pgArray(runs.map((r) => new Date(r.seen).toISOString()))} as timestamptz[])) as u(lo, hi, seen)),
    gone as (delete from contribution_seen_runs r using n where r.ids <@ n.ids and r.last_seen < n.last_seen)
    insert into contribution_seen_runs (ids, last_seen)
    select n.ids, n.last_seen from n
    where not exists (select 1 from contribution_seen_runs r where r.ids @> n.ids and r.last_seen >= n.last_seen)`.execute(db);
}

/**
 * Inserts the contributions of objects this batch registered (under the write lock, so none can exist yet) by
 * COPY, with ids and sequence numbers taken first: the server parses one text stream, with no look-up of earlier
 * contributions, no speculative insert and no array literals (a third less of its CPU than an insert from
 * unnest in psql, 90,000 rows; issue 17).
 */
async function insertContributions(db: Kysely<Database>, writes: readonly ContributionWrite[], pre?: PrebuiltContent, reserved?: UpsertOptions['reserved']): Promise<StoredContribution[]> {
  if (writes.length === 0) return [];
  const { ids, seqs } = reserved && reserved.ids.length >= writes.length ? reserved : await takeIds(db, writes.length);
  await copyRows(db, 'contributions_stored', COPY_COLUMNS, contributionLines(writes, ids, seqs, pre));
  return writes.map((w, i) => {
    const c = w.contribution;
    return {
      id: ids[i]!, object_id: c.objectId, org_id: c.orgId, user_id: c.userId, tlp: c.tlp, anonymous: c.anonymous, allow_count: c.allowCount,
      recipient_orgs: c.recipientOrgs, recipient_groups: c.recipientGroups, recipient_users: c.recipientUsers, scope_key: scopeKey(c),
      inserted: true, changed: false,
    };
  });
}

/**
 * A query of n new contributions' ids and sequence numbers (columns id, seq), for takeIds and the id registry's
 * reservation. The identity's sequence is looked up once (an uncorrelated subquery), not per row.
 * @example sql`select array_agg(r.id) from (${newContributionIds(5000)}) r`
 */
export function newContributionIds(n: number): RawBuilder<unknown> {
  return sql`select nextval((select cast(pg_get_serial_sequence('contributions_stored', 'id') as regclass))) as id, nextval('change_seq') as seq
    from generate_series(1, ${n})`;
}

/** Contribution ids and sequence numbers for n new rows, both in increasing order. */
async function takeIds(db: Kysely<Database>, n: number): Promise<{ ids: number[]; seqs: number[] }> {
  const r = await sql<{ id: number | string; seq: number | string }>`${newContributionIds(n)}`.execute(db);
  const ids = r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
  const seqs = r.rows.map((x) => Number(x.seq)).sort((a, b) => a - b);
  return { ids, seqs };
}

/** Writes contributions with their content in one statement (new ones, newer versions, and the rest). */
async function writeContributions(db: Kysely<Database>, writes: readonly ContributionWrite[]): Promise<StoredContribution[]> {
  if (writes.length === 0) return [];
  const a = contributionColumns(writes);
  const rows = await sql<StoredContribution>`
    with x as (
      select * from unnest(cast(${a.object_id} as text[]), cast(${a.org_id} as uuid[]), cast(${a.user_id} as uuid[]), cast(${a.ingest_id} as uuid[]),
        cast(${a.tlp} as text[]), cast(${a.tlp_rank} as smallint[]), cast(${a.pap} as text[]), cast(${a.anonymous} as boolean[]), cast(${a.allow_count} as boolean[]),
        cast(${a.confidence} as smallint[]), cast(${a.recipient_orgs} as text[]), cast(${a.recipient_groups} as text[]), cast(${a.recipient_users} as text[]),
        cast(${a.scope_key} as text[]), cast(${a.first_seen} as timestamptz[]), cast(${a.last_seen} as timestamptz[]), cast(${a.data} as text[]),
        cast(${a.modified} as text[]), cast(${a.revoked} as boolean[]), cast(${a.name} as text[]), cast(${a.valid_until} as timestamptz[]),
        cast(${a.pattern_usable} as boolean[]), cast(${a.content_hash} as text[]), cast(${a.owner_rank} as smallint[]), cast(${a.keep} as boolean[]),
        cast(${a.known} as boolean[]))
        as x(object_id, org_id, user_id, ingest_id, tlp, tlp_rank, pap, anonymous, allow_count, confidence, recipient_orgs, recipient_groups, recipient_users,
          scope_key, first_seen, last_seen, data, modified, revoked, name, valid_until, pattern_usable, content_hash, owner_rank, keep, known)
    ), p as (
      -- Objects registered by this very batch have no contributions yet: only the others are looked up.
      select c.id, c.object_id, c.org_id, c.scope_key, c.modified, c.modified_text, c.data, c.content_hash, c.seq, c.updated_at
      from x cross join lateral (select * from contributions_stored c where c.object_id = x.object_id and c.org_id = x.org_id and c.scope_key = x.scope_key limit 1) c
      where x.known
    ), y as (
      select x.*, p.id as prev_id, coalesce(${newer}, false) as is_newer from x left join p on p.object_id = x.object_id and p.org_id = x.org_id and p.scope_key = x.scope_key
    ), up as (
      insert into contributions_stored as c (object_id, org_id, user_id, ingest_id, tlp, tlp_rank, pap, anonymous, allow_count, confidence,
        recipient_orgs, recipient_groups, recipient_users, scope_key, first_seen, last_seen, seq,
        data, modified, modified_text, revoked, name, valid_until, pattern_usable, content_hash, owner_rank)
      select y.object_id, y.org_id, y.user_id, y.ingest_id, y.tlp, y.tlp_rank, y.pap, y.anonymous, y.allow_count, y.confidence,
        cast(y.recipient_orgs as uuid[]), cast(y.recipient_groups as uuid[]), cast(y.recipient_users as uuid[]), y.scope_key, y.first_seen, y.last_seen,
        case when y.prev_id is null or y.is_newer then nextval('change_seq') else 0 end,
        cast(y.data as jsonb), cast(y.modified as timestamptz), y.modified, y.revoked, y.name, y.valid_until, y.pattern_usable, y.content_hash, y.owner_rank
      from y
      on conflict (object_id, org_id, scope_key) do update set
        last_seen = greatest(c.last_seen, excluded.last_seen),
        first_seen = least(c.first_seen, excluded.first_seen),
        confidence = coalesce(excluded.confidence, c.confidence),
        pap = coalesce(excluded.pap, c.pap),
        owner_rank = greatest(c.owner_rank, excluded.owner_rank),
        seq = case when excluded.seq > 0 then excluded.seq else c.seq end,
        updated_at = case when excluded.seq > 0 then clock_timestamp() else c.updated_at end,
        data = case when excluded.seq > 0 then excluded.data else c.data end,
        modified = case when excluded.seq > 0 then excluded.modified else c.modified end,
        modified_text = case when excluded.seq > 0 then excluded.modified_text else c.modified_text end,
        revoked = case when excluded.seq > 0 then excluded.revoked else c.revoked end,
        name = case when excluded.seq > 0 then excluded.name else c.name end,
        valid_until = case when excluded.seq > 0 then excluded.valid_until else c.valid_until end,
        pattern_usable = case when excluded.seq > 0 then excluded.pattern_usable else c.pattern_usable end,
        content_hash = case when excluded.seq > 0 then excluded.content_hash else c.content_hash end,
        ingest_id = case when excluded.seq > 0 then excluded.ingest_id else c.ingest_id end
      returning c.id, c.object_id, c.org_id, c.user_id, c.tlp, c.anonymous, c.allow_count, c.recipient_orgs, c.recipient_groups, c.recipient_users,
        c.scope_key, (xmax = 0) as inserted
    ), hist as (
      insert into stix_versions (contribution_id, object_id, modified, modified_text, data, content_hash, seq, added_at)
      select p.id, p.object_id, p.modified, p.modified_text, p.data, p.content_hash, p.seq, p.updated_at
      from p join y on y.prev_id = p.id where y.is_newer
    )
    select up.*, coalesce(y.is_newer, false) as changed
    from up left join y on y.prev_id = up.id`.execute(db);
  return rows.rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * The COPY lines of object_keys for a contribution, without its id (each line is the id followed by one of these):
 * built ahead of the write, while the batch before is on the server (issue 17).
 */
export function keyTails(objectId: string, keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const k of keys.length > 1 ? new Set(keys) : keys) out.push(copyLine(['', objectId, k]));
  return out;
}

/** The COPY lines of object_edges for a contribution, without its id (see keyTails): once per (source, target, label). */
export function edgeTails(edges: readonly EdgeRecord[]): string[] {
  const out: string[] = [];
  const seen = edges.length > 1 ? new Set<string>() : undefined;
  for (const e of edges) {
    if (seen) {
      const k = `${e.sourceId}\u0000${e.targetId}\u0000${e.label}`;
      if (seen.has(k)) continue;
      seen.add(k);
    }
    out.push(copyLine(['', e.sourceId, e.targetId, e.viaId, e.kind, e.label]));
  }
  return out;
}

// COPY lines of new contributions: each tail (built ahead, perhaps encoded, or now) after the contribution's id.
function tailLines(items: readonly { contributionId: number; replace: boolean; tails?: readonly (string | Uint8Array)[] }[], tailsOf: (i: number) => readonly string[]): Buffer {
  const pieces: (string | Uint8Array)[] = [];
  items.forEach((item, n) => {
    if (item.replace) return;
    const id = String(item.contributionId);
    for (const t of item.tails ?? tailsOf(n)) pieces.push(id, t);
  });
  return copyBuffer(pieces);
}

/** Replaces the observable keys of contributions whose content is new or changed (`tails`: keyTails built ahead). */
export async function replaceKeys(db: Kysely<Database>, items: readonly { contributionId: number; objectId: string; keys: readonly string[]; replace: boolean; tails?: readonly string[] }[]): Promise<void> {
  const replaced = items.filter((i) => i.replace).map((i) => i.contributionId);
  if (replaced.length) await db.deleteFrom('object_keys_stored').where('contribution_id', 'in', replaced).execute();
  // Keys of new contributions cannot exist yet: they are copied (issue 17).
  await copyRows(db, 'object_keys_stored', ['contribution_id', 'object_id', 'key'], tailLines(items, (n) => keyTails(items[n]!.objectId, items[n]!.keys)));
  const triples = items.filter((i) => i.replace).flatMap((i) => [...new Set(i.keys)].map((k) => ({ c: i.contributionId, o: i.objectId, k })));
  if (triples.length === 0) return;
  const a = columns(triples, { c: (t) => t.c, o: (t) => t.o, k: (t) => t.k });
  await sql`insert into object_keys_stored (contribution_id, object_id, key)
    select x.c, x.o, x.k from unnest(cast(${a.c} as bigint[]), cast(${a.o} as text[]), cast(${a.k} as text[])) as x(c, o, k)
    on conflict do nothing`.execute(db);
}

/** Replaces the graph edges of contributions whose content is new or changed (`tails`: edgeTails built ahead). */
export async function replaceEdges(db: Kysely<Database>, items: readonly { contributionId: number; edges: readonly EdgeRecord[]; replace: boolean; tails?: readonly string[] }[]): Promise<void> {
  const replaced = items.filter((i) => i.replace).map((i) => i.contributionId);
  if (replaced.length) await db.deleteFrom('object_edges_stored').where('contribution_id', 'in', replaced).execute();
  // Edges of new contributions cannot exist yet: they are copied, once per (source, target, label) as the key wants.
  await copyRows(db, 'object_edges_stored', ['contribution_id', 'source_id', 'target_id', 'via_id', 'kind', 'label'], tailLines(items, (n) => edgeTails(items[n]!.edges)));
  const rows = items.filter((i) => i.replace).flatMap((i) => i.edges.map((e) => ({ c: i.contributionId, s: e.sourceId, t: e.targetId, v: e.viaId, k: e.kind, l: e.label })));
  if (rows.length === 0) return;
  const a = columns(rows, { c: (r) => r.c, s: (r) => r.s, t: (r) => r.t, v: (r) => r.v, k: (r) => r.k, l: (r) => r.l });
  await sql`insert into object_edges_stored (contribution_id, source_id, target_id, via_id, kind, label)
    select x.c, x.s, x.t, x.v, x.k, x.l
    from unnest(cast(${a.c} as bigint[]), cast(${a.s} as text[]), cast(${a.t} as text[]), cast(${a.v} as text[]), cast(${a.k} as text[]), cast(${a.l} as text[])) as x(c, s, t, v, k, l)
    on conflict do nothing`.execute(db);
}

/**
 * Recomputes which contributions of these objects are not the highest-ranked (see headContribution in the
 * access policy). When any flag of an object flips, all its contributions get new sequence numbers, so the
 * lookup index re-reads the object's versions together.
 */
export async function markSuperseded(db: Kysely<Database>, objectIds: readonly string[]): Promise<number> {
  if (objectIds.length === 0) return 0;
  // Ranked over the contributions view: an observable's contributions may be feed lines' (docs/design/feed-lines.md
  // section 3), whose flag and number are the line's sco_sup and sco_seq (their indicators and relationships have no
  // other contribution: a stored write of one promotes the line first).
  const res = await sql<{ n: string | number }>`
    with r as (
      select id, object_id, superseded,
        row_number() over (partition by object_id order by owner_rank desc, modified desc nulls last, tlp_rank asc, id asc) > 1 as sup
      from contributions where object_id = any(cast(${pgArray(objectIds)} as text[]))
    ), flipped as (select distinct object_id from r where superseded <> sup),
    moved as (select r.id, r.object_id, r.sup from r join flipped f on f.object_id = r.object_id),
    stored as (
      update contributions_stored c set superseded = m.sup, seq = nextval('change_seq')
      from moved m where m.id = c.id
      returning 1
    ), lines as (
      update feed_lines l set sco_sup = m.sup, sco_seq = nextval('change_seq')
      from moved m where m.id = ${sql.raw(LINE_SCO_CID)} and m.object_id = l.sco_id
      returning 1
    )
    select (select count(*) from stored) + (select count(*) from lines) as n`.execute(db);
  return Number(res.rows[0]?.n ?? 0);
}

// A line's observable contribution id (migration 2026-12-06T03-00: the same text as feed_lines_cid1_idx's expression).
const LINE_SCO_CID = `(${LINE_CID_BASE} + l.id * 4 + 1)`;

/** Sequence numbers and clock readings taken now, in order (for history written later in the transaction). */
export async function takeStamps(db: Kysely<Database>, n: number): Promise<{ seq: number; at: Date }[]> {
  const r = await sql<{ seq: number; at: Date }>`select nextval('change_seq') as seq, clock_timestamp() as at from generate_series(1, ${n})`.execute(db);
  return r.rows;
}

/** Earlier versions of contributions that came in one batch with a newer one (a version already kept is skipped). */
export async function insertHistory(db: Kysely<Database>, rows: readonly { contributionId: number; record: ObjectRecord; seq: number; at: Date }[]): Promise<void> {
  if (rows.length === 0) return;
  const payload = JSON.stringify(
    rows.map((r) => ({ c: r.contributionId, o: r.record.id, m: r.record.modified, d: r.record.data, h: r.record.contentHash, s: r.seq, a: r.at })),
  );
  await sql`insert into stix_versions (contribution_id, object_id, modified, modified_text, data, content_hash, seq, added_at)
    select x.c, x.o, cast(x.m as timestamptz), x.m, x.d, x.h, x.s, x.a
    from jsonb_to_recordset(cast(${payload} as jsonb)) as x(c bigint, o text, m text, d jsonb, h text, s bigint, a timestamptz)
    where not exists (select 1 from stix_versions v where v.contribution_id = x.c and v.content_hash = x.h)
      and not exists (select 1 from contributions_stored c where c.id = x.c and c.content_hash = x.h)`.execute(db);
}
