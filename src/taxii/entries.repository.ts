import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { TLP1_MARKING_IDS, TLP2_MARKING_IDS, TLP_LEVELS } from '../trust/tlp.ts';
import type { PageCursor, TaxiiFilter } from './taxii.query.ts';

// A collection is read as a stream of entries, one per object version, in (date_added, seq) order:
// versions of SDOs and SROs from stix_versions, and SCOs (which have no versions) from stix_objects.
// Both legs are index range scans on (added_at, seq) / (updated_at, seq); the policy (a contributions
// condition) is checked per entry inside the same query, so a page costs O(page), whatever the collection size.

/** One entry of a page. */
export interface EntryRow {
  readonly date_added: string;
  readonly seq: number;
  readonly id: string;
  readonly version: string;
  /** The least restrictive TLP rank at which the object is in the collection for this viewer. */
  readonly rank: number;
  /** The object as served (TLP marking set to `rank`), as JSON text; only when asked for. */
  readonly json?: string;
}

/** What to read. */
export interface EntryQuery {
  /** Condition on a contributions row `c` that puts its object in the collection for the viewer. */
  readonly inCollection: RawBuilder<boolean>;
  readonly filter: Pick<TaxiiFilter, 'addedAfter' | 'ids' | 'types' | 'versions' | 'specVersions'>;
  readonly after: PageCursor | undefined;
  /** Rows to return (callers ask one more than the page to learn whether there is more). */
  readonly limit: number;
  readonly withJson: boolean;
}

const UTC_TEXT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const TLP_IDS = [...Object.values(TLP2_MARKING_IDS), ...Object.keys(TLP1_MARKING_IDS)];
const RANK_MARKINGS = TLP_LEVELS.map((t) => TLP2_MARKING_IDS[t]);

function list(values: readonly string[]): RawBuilder<unknown> {
  return sql.join(values.map((v) => sql.val(v)));
}

function tsList(values: readonly string[]): RawBuilder<unknown> {
  return sql.join(values.map((v) => sql`cast(${v} as timestamptz)`));
}

// The object as served: its TLP markings replaced by the level the viewer receives it at, other markings kept.
// Stored JSON is turned into text by the database; objects that already carry exactly that marking go out as stored.
function servedJson(): RawBuilder<string> {
  const marking = sql`(${sql.raw(`array[${RANK_MARKINGS.map((m) => `'${m}'`).join(',')}]`)})[u.rank + 1]`;
  const tlpIds = sql.raw(`array[${TLP_IDS.map((m) => `'${m}'`).join(',')}]`);
  const refs = sql`case when jsonb_typeof(u.data->'object_marking_refs') = 'array' then u.data->'object_marking_refs' else '[]'::jsonb end`;
  const others = sql`coalesce((select jsonb_agg(e) from jsonb_array_elements(${refs}) e where not (e #>> '{}' = any(${tlpIds}))), '[]'::jsonb)`;
  return sql<string>`case when u.data->'object_marking_refs' = jsonb_build_array(${marking}) then u.data::text
    else jsonb_set(u.data, '{object_marking_refs}', jsonb_build_array(${marking}) || ${others})::text end`;
}

function versionsLeg(q: EntryQuery): RawBuilder<unknown> {
  const f = q.filter;
  const conds: RawBuilder<unknown>[] = [sql`r.rank is not null`];
  if (q.after) conds.push(sql`(v.added_at, v.seq) > (cast(${q.after.t} as timestamptz), ${q.after.s})`);
  if (f.addedAfter) conds.push(sql`v.added_at > cast(${f.addedAfter} as timestamptz)`);
  if (f.ids.length) conds.push(sql`v.object_id in (${list(f.ids)})`);
  if (f.types.length) conds.push(sql`o.type in (${list(f.types)})`);
  if (f.specVersions) conds.push(f.specVersions.length ? sql`o.spec_version in (${list(f.specVersions)})` : sql`false`);
  const v = f.versions;
  if (!v.all) {
    const any: RawBuilder<unknown>[] = [];
    if (v.last) any.push(sql`v.modified = o.modified`);
    if (v.first) any.push(sql`not exists (select 1 from stix_versions v2 where v2.object_id = v.object_id and v2.modified < v.modified)`);
    if (v.timestamps.length) any.push(sql`v.modified in (${tsList(v.timestamps)})`);
    conds.push(any.length ? sql`(${sql.join(any, sql` or `)})` : sql`false`);
  }
  return sql`select v.added_at as added, v.seq, v.object_id as id, v.modified_text as version, r.rank, v.data
    from stix_versions v
    join stix_objects o on o.id = v.object_id
    cross join lateral (select min(c.tlp_rank) as rank from contributions c where c.object_id = v.object_id and ${q.inCollection}) r
    where ${sql.join(conds, sql` and `)}
    order by v.added_at, v.seq
    limit ${q.limit}`;
}

// An SCO has one version: its current content, whose version and date_added are when it was stored.
function observablesLeg(q: EntryQuery): RawBuilder<unknown> {
  const f = q.filter;
  const conds: RawBuilder<unknown>[] = [sql`o.modified is null`, sql`r.rank is not null`];
  if (q.after) conds.push(sql`(o.updated_at, o.seq) > (cast(${q.after.t} as timestamptz), ${q.after.s})`);
  if (f.addedAfter) conds.push(sql`o.updated_at > cast(${f.addedAfter} as timestamptz)`);
  if (f.ids.length) conds.push(sql`o.id in (${list(f.ids)})`);
  if (f.types.length) conds.push(sql`o.type in (${list(f.types)})`);
  if (f.specVersions) conds.push(f.specVersions.length ? sql`o.spec_version in (${list(f.specVersions)})` : sql`false`);
  const v = f.versions;
  if (!v.all && !v.first && !v.last) conds.push(v.timestamps.length ? sql`o.updated_at in (${tsList(v.timestamps)})` : sql`false`);
  return sql`select o.updated_at as added, o.seq, o.id, to_char(o.updated_at at time zone 'UTC', ${sql.raw(UTC_TEXT)}) as version, r.rank, o.data
    from stix_objects o
    cross join lateral (select min(c.tlp_rank) as rank from contributions c where c.object_id = o.id and ${q.inCollection}) r
    where ${sql.join(conds, sql` and `)}
    order by o.updated_at, o.seq
    limit ${q.limit}`;
}

/**
 * Entries of a collection after a cursor, oldest date_added first, filtered by the collection's policy condition.
 * @example await pageEntries(db, { inCollection, filter, after: undefined, limit: 1001, withJson: true })
 */
export async function pageEntries(db: Kysely<Database>, q: EntryQuery): Promise<EntryRow[]> {
  const json = q.withJson ? sql`, ${servedJson()} as json` : sql``;
  const res = await sql<EntryRow>`select to_char(u.added at time zone 'UTC', ${sql.raw(UTC_TEXT)}) as date_added, u.seq, u.id, u.version, u.rank ${json}
    from ((${versionsLeg(q)}) union all (${observablesLeg(q)})) u
    order by u.added, u.seq
    limit ${q.limit}`.execute(db);
  return res.rows;
}

/** Whether the object is in the collection for the viewer at all (any version, any filter). */
export async function objectInCollection(db: Kysely<Database>, inCollection: RawBuilder<boolean>, objectId: string): Promise<boolean> {
  const res = await sql<{ ok: number }>`select 1 as ok from contributions c where c.object_id = ${objectId} and ${inCollection} limit 1`.execute(db);
  return res.rows.length > 0;
}
