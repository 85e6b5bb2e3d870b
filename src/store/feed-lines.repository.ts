import { sql, type Kysely, type RawBuilder } from 'kysely';
import { copyBuffer, copyField, copyRows } from '../db/copy.ts';
import { pgArray } from './pg-array.ts';
import type { Database } from '../db/schema.ts';
import { LINE_CONTRIBUTION_BASE, LINE_COPY_COLUMNS, LINE_SCO_TYPES, lineCopyRow, type FeedLine } from './feed-line.ts';
import { lockKnowledgeWrites } from './knowledge.writer.ts';
import { markSuperseded, type StoredContribution } from './contributions.repository.ts';
import { scopeKey } from './object-row.ts';

/**
 * Writes a first import's lines inside the caller's transaction, by COPY straight into feed_lines, and answers the
 * lines it refused, for the stored path: a line whose indicator is registered already (stored, or another line's: a
 * second audience of the same organisation and value), whose observable the organisation contributed already to the
 * same audience the stored way, or a second line of one indicator in the batch. Each line takes three consecutive
 * sequence numbers under the knowledge write lock (its indicator's, its observable's, its relationship's) and presents
 * the observable's registry row when neither a stored object nor another line does; an observable registered before
 * is ranked anew with the line's contribution (markSuperseded), as the stored path ranks it. Answers the lines written
 * with their ids (in their order), and the refused ones. `tails`: the lines' COPY rows (lineCopyRow), when built ahead
 * (encoded already: the batch waits for nothing but the rows' first columns once the probe has answered). `locked`:
 * the caller's transaction took the knowledge write lock already (an ingest takes it first): one round trip less a
 * batch, in which PGlite's thread waited for the main thread (issue 17). `probed`: which lines are refused and their
 * numbers were asked ahead, on another connection (probeLines; lines.ahead.ts), else they are asked here.
 * @example const { written, ids, refused } = await insertNewLines(trx, lines)
 */
export async function insertNewLines(trx: Kysely<Database>, lines: readonly FeedLine[], tails?: readonly (string | Uint8Array)[], opts: InsertLinesOptions = {}): Promise<LinesWritten> {
  if (lines.length === 0) return { written: [], ids: [], refused: [] };
  if (!opts.locked) await lockKnowledgeWrites(trx);
  let p = (await opts.probed) ?? (await probeLines(trx, lines));
  let seqs = numbersTaken(p.seqs, 3 * lines.length);
  // A probe made ahead took its numbers beside this transaction, which may have taken some of its own meanwhile (a
  // stored write of the batch before): if a line's three are not consecutive, the probe is made again here (the
  // numbers left are gaps, as a rolled-back insert leaves).
  if (opts.probed && !eachConsecutive(seqs)) {
    p = await probeLines(trx, lines);
    seqs = numbersTaken(p.seqs, 3 * lines.length);
  }
  const allIds = numbersTaken(p.ids, lines.length);
  // The write lock keeps every other writer from taking numbers meanwhile: each line's three are consecutive.
  if (!eachConsecutive(seqs)) throw new Error('feed lines: sequence numbers taken outside the knowledge write lock');
  const refusedAt = new Set((p.refused ?? []).map((n) => Number(n) - 1));
  // Registered before: its owner (null: none) ranks the line's contribution, as the stored path's owner rank does.
  const ownerOf = new Map((p.registered ?? []).map((id, k) => [id, p.owners?.[k] ?? null]));
  const at = p.at!.toISOString();
  const seen = new Set<string>();
  const presenter = new Map<string, string>();
  const refused: FeedLine[] = [];
  const written: FeedLine[] = [];
  const ids: number[] = [];
  // The COPY text as pieces written once into one buffer (a string built by += is flattened again to be sent).
  const pieces: (string | Uint8Array)[] = [];
  lines.forEach((l, i) => {
    if (refusedAt.has(i) || seen.has(l.indicatorId)) {
      refused.push(l);
      return;
    }
    seen.add(l.indicatorId);
    written.push(l);
    ids.push(allIds[i]!);
    const before = ownerOf.has(l.scoId);
    const presents = !before && !presenter.has(l.scoId);
    if (presents) presenter.set(l.scoId, l.audience.orgId);
    const owner = before ? (ownerOf.get(l.scoId) ?? null) : presenter.get(l.scoId)!;
    const owns = owner === null || owner === l.audience.orgId;
    pieces.push(`${allIds[i]}\t${seqs[3 * i]}\t${seqs[3 * i]! + 1}\t${at}\t${presents ? copyField(l.scoId) : '\\N'}\t${owns ? 't' : 'f'}\t`, tails?.[i] ?? lineCopyRow(l));
  });
  if (pieces.length) await copyRows(trx, 'feed_lines', ['id', 'seq', 'sco_seq', 'updated_at', 'sco_reg_id', 'sco_owner', ...LINE_COPY_COLUMNS], copyBuffer(pieces));
  // Observables contributed before, or by two lines of the batch, are ranked with every contribution they have.
  const count = new Map<string, number>();
  for (const l of written) count.set(l.scoId, (count.get(l.scoId) ?? 0) + 1);
  await markSuperseded(trx, [...count].filter(([id, n]) => n > 1 || ownerOf.has(id)).map(([id]) => id));
  return { written, ids, refused };
}

