import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { TLP1_MARKING_IDS, TLP2_MARKING_IDS, TLP_LEVELS } from '../trust/tlp.ts';
import type { PageCursor, TaxiiFilter } from './taxii.query.ts';

// A collection is read as a stream of entries, one per object version, in (date_added, seq) order:
// versions of SDOs and SROs from stix_versions, and SCOs (which have no versions) from stix_objects.
// The stream is read in windows: each window is a plain ORDER BY … LIMIT on the (added_at, seq) and
// (updated_at, seq) indexes, so it is an index range scan whatever the planner thinks of the filters;
// the collection's policy condition and the filters are then checked per entry of the window, inside the
// same query. A page costs O(page), not O(collection), and a request scans a bounded number of entries.

/** One entry of a window: where it is in the stream, and whether it belongs to the page. */
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
  /** Entries wanted (callers ask one more than the page to learn whether there is more). */
  readonly limit: number;
  readonly withJson: boolean;
  /** Stop after scanning this many entries of the stream (default 50,000); the page may then be short. */
  readonly maxScan?: number;
}

/** Entries found, and where the scan stopped when it stopped early (resume after it). */
export interface EntryPage {
  readonly rows: EntryRow[];
  /** Set when the scan stopped at maxScan before the end of the stream. */
  readonly scannedTo: PageCursor | undefined;
}

