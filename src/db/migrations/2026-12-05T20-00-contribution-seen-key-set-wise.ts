import { sql, type Kysely } from 'kysely';

// Re-ingest (issue 17.1): contribution_seen's foreign key to contributions checked once per statement, like the five
// keys of 2026-12-05T11-00-write-path-keys-set-wise (same functions, same promises: a row without its contribution is
// refused with 23503 naming the constraint, a changed key is checked per row, deleting contributions deletes their
// rows here, a contribution's id cannot move away from them, TRUNCATE of contributions alone is refused).
// A re-import touches every unchanged contribution it saw again: the first re-import of a feed inserts one row here
// per contribution, and PostgreSQL's own check ran an executor per row (300,000 for a 100,000-line CSV feed,
// ~1/6 of the re-import's keepUnchanged statement in pg_stat_statements).

const NAME = 'contribution_seen_contribution_id_fkey';
// The children of contributions, as the parent's triggers name them (those of T11-00, then this one).
const CHILDREN = [
  { name: 'object_keys_contribution_id_fkey', child: 'object_keys' },
  { name: 'object_edges_contribution_id_fkey', child: 'object_edges' },
];

const raw = (text: string) => sql.raw(text);
const args = (values: readonly string[]) => raw(values.map((v) => `'${v}'`).join(', '));

async function parentTriggers(db: Kysely<any>, children: readonly { name: string; child: string }[]): Promise<void> {
  for (const name of ['kessetsu_fk_deleted', 'kessetsu_fk_id_changed', 'kessetsu_fk_truncated']) await sql`drop trigger if exists ${raw(name)} on contributions`.execute(db);
  await sql`create trigger kessetsu_fk_deleted after delete on contributions referencing old table as kessetsu_fk_old
    for each statement execute function kessetsu_fk_deleted(${args(children.flatMap((k) => [k.name, k.child, 'contribution_id', 'cascade']))})`.execute(db);
  await sql`create trigger kessetsu_fk_id_changed after update on contributions for each row when (old.id is distinct from new.id)
    execute function kessetsu_fk_parent_key_changed(${args(children.flatMap((k) => [k.name, k.child, 'contribution_id']))})`.execute(db);
  await sql`create trigger kessetsu_fk_truncated after truncate on contributions
    for each statement execute function kessetsu_fk_truncated(${args(children.flatMap((k) => [k.name, k.child]))})`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table contribution_seen drop constraint if exists ${raw(NAME)}`.execute(db);
  await sql`create trigger kessetsu_fk_inserted after insert on contribution_seen referencing new table as kessetsu_fk_new
    for each statement execute function kessetsu_fk_inserted(${args([NAME, 'contribution_id', 'contributions'])})`.execute(db);
  await sql`create trigger ${raw(`${NAME}_changed`)} after update on contribution_seen for each row
    when (old.contribution_id is distinct from new.contribution_id) execute function kessetsu_fk_key_changed(${args([NAME, 'contribution_id', 'contributions'])})`.execute(db);
  await parentTriggers(db, [...CHILDREN, { name: NAME, child: 'contribution_seen' }]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await parentTriggers(db, CHILDREN);
  await sql`drop trigger if exists kessetsu_fk_inserted on contribution_seen`.execute(db);
  await sql`drop trigger if exists ${raw(`${NAME}_changed`)} on contribution_seen`.execute(db);
  await sql`alter table contribution_seen add constraint ${raw(NAME)} foreign key (contribution_id) references contributions(id) on delete cascade`.execute(db);
}