// Whether each line's three sequence numbers (seqs[3i], seqs[3i + 1], seqs[3i + 2]) follow one another.
function eachConsecutive(seqs: readonly number[]): boolean {
  for (let i = 0; i + 2 < seqs.length; i += 3) if (seqs[i + 1] !== seqs[i]! + 1 || seqs[i + 2] !== seqs[i]! + 2) return false;
  return true;
}

/** How insertNewLines is called (see there). */
export interface InsertLinesOptions {
  /** The caller's transaction took the knowledge write lock already. */
  readonly locked?: boolean;
  /**
   * The lines' probe, made ahead on another connection of the lock's holder (probeLines with the transaction's time):
   * exact only when none of the lines can meet a row the caller's transaction wrote (the caller knows; issue 17).
   */
  readonly probed?: Promise<LineProbe>;
}

/** What probeLines answers: the lines' fate and numbers, as SQL answers them (read by insertNewLines). */
export interface LineProbe {
  readonly refused: number[] | null;
  readonly registered: string[] | null;
  readonly owners: (string | null)[] | null;
  readonly at: Date | null;
  readonly seqs: (string | number)[] | null;
  readonly ids: (string | number)[] | null;
}

/**
 * One statement (insertNewLines' first): which lines cannot be lines, the owners of the observables registered before,
 * the write's time, and every line's id and three sequence numbers (a refused line's are gaps, as a rolled-back insert
 * leaves). Sees what `db` sees: in the writing transaction, its own rows too; on another connection (a probe made
 * ahead, `at` the writing transaction's time), the committed rows alone.
 * @example const probed = probeLines(sideDb, lines, at) // then insertNewLines(trx, lines, tails, { locked: true, probed })
 */
