import { sql, type Kysely } from 'kysely';
import { copyRows } from '../db/copy.ts';
import type { Database } from '../db/schema.ts';
import { LINE_COPY_COLUMNS, lineCopyRow, type FeedLine } from './feed-line.ts';
import { lockKnowledgeWrites } from './knowledge.writer.ts';

// The staging table's column types, in LINE_COPY_COLUMNS' order (COPY reads text; the insert below casts nothing).
const STAGING_TYPES: Readonly<Record<string, string>> = {
  org_id: 'uuid', user_id: 'uuid', ingest_id: 'uuid', tlp: 'text', tlp_rank: 'smallint', pap: 'text', anonymous: 'boolean', allow_count: 'boolean',
  confidence: 'smallint', recipient_orgs: 'uuid[]', recipient_groups: 'uuid[]', recipient_users: 'uuid[]', scope_key: 'text collate "C"',
  first_seen: 'timestamptz', last_seen: 'timestamptz', sco_type: 'text collate "C"', value: 'text', display: 'text', sco_id: 'text collate "C"',
  ind_id: 'text collate "C"', rel_id: 'text collate "C"', created_text: 'text', modified_text: 'text', valid_from_text: 'text', name: 'text',
  description: 'text', indicator_types: 'text[]', labels: 'text[]', ind_hash: 'text', sco_hash: 'text', rel_hash: 'text',
};

/**
 * Writes lines none of whose indicators the organisation has shared to that audience before (a first import's),
 * inside the caller's transaction: COPY into a staging table, then one insert that numbers them. Each line takes three
 * consecutive sequence numbers under the knowledge write lock (its indicator's, its observable's, its relationship's)
 * and presents the observable's registry row when neither a stored object nor another line does.
 * @example await insertNewLines(trx, lines)
 */
export async function insertNewLines(trx: Kysely<Database>, lines: readonly FeedLine[]): Promise<void> {
  if (lines.length === 0) return;
  await lockKnowledgeWrites(trx);
  const cols = LINE_COPY_COLUMNS;
  await sql`create temp table if not exists feed_lines_in (${sql.raw(cols.map((c) => `${c} ${STAGING_TYPES[c]}`).join(', '))}, n bigint generated always as identity) on commit drop`.execute(trx);
  await sql`truncate feed_lines_in`.execute(trx);
  await copyRows(trx, 'feed_lines_in', cols, lines.map(lineCopyRow).join(''));
  const list = sql.raw(cols.join(', '));
  const fromStaging = sql.raw(cols.map((c) => `x.${c}`).join(', '));
  // The numbers are taken in the staging order, three a line: the write lock keeps every other writer from taking any.
  await sql`insert into feed_lines (seq, sco_seq, updated_at, ${list}, sco_reg_id)
    select s.seq, s.seq + 1, now(), ${fromStaging},
      case when s.first and not exists (select 1 from stix_objects_stored o where o.id = x.sco_id)
        and not exists (select 1 from feed_lines l where l.sco_reg_id = x.sco_id) then x.sco_id end
    from (select x.n, row_number() over (partition by x.sco_id order by x.n) = 1 as first,
        greatest(nextval('change_seq'), nextval('change_seq'), nextval('change_seq')) - 2 as seq
      from (select * from feed_lines_in order by n) x) s
    join feed_lines_in x on x.n = s.n
    order by s.n`.execute(trx);
}
