import { sql, type Kysely } from 'kysely';
import { REGISTRY_VIEW } from './2026-12-06T03-00-feed-lines-views.ts';

// Flat feed lines (issue 17, docs/design/feed-lines.md section 8, "Not built" 1): the price of writing a line is its
// index entries (COPY into feed_lines with 18 indexes: ~31 µs of server a line at 300,000 lines, the row alone 4.5 µs;
// bench/RESULTS.md, "lineindex helper, seventeenth session"). Of the 18, the random-position text ids cost most:
// 3.5–4 µs each, against ~1.3 µs for an append-only number. Two changes, the reads staying index reads:
// 1. The registry's observable branch is reached by `sco_id`, its presence (`sco_reg_id is not null`) a column of the
//    branch tested above the union (rule 1 of 2026-12-06T03-00: no WHERE inside a branch), so `feed_lines_sco_idx`
//    serves it and `feed_lines_sco_reg_idx` (the same ids again, for every line that presents its observable) goes.
// 2. `sco_id` and `rel_id` are only ever compared for equality (a point read, a join probe, `= any`): hash indexes,
//    one 4-byte hash a line instead of a ~50-byte id in a btree (a third of the size, a probe reads one bucket page
//    instead of a descent). `ind_id` keeps its unique btree (one line per indicator), `value` and the key their btrees
//    (the bench's values arrive in order, where a btree costs ~2 µs; not measured on values in random order).

const CREATED = 'cast(l.created_text as timestamptz)';

const COLUMNS = 'id, type, spec_version, created, value, display, seq, added_at, owner_org_id';

// The registry view: 2026-12-06T03-00's but for the observable branch, which presents `sco_id` and says in `here`
// whether the line presents the observable's registry row.
const REGISTRY = `create or replace view stix_objects as select ${COLUMNS} from (
    select ${COLUMNS}, true as here from stix_objects_stored
    union all
    select l.ind_id, split_part(l.ind_id, '--', 1), '2.1', ${CREATED}, null::text, null::text, l.seq, l.updated_at, l.org_id, true from feed_lines l
    union all
    select l.sco_id, l.sco_type, '2.1', null::timestamptz, l.value, coalesce(l.display, l.value), l.seq + 1, l.updated_at, l.org_id, l.sco_reg_id is not null from feed_lines l
    union all
    select l.rel_id, split_part(l.rel_id, '--', 1), '2.1', ${CREATED}, null::text, null::text, l.seq + 2, l.updated_at, l.org_id, true from feed_lines l
    ) u where u.here`;

// 2026-12-06T03-00's registry view, as it was.
const REGISTRY_BEFORE = REGISTRY_VIEW.replace(/^create view/, 'create or replace view');

const HASHED = [['feed_lines_sco_idx', 'sco_id'], ['feed_lines_rel_idx', 'rel_id']] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`${sql.raw(REGISTRY)}`.execute(db);
  await sql`drop index feed_lines_sco_reg_idx`.execute(db);
  for (const [name, column] of HASHED) {
    await sql`drop index ${sql.id(name)}`.execute(db);
    await sql`create index ${sql.id(name)} on feed_lines using hash (${sql.id(column)})`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name, column] of HASHED) {
    await sql`drop index ${sql.id(name)}`.execute(db);
    await sql`create index ${sql.id(name)} on feed_lines (${sql.id(column)})`.execute(db);
  }
  await sql`create index feed_lines_sco_reg_idx on feed_lines (sco_reg_id) where sco_reg_id is not null`.execute(db);
  await sql`${sql.raw(REGISTRY_BEFORE)}`.execute(db);
}