export async function probeLines(db: Kysely<Database>, lines: readonly FeedLine[], at?: Date): Promise<LineProbe> {
  const probe = await sql<LineProbe>`
    with x as (${probedLines(lines)})
    select r.refused, g.registered, g.owners, ${at ? sql`cast(${at.toISOString()} as timestamptz)` : sql`now()`} as at,
      (select ${TAKEN_NUMBERS} from (select nextval('change_seq') as s from generate_series(1, ${3 * lines.length})) n) as seqs,
      (select ${TAKEN_NUMBERS} from (select nextval((select cast(pg_get_serial_sequence('feed_lines', 'id') as regclass))) as s
        from generate_series(1, ${lines.length})) n) as ids
    from (
      -- One index probe per id each: scalar sub-queries, which the planner cannot turn into a hashed sub-plan that reads
      -- every line once a batch (as it did with EXISTS under OR: 55 ms a batch at 100,000 lines).
      select array_agg(x.n) as refused from x where (select true from stix_objects_stored o where o.id = x.ind limit 1)
        or (select true from feed_lines l where l.ind_id = x.ind limit 1)
        or (select true from contributions_stored c where c.object_id = x.sco and c.org_id = x.org and c.scope_key = x.scope limit 1)
    ) r, (
      select array_agg(s.id) as registered, array_agg(o.owner) as owners
      from (select distinct sco as id from x) s cross join lateral (
        select o.owner_org_id as owner from stix_objects_stored o where o.id = s.id
        union all select l.org_id from feed_lines l where l.sco_id = s.id and l.sco_reg_id is not null limit 1) o
    ) g`.execute(db);
  return probe.rows[0]!;
}

// The lines as the probe's rows (ind, sco, org, scope, n): a batch's lines mostly share one organisation and audience,
// given then once rather than as two arrays of the same text 1,667 times (~0.7 µs of a line's server time, issue 17).
function probedLines(lines: readonly FeedLine[]): RawBuilder<unknown> {
  const ind = pgArray(lines.map((l) => l.indicatorId));
  const sco = pgArray(lines.map((l) => l.scoId));
  const first = lines[0]!.audience;
  const scope = scopeKey(first);
  if (lines.every((l) => l.audience === first || (l.audience.orgId === first.orgId && scopeKey(l.audience) === scope))) {
    return sql`select x.ind, x.sco, cast(${first.orgId} as uuid) as org, cast(${scope} as text) as scope, x.n
      from unnest(cast(${ind} as text[]), cast(${sco} as text[])) with ordinality as x(ind, sco, n)`;
  }
  return sql`select * from unnest(cast(${ind} as text[]), cast(${sco} as text[]), cast(${pgArray(lines.map((l) => l.audience.orgId))} as uuid[]),
      cast(${pgArray(lines.map((l) => scopeKey(l.audience)))} as text[])) with ordinality as x(ind, sco, org, scope, n)`;
}

/**
 * The aggregate of the numbers a probe took from a sequence (column `s`), in order: their first alone when they are
 * consecutive (the knowledge write lock keeps every other writer from taking numbers meanwhile; takeStamps' callers
 * may not hold it), every one of them otherwise. A batch's 20,000 numbers as an array cost the importer ~1.4 KB of
 * garbage a line, parsed from text (issue 17). numbersTaken reads the answer.
 * @example sql`select ${TAKEN_NUMBERS} from (select nextval('change_seq') as s from generate_series(1, 3)) n`
 */
export const TAKEN_NUMBERS = sql.raw('case when max(s) - min(s) + 1 = count(*) then array[min(s)] else array_agg(s order by s) end');

/**
 * TAKEN_NUMBERS' answer as the `n` numbers it stands for.
 * @example numbersTaken(['41'], 3) // [41, 42, 43]
 */
export function numbersTaken(answer: readonly (string | number)[] | null, n: number): number[] {
  const got = answer ?? [];
  if (got.length === n) return got.map(Number);
  if (got.length !== 1) throw new Error(`feed lines: ${got.length} sequence numbers answered for ${n}`);
  const first = Number(got[0]);
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = first + k;
  return out;
}

/** What insertNewLines wrote and refused. */
export interface LinesWritten {
  readonly written: readonly FeedLine[];
  /** The written lines' ids, in their order. */
  readonly ids: readonly number[];
  /** Lines that must go the stored way (see insertNewLines). */
  readonly refused: readonly FeedLine[];
}

/**
 * The three contributions a line just written stands for, as the stored path answers its new contributions (the
 * ingest hooks' facts): the indicator's, the observable's and the relationship's, with their derived ids.
 * @example slice.contributions.push(...lineContributions(line, id))
 */
