import { sql, type Kysely } from 'kysely';
import { copyField, copyRows } from '../db/copy.ts';
import { pgArray } from './pg-array.ts';
import type { Database } from '../db/schema.ts';
import { LINE_COPY_COLUMNS, lineCopyRow, type FeedLine } from './feed-line.ts';
import { lockKnowledgeWrites } from './knowledge.writer.ts';

/**
 * Writes lines none of whose indicators the organisation has shared to that audience before (a first import's),
 * inside the caller's transaction, by COPY straight into feed_lines. Each line takes three consecutive sequence numbers
 * under the knowledge write lock (its indicator's, its observable's, its relationship's), and presents the observable's
 * registry row when neither a stored object nor another line does (one probe statement for the batch).
 * @example await insertNewLines(trx, lines)
 */
export async function insertNewLines(trx: Kysely<Database>, lines: readonly FeedLine[]): Promise<void> {
  if (lines.length === 0) return;
  await lockKnowledgeWrites(trx);
  const scoIds = [...new Set(lines.map((l) => l.scoId))];
  // One statement: the write's time, 3 × n numbers in order, and which observables something presents already.
  const r = await sql<{ at: Date | null; seqs: (string | number)[] | null; registered: string[] | null }>`
    select now() as at, (select array_agg(s order by s) from (select nextval('change_seq') as s from generate_series(1, ${3 * lines.length})) n) as seqs,
      (select array_agg(x.id) from unnest(cast(${pgArray(scoIds)} as text[])) as x(id)
        -- One index probe per id (the limit keeps the planner from a semi-join that reads every line once a batch).
        where exists (select 1 from stix_objects_stored o where o.id = x.id limit 1)
          or exists (select 1 from feed_lines l where l.sco_reg_id = x.id limit 1)) as registered`.execute(trx);
  const row = r.rows[0]!;
  const seqs = (row.seqs ?? []).map(Number);
  // The write lock keeps every other writer from taking numbers meanwhile: each line's three are consecutive.
  for (let i = 0; i < lines.length; i++) if (seqs[3 * i + 1] !== seqs[3 * i]! + 1 || seqs[3 * i + 2] !== seqs[3 * i]! + 2) throw new Error('feed lines: sequence numbers taken outside the knowledge write lock');
  const taken = new Set(row.registered ?? []);
  const at = row.at!.toISOString();
  const text = lines.map((l, i) => {
    const presents = !taken.has(l.scoId);
    if (presents) taken.add(l.scoId);
    return `${seqs[3 * i]}\t${seqs[3 * i]! + 1}\t${at}\t${presents ? copyField(l.scoId) : '\\N'}\t${presents ? 't' : 'f'}\t${lineCopyRow(l)}`;
  });
  await copyRows(trx, 'feed_lines', ['seq', 'sco_seq', 'updated_at', 'sco_reg_id', 'sco_owner', ...LINE_COPY_COLUMNS], text.join(''));
}

// The columns of the stored tables, as the views name them (migration 2026-12-06T03-00).
const CONTRIBUTION_COLUMNS = sql.raw(`id, object_id, org_id, user_id, ingest_id, tlp, tlp_rank, pap, anonymous, allow_count, confidence, recipient_orgs,
  recipient_groups, recipient_users, scope_key, first_seen, last_seen, seq, created_at, updated_at, data, modified, modified_text, revoked, name,
  valid_until, pattern_usable, content_hash, owner_rank, superseded`);
const REGISTRY_COLUMNS = sql.raw('id, type, spec_version, created, value, display, seq, added_at, owner_org_id');

/** The contribution ids a line presents: 2^50 + 4 × its id + 0 (indicator), 1 (observable), 2 (relationship). */
export function lineContributionIds(lineId: number): [number, number, number] {
  const base = 2 ** 50 + 4 * lineId;
  return [base, base + 1, base + 2];
}

/**
 * Turns lines into the stored rows they present (docs/design/feed-lines.md section 3), in the caller's transaction
 * under the write lock: the registry rows (the observable's moved from whichever line presented it), contributions,
 * keys and edge are copied from the views — same ids, sequence numbers, contents and hashes, so a promoted line reads
 * exactly as it did — the feed entries follow from the keys (their triggers), and the lines are deleted. A stored write
 * that must change one of a line's objects promotes the line first.
 * @example await promoteLines(trx, [line.id])
 */
export async function promoteLines(trx: Kysely<Database>, lineIds: readonly number[]): Promise<void> {
  if (lineIds.length === 0) return;
  await lockKnowledgeWrites(trx);
  const ids = pgArray(lineIds);
  const cids = pgArray(lineIds.flatMap(lineContributionIds));
  // The observables' registry rows first (a stored contribution needs its object stored), from whichever line
  // presents each.
  await sql`with scos as (select distinct sco_id from feed_lines where id = any(cast(${ids} as bigint[])))
    insert into stix_objects_stored (${REGISTRY_COLUMNS})
    select ${REGISTRY_COLUMNS} from stix_objects o
    where o.id in (select sco_id from scos) and not exists (select 1 from stix_objects_stored s where s.id = o.id)`.execute(trx);
  await sql`insert into stix_objects_stored (${REGISTRY_COLUMNS})
    select ${REGISTRY_COLUMNS} from stix_objects o
    where o.id in (select ind_id from feed_lines where id = any(cast(${ids} as bigint[])) union all select rel_id from feed_lines where id = any(cast(${ids} as bigint[])))`.execute(trx);
  await sql`insert into contributions_stored (${CONTRIBUTION_COLUMNS})
    select ${CONTRIBUTION_COLUMNS} from contributions where id = any(cast(${cids} as bigint[]))`.execute(trx);
  await sql`insert into object_keys_stored (contribution_id, object_id, key)
    select contribution_id, object_id, key from object_keys where contribution_id = any(cast(${cids} as bigint[]))`.execute(trx);
  await sql`insert into object_edges_stored (contribution_id, source_id, target_id, via_id, kind, label)
    select contribution_id, source_id, target_id, via_id, kind, label from object_edges where contribution_id = any(cast(${cids} as bigint[]))`.execute(trx);
  // The stored registry row of each observable takes over from the line that presented it (which keeps its
  // ownership: sco_owner), then the lines go.
  await sql`update feed_lines set sco_reg_id = null
    where sco_reg_id in (select sco_id from feed_lines where id = any(cast(${ids} as bigint[])))`.execute(trx);
  await sql`delete from feed_lines where id = any(cast(${ids} as bigint[]))`.execute(trx);
}
