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
    return `${seqs[3 * i]}\t${seqs[3 * i]! + 1}\t${at}\t${presents ? copyField(l.scoId) : '\\N'}\t${lineCopyRow(l)}`;
  });
  await copyRows(trx, 'feed_lines', ['seq', 'sco_seq', 'updated_at', 'sco_reg_id', ...LINE_COPY_COLUMNS], text.join(''));
}