export function lineContributions(line: FeedLine, lineId: number): StoredContribution[] {
  const a = line.audience;
  const [ind, sco, rel] = lineContributionIds(lineId);
  const base = {
    org_id: a.orgId, user_id: a.userId, tlp: a.tlp, anonymous: a.anonymous, allow_count: a.allowCount, recipient_orgs: a.recipientOrgs,
    recipient_groups: a.recipientGroups, recipient_users: a.recipientUsers, scope_key: scopeKey(a), inserted: true, changed: false,
  };
  return [{ ...base, id: ind, object_id: line.indicatorId }, { ...base, id: sco, object_id: line.scoId }, { ...base, id: rel, object_id: line.relationshipId }];
}

/** Whether the store holds any feed line (a probe of the table's first row). */
export async function hasFeedLines(db: Kysely<Database>): Promise<boolean> {
  const r = await sql<{ any: boolean }>`select exists (select 1 from feed_lines) as any`.execute(db);
  return r.rows[0]!.any === true;
}

// The columns of the stored tables, as the views name them (migration 2026-12-06T03-00).
const CONTRIBUTION_COLUMNS = sql.raw(`id, object_id, org_id, user_id, ingest_id, tlp, tlp_rank, pap, anonymous, allow_count, confidence, recipient_orgs,
  recipient_groups, recipient_users, scope_key, first_seen, last_seen, seq, created_at, updated_at, data, modified, modified_text, revoked, name,
  valid_until, pattern_usable, content_hash, owner_rank, superseded`);
const REGISTRY_COLUMNS = sql.raw('id, type, spec_version, created, value, display, seq, added_at, owner_org_id');

/** The contribution ids a line presents: 2^50 + 4 × its id + 0 (indicator), 1 (observable), 2 (relationship). */
export function lineContributionIds(lineId: number): [number, number, number] {
  const base = LINE_CONTRIBUTION_BASE + 4 * lineId;
  return [base, base + 1, base + 2];
}

/**
 * Turns lines into the stored rows they present (docs/design/feed-lines.md section 3), in the caller's transaction
 * under the write lock: the registry rows (the observable's moved from whichever line presented it), contributions,
 * keys and edge are copied from the views — same ids, sequence numbers, contents and hashes, so a promoted line reads
 * exactly as it did — the feed entries follow from the keys (their triggers), and the lines are deleted. A stored write
 * that must change one of a line's objects promotes the line first (promoteLinesFor).
 * @example await promoteLines(trx, [line.id])
 */
export async function promoteLines(trx: Kysely<Database>, lineIds: readonly number[]): Promise<void> {
  if (lineIds.length === 0) return;
  await lockKnowledgeWrites(trx);
  const ids = pgArray(lineIds);
  const cids = pgArray(lineIds.flatMap(lineContributionIds));
  // The observables' registry rows first (a stored contribution needs its object stored), from whichever line
  // presents each.
  await handOverRegistry(trx, sql`select distinct sco_id from feed_lines where id = any(cast(${ids} as bigint[]))`);
  await sql`insert into stix_objects_stored (${REGISTRY_COLUMNS})
    select ${REGISTRY_COLUMNS} from stix_objects o
    where o.id in (select ind_id from feed_lines where id = any(cast(${ids} as bigint[])) union all select rel_id from feed_lines where id = any(cast(${ids} as bigint[])))`.execute(trx);
  await sql`insert into contributions_stored (${CONTRIBUTION_COLUMNS})
    select ${CONTRIBUTION_COLUMNS} from contributions where id = any(cast(${cids} as bigint[]))`.execute(trx);
  await sql`insert into object_keys_stored (contribution_id, object_id, key)
    select contribution_id, object_id, key from object_keys where contribution_id = any(cast(${cids} as bigint[]))`.execute(trx);
  await sql`insert into object_edges_stored (contribution_id, source_id, target_id, via_id, kind, label)
    select contribution_id, source_id, target_id, via_id, kind, label from object_edges where contribution_id = any(cast(${cids} as bigint[]))`.execute(trx);
  await sql`delete from feed_lines where id = any(cast(${ids} as bigint[]))`.execute(trx);
}

