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

/** One entry of a page. */
export interface EntryRow {
  readonly date_added: string;
  readonly seq: number;
  readonly id: string;
  readonly version: string;
  /** The least restrictive TLP rank at which the object is in the collection for this viewer. */
  readonly rank: number;
}

/** What to read. */
export interface EntryQuery {
  /** Condition on a contributions row `c` that puts its object in the collection for the viewer. */
  readonly inCollection: RawBuilder<boolean>;
  readonly filter: Pick<TaxiiFilter, 'addedAfter' | 'ids' | 'types' | 'versions' | 'specVersions'>;
  readonly after: PageCursor | undefined;
  /** Entries wanted: the page size. */
  readonly limit: number;
  /** Also give the objects as served (TLP marking set to `rank`), as JSON texts joined by commas. */
  readonly withJson: boolean;
  /** Stop after scanning this many entries of the stream (default 50,000); the page may then be short. */
  readonly maxScan?: number;
}

/** A page of entries. */
export interface EntryPage {
  readonly rows: EntryRow[];
  /** The objects of `rows`, in order, as JSON texts joined by commas (empty unless withJson). */
  readonly json: string;
  /** Where to continue when there may be more entries: after the last row, or where a bounded scan stopped. */
  readonly resume: PageCursor | undefined;
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
  const marking = sql`(${RANK_MARKINGS})[m.rank + 1]`;
  const refs = sql`case when jsonb_typeof(m.data->'object_marking_refs') = 'array' then m.data->'object_marking_refs' else '[]'::jsonb end`;
  const others = sql`coalesce((select jsonb_agg(e) from jsonb_array_elements(${refs}) e where not (e #>> '{}' = any(${TLP_IDS}))), '[]'::jsonb)`;
  return sql<string>`case when m.data->'object_marking_refs' = jsonb_build_array(${marking}) then m.data::text
    else jsonb_set(m.data, '{object_marking_refs}', jsonb_build_array(${marking}) || ${others})::text end`;
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

/** What one window gave: a line per entry ("<date_added> <seq> <rank> <id> <version> <in page>"), and the JSON of
 * the first `take` entries in the page, joined by commas. */
interface WindowResult {
  readonly meta: string | null;
  readonly json: string | null;
}

// One window in one row, so that a page crosses from the database to the server as two strings rather than
// thousands of fields. The aggregates read the entries in window order (the window's ORDER BY … LIMIT, then
// per-entry lookups, then a running count of the entries in the page, which needs no sort); the page tests
// check that order.
async function readWindow(db: Kysely<Database>, q: EntryQuery, after: PageCursor | undefined, size: number, take: number): Promise<WindowResult> {
  const json = q.withJson ? sql`string_agg(${servedJson()}, ',') filter (where m.ok and m.taken <= ${take})` : sql`null`;
  // The policy lookup is LATERAL with OFFSET 0 so that it is a per-entry index probe, never a hash join over a table.
  const res = await sql<WindowResult>`
    select string_agg(to_char(m.added at time zone 'UTC', ${UTC_TEXT}) || ' ' || m.seq || ' ' || coalesce(m.rank, -1) || ' ' || m.id || ' ' || m.version || case when m.ok then ' 1' else ' 0' end, E'\\n') as meta,
      ${json} as json
    from (
      select e.*, count(*) filter (where e.ok) over (rows between unbounded preceding and current row) as taken
      from (
        select w.added, w.seq, w.id, w.version, w.data, r.rank, ${matches(q)} as ok
        from (${windowSql(q, after, size)}) w
        cross join lateral (select min(c.tlp_rank) as rank from contributions c where c.object_id = w.id and ${q.inCollection} offset 0) r
      ) e
    ) m`.execute(db);
  return res.rows[0] ?? { meta: null, json: null };
}

interface WindowEntry extends EntryRow {
  readonly ok: boolean;
}

function parseMeta(meta: string): WindowEntry[] {
  return meta.split('\n').map((line) => {
    const [date_added, seq, rank, id, version, ok] = line.split(' ');
    return { date_added: date_added!, seq: Number(seq), rank: Number(rank), id: id!, version: version!, ok: ok === '1' };
  });
}

/**
 * Entries of a collection after a cursor, oldest date_added first, filtered by the collection's policy condition
 * and the request's filters: reads windows of the stream until it has `limit` entries, the stream ends, or
 * `maxScan` entries were looked at. `resume` is where to continue when there may be more.
 * @example const { rows, json, resume } = await pageEntries(db, { inCollection, filter, after: undefined, limit: 1000, withJson: true })
 */
export async function pageEntries(db: Kysely<Database>, q: EntryQuery): Promise<EntryPage> {
  const maxScan = q.maxScan ?? 50_000;
  const rows: EntryRow[] = [];
  const json: string[] = [];
  let after = q.after;
  let scanned = 0;
  // One more than the page: a dense collection then tells in one window whether there is more.
  let size = Math.min(Math.max(q.limit + 1, 64), MAX_WINDOW, maxScan);
  for (;;) {
    const take = q.limit - rows.length;
    const w = await readWindow(db, q, after, size, take);
    const entries = w.meta ? parseMeta(w.meta) : [];
    scanned += entries.length;
    const got = entries.filter((e) => e.ok);
    for (const e of got.slice(0, take)) rows.push({ date_added: e.date_added, seq: e.seq, id: e.id, version: e.version, rank: e.rank });
    if (w.json) json.push(w.json);
    const end = entries.length < size;
    const lastTaken = rows[rows.length - 1];
    if (rows.length === q.limit && lastTaken) {
      // Full: more if this window had entries beyond the page, or the stream goes on.
      const more = got.length > take || !end;
      return { rows, json: json.join(','), resume: more ? { t: lastTaken.date_added, s: lastTaken.seq } : undefined };
    }
    const last = entries[entries.length - 1];
    if (end || !last) return { rows, json: json.join(','), resume: undefined };
    after = { t: last.date_added, s: last.seq };
    if (scanned >= maxScan) return { rows, json: json.join(','), resume: after };
    // A sparse collection: read bigger windows.
    size = Math.min(size * 4, MAX_WINDOW, maxScan - scanned);
  }
}

/** Whether the object is in the collection for the viewer at all (any version, any filter). */
export async function objectInCollection(db: Kysely<Database>, inCollection: RawBuilder<boolean>, objectId: string): Promise<boolean> {
  const res = await sql<{ ok: number }>`select 1 as ok from contributions c where c.object_id = ${objectId} and ${inCollection} limit 1`.execute(db);
  return res.rows.length > 0;
}