const UTC_TEXT = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`);
const TLP_IDS = sql.raw(`array[${[...Object.values(TLP2_MARKING_IDS), ...Object.keys(TLP1_MARKING_IDS)].map((m) => `'${m}'`).join(',')}]`);
const RANK_MARKINGS = sql.raw(`array[${TLP_LEVELS.map((t) => `'${TLP2_MARKING_IDS[t]}'`).join(',')}]`);
const MAX_WINDOW = 10_000;

function list(values: readonly string[]): RawBuilder<unknown> {
  return sql.join(values.map((v) => sql.val(v)));
}

function tsList(values: readonly string[]): RawBuilder<unknown> {
  return sql.join(values.map((v) => sql`cast(${v} as timestamptz)`));
}

// The object as served: its TLP markings replaced by the level the viewer receives it at, other markings
// kept. The database turns the stored JSON into text; objects that already carry exactly that marking go
// out as stored.
function servedJson(): RawBuilder<string> {
  const marking = sql`(${RANK_MARKINGS})[r.rank + 1]`;
  const refs = sql`case when jsonb_typeof(w.data->'object_marking_refs') = 'array' then w.data->'object_marking_refs' else '[]'::jsonb end`;
  const others = sql`coalesce((select jsonb_agg(e) from jsonb_array_elements(${refs}) e where not (e #>> '{}' = any(${TLP_IDS}))), '[]'::jsonb)`;
  return sql<string>`case when w.data->'object_marking_refs' = jsonb_build_array(${marking}) then w.data::text
    else jsonb_set(w.data, '{object_marking_refs}', jsonb_build_array(${marking}) || ${others})::text end`;
}

// Whether the request wants only the current version of each object (match[version] absent or "last"):
// then the stream is stix_objects itself, one row per object, in (updated_at, seq) order; updated_at is the
// date_added of the current version (the migration keeps them equal).
function currentOnly(q: EntryQuery): boolean {
  const v = q.filter.versions;
  return v.last && !v.first && !v.all && v.timestamps.length === 0;
}

function positionConds(q: EntryQuery, after: PageCursor | undefined, added: string, seq: string, id: string): RawBuilder<unknown>[] {
  const conds: RawBuilder<unknown>[] = [];
  if (after) conds.push(sql`(${sql.ref(added)}, ${sql.ref(seq)}) > (cast(${after.t} as timestamptz), ${after.s})`);
  if (q.filter.addedAfter) conds.push(sql`${sql.ref(added)} > cast(${q.filter.addedAfter} as timestamptz)`);
  if (q.filter.ids.length) conds.push(sql`${sql.ref(id)} in (${list(q.filter.ids)})`);
  return conds;
}

// The window: the next entries of the stream after a position. Each leg is a plain ORDER BY … LIMIT on an index.
function windowSql(q: EntryQuery, after: PageCursor | undefined, size: number): RawBuilder<unknown> {
  const where = (conds: RawBuilder<unknown>[]) => (conds.length ? sql.join(conds, sql` and `) : sql`true`);
  const sco = [sql`o.modified is null`, ...positionConds(q, after, 'o.updated_at', 'o.seq', 'o.id')];
  if (currentOnly(q)) {
    return sql`select o.updated_at as added, o.seq, o.id, coalesce(o.data->>'modified', o.data->>'created', to_char(o.updated_at at time zone 'UTC', ${UTC_TEXT})) as version,
        o.data, o.modified is not null as versioned, o.modified, o.type, o.spec_version
      from stix_objects o where ${where(positionConds(q, after, 'o.updated_at', 'o.seq', 'o.id'))} order by o.updated_at, o.seq limit ${size}`;
  }
  return sql`select * from (
      (select v.added_at as added, v.seq, v.object_id as id, v.modified_text as version, v.data, true as versioned, v.modified,
          split_part(v.object_id, '--', 1) as type, coalesce(v.data->>'spec_version', '2.1') as spec_version
        from stix_versions v where ${where(positionConds(q, after, 'v.added_at', 'v.seq', 'v.object_id'))} order by v.added_at, v.seq limit ${size})
      union all
      (select o.updated_at, o.seq, o.id, to_char(o.updated_at at time zone 'UTC', ${UTC_TEXT}), o.data, false, null, o.type, o.spec_version
        from stix_objects o where ${where(sco)} order by o.updated_at, o.seq limit ${size})
    ) u order by u.added, u.seq limit ${size}`;
}

// Whether an entry of the window belongs to the page: in the collection for the viewer, and matching the filters.
function matches(q: EntryQuery): RawBuilder<boolean> {
  const f = q.filter;
  const conds: RawBuilder<unknown>[] = [sql`r.rank is not null`];
  if (f.types.length) conds.push(sql`w.type in (${list(f.types)})`);
  if (f.specVersions) conds.push(f.specVersions.length ? sql`w.spec_version in (${list(f.specVersions)})` : sql`false`);
  const v = f.versions;
  if (!v.all && !currentOnly(q)) {
    // An SCO has one version: first, last and all are it; a timestamp must be its date_added.
    const any: RawBuilder<unknown>[] = [];
    if (v.last || v.first) any.push(sql`not w.versioned`);
    if (v.last) any.push(sql`w.modified = (select o.modified from stix_objects o where o.id = w.id)`);
    if (v.first) any.push(sql`not exists (select 1 from stix_versions v2 where v2.object_id = w.id and v2.modified < w.modified)`);
    if (v.timestamps.length) any.push(sql`(case when w.versioned then w.modified else w.added end) in (${tsList(v.timestamps)})`);
    conds.push(any.length ? sql`(${sql.join(any, sql` or `)})` : sql`false`);
  }
  return sql<boolean>`(${sql.join(conds, sql` and `)})`;
}

async function readWindow(db: Kysely<Database>, q: EntryQuery, after: PageCursor | undefined, size: number) {
  const json = q.withJson ? sql`case when ${matches(q)} then ${servedJson()} end` : sql`null`;
  // The policy lookup is LATERAL with OFFSET 0 so that it is a per-entry index probe, never a hash join over a table.
  const res = await sql<EntryRow & { ok: boolean }>`
    select to_char(w.added at time zone 'UTC', ${UTC_TEXT}) as date_added, w.seq, w.id, w.version, r.rank, ${matches(q)} as ok, ${json} as json
    from (${windowSql(q, after, size)}) w
    cross join lateral (select min(c.tlp_rank) as rank from contributions c where c.object_id = w.id and ${q.inCollection} offset 0) r
    order by w.added, w.seq`.execute(db);
  return res.rows;
}

/**
 * Entries of a collection after a cursor, oldest date_added first, filtered by the collection's policy condition
 * and the request's filters; reads windows of the stream until it has `limit` entries, the stream ends, or
 * `maxScan` entries were looked at.
 * @example const { rows } = await pageEntries(db, { inCollection, filter, after: undefined, limit: 1001, withJson: true })
 */
export async function pageEntries(db: Kysely<Database>, q: EntryQuery): Promise<EntryPage> {
  const maxScan = q.maxScan ?? 50_000;
  const rows: EntryRow[] = [];
  let after = q.after;
  let scanned = 0;
  let size = Math.min(Math.max(q.limit, 64), MAX_WINDOW, maxScan);
  for (;;) {
    const window = await readWindow(db, q, after, size);
    scanned += window.length;
    for (const w of window) {
      if (!w.ok) continue;
      rows.push(q.withJson ? { date_added: w.date_added, seq: w.seq, id: w.id, version: w.version, rank: w.rank, json: w.json } : { date_added: w.date_added, seq: w.seq, id: w.id, version: w.version, rank: w.rank });
      if (rows.length === q.limit) return { rows, scannedTo: undefined };
    }
    const last = window[window.length - 1];
    if (window.length < size || !last) return { rows, scannedTo: undefined };
    after = { t: last.date_added, s: last.seq };
    if (scanned >= maxScan) return { rows, scannedTo: after };
    // A sparse collection: read bigger windows.
    size = Math.min(size * 4, MAX_WINDOW, maxScan - scanned);
  }
}

/** Whether the object is in the collection for the viewer at all (any version, any filter). */
export async function objectInCollection(db: Kysely<Database>, inCollection: RawBuilder<boolean>, objectId: string): Promise<boolean> {
  const res = await sql<{ ok: number }>`select 1 as ok from contributions c where c.object_id = ${objectId} and ${inCollection} limit 1`.execute(db);
  return res.rows.length > 0;
}