// The registry rows of these observables (a query of ids) move from the lines that present them to the stored
// table (same seq, time and owner); the lines keep their contributions and their ownership (sco_owner).
async function handOverRegistry(trx: Kysely<Database>, scoIds: RawBuilder<unknown>): Promise<void> {
  await sql`insert into stix_objects_stored (${REGISTRY_COLUMNS})
    select ${REGISTRY_COLUMNS} from stix_objects o
    where o.id in (${scoIds}) and not exists (select 1 from stix_objects_stored s where s.id = o.id)`.execute(trx);
  await sql`update feed_lines set sco_reg_id = null where sco_id in (${scoIds}) and sco_reg_id is not null`.execute(trx);
}

/** An object a stored write is about to write, and for whom (null: whoever contributed it). */
export interface StoredWriteTarget {
  readonly id: string;
  readonly orgId: string | null;
}

/**
 * Makes the stored tables hold what a stored write of these objects must find (docs/design/feed-lines.md section 3),
 * in the caller's transaction under the write lock: promotes the lines that present one of them as their indicator or
 * relationship, or as their observable contributed by the same organisation (the stored path looks its contribution
 * up by organisation and audience); the registry rows of the other observables that lines present are handed over
 * to the stored table (the stored path registers and ranks against it; the lines' contributions stay lines and are
 * ranked with the new ones by markSuperseded). One probe statement, no more when no line presents any.
 * @example await promoteLinesFor(trx, items.map((p) => ({ id: p.record.id, orgId: p.contribution.orgId })))
 */
export async function promoteLinesFor(trx: Kysely<Database>, targets: readonly StoredWriteTarget[]): Promise<void> {
  const ind: string[] = [];
  const rel: string[] = [];
  const sco: string[] = [];
  const scoOrg: (string | null)[] = [];
  for (const t of targets) {
    const type = t.id.slice(0, t.id.indexOf('--'));
    if (type === 'indicator') ind.push(t.id);
    else if (type === 'relationship') rel.push(t.id);
    else if (LINE_SCO_TYPES.has(type)) {
      sco.push(t.id);
      scoOrg.push(t.orgId);
    }
  }
  if (ind.length + rel.length + sco.length === 0) return;
  // Per-id probes of feed_lines' indexes (laterals and scalar sub-queries: never a join or hashed sub-plan that reads
  // the lines).
  const r = await sql<{ lines: (string | number)[] | null; presented: string[] | null }>`
    with s as (select * from unnest(cast(${pgArray(sco)} as text[]), cast(${pgArray(scoOrg)} as uuid[])) as s(id, org))
    select
      (select array_agg(distinct l.id) from (
        select l.id from unnest(cast(${pgArray(ind)} as text[])) as x(id) cross join lateral (select l.id from feed_lines l where l.ind_id = x.id) l
        union all
        select l.id from unnest(cast(${pgArray(rel)} as text[])) as x(id) cross join lateral (select l.id from feed_lines l where l.rel_id = x.id) l
        union all
        select l.id from s cross join lateral (select l.id from feed_lines l where l.sco_id = s.id and (s.org is null or l.org_id = s.org)) l
      ) l) as lines,
      (select array_agg(distinct s.id) from s where (select true from feed_lines l where l.sco_id = s.id and l.sco_reg_id is not null limit 1)) as presented`.execute(trx);
  const row = r.rows[0]!;
  if (row.lines?.length) await promoteLines(trx, row.lines.map(Number));
  if (row.presented?.length) await handOverRegistry(trx, sql`select unnest(cast(${pgArray(row.presented)} as text[]))`);
}
