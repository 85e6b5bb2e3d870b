import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { headContribution, policyColumns } from '../access/visibility.policy.ts';
import type { AnyViewer } from '../access/viewer.ts';
import type { PageCursor, TaxiiFilter } from './taxii.query.ts';

// A collection is read as a stream of entries, one per version a contribution carries, in (date_added, seq)
// order: each contribution's current content (contributions, date_added = when its content last changed) and,
// when more than the last version is asked for, the earlier contents it carried (stix_versions). An entry is in
// the collection when the contribution that carries it is, so the policy is a condition on the entry's own
// contribution row; "last" is the version the viewer is shown (the ranking of headContribution, within the
// collection). Entries are served exactly as stored: one version, one content, whoever reads it.
// The stream is read in windows (a plain ORDER BY … LIMIT on the (updated_at, seq) and (added_at, seq) indexes,
// with the request's id and type filters), and the collection's condition is checked per entry of the window, on the
// policy columns the window carries.

/** One entry of a page. */
export interface EntryRow {
  readonly date_added: string;
  readonly seq: number;
  readonly id: string;
  readonly version: string;
  /** The TLP rank of the contribution carrying this version. */
  readonly rank: number;
}

/** What to read. */
export interface EntryQuery {
  /** The viewer (for the ranking of versions). */
  readonly viewer: AnyViewer;
  /** Condition on a contributions row of the given alias that puts it in the collection for the viewer. */
  readonly inCollection: (alias: string) => RawBuilder<boolean>;
  readonly filter: Pick<TaxiiFilter, 'addedAfter' | 'ids' | 'types' | 'versions' | 'specVersions'>;
  readonly after: PageCursor | undefined;
  /** Entries wanted: the page size. */
  readonly limit: number;
  /** Also give the objects, as JSON texts joined by commas. */
  readonly withJson: boolean;
  /** Stop after scanning this many entries of the stream (default 50,000) once the page has an entry. */
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
const MAX_WINDOW = 10_000;

function list(values: readonly string[]): RawBuilder<unknown> {
  return sql.join(values.map((v) => sql.val(v)));
}

function tsList(values: readonly string[]): RawBuilder<unknown> {
  return sql.join(values.map((v) => sql`cast(${v} as timestamptz)`));
}

// Whether the request wants only the current version of each object (match[version] absent or "last").
function currentOnly(q: EntryQuery): boolean {
  const v = q.filter.versions;
  return v.last && !v.first && !v.all && v.timestamps.length === 0;
}

// Conditions of a window leg: position in the stream, added_after, ids and types (cheap, on the leg's own row).
function legConds(q: EntryQuery, after: PageCursor | undefined, added: string, seq: string, id: string): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [];
  if (after) conds.push(sql`(${sql.ref(added)}, ${sql.ref(seq)}) > (cast(${after.t} as timestamptz), ${after.s})`);
  if (q.filter.addedAfter) conds.push(sql`${sql.ref(added)} > cast(${q.filter.addedAfter} as timestamptz)`);
  if (q.filter.ids.length) conds.push(sql`${sql.ref(id)} in (${list(q.filter.ids)})`);
  // Types written into the statement (STIX type names, checked by parseFilter; quoted by sql.lit): the CHECK constraints
  // then prune the knowledge views' branches in a kept generic plan too (statement.cache.ts), as in a custom one.
  if (q.filter.types.length) conds.push(sql`split_part(${sql.ref(id)}, '--', 1) in (${sql.join(q.filter.types.map((t) => sql.lit(t)))})`);
  return conds.length ? sql.join(conds, sql` and `) : sql`true`;
}

// The window: the next entries of the stream after a position. Each entry carries the policy's columns of the
// contribution that carries it (POLICY_COLUMNS: `id` is that contribution's id, `object_id` the entry's object;
// `entry_modified` is the entry's own `modified`), so the collection's condition and the ranking read the window's
// rows: the current leg reads each contribution once, with no join back by contribution id. The versions leg takes
// them from the version's contribution (a version is only ever carried by a stored contribution).
function windowSql(q: EntryQuery, after: PageCursor | undefined, size: number): RawBuilder<unknown> {
  const current = sql`select c.updated_at as added, c.seq, coalesce(c.modified_text, to_char(c.updated_at at time zone 'UTC', ${UTC_TEXT})) as version,
      c.data, c.modified as entry_modified, true as current, ${policyColumns('c')}
    from contributions c where ${legConds(q, after, 'c.updated_at', 'c.seq', 'c.object_id')} order by c.updated_at, c.seq limit ${sql.lit(size)}`;
  if (currentOnly(q)) return current;
  return sql`select * from (
      (${current})
      union all
      (select v.added_at, v.seq, coalesce(v.modified_text, to_char(v.added_at at time zone 'UTC', ${UTC_TEXT})), v.data, v.modified, false, ${policyColumns('vc')}
        from stix_versions v join contributions vc on vc.id = v.contribution_id
        where ${legConds(q, after, 'v.added_at', 'v.seq', 'v.object_id')} order by v.added_at, v.seq limit ${sql.lit(size)})
    ) u order by u.added, u.seq limit ${sql.lit(size)}`;
}

// Whether an entry of the window belongs to the page: its contribution is in the collection, it is the version
// asked for, and it matches the filters.
function matches(q: EntryQuery): RawBuilder<boolean> {
  const f = q.filter;
  const conds: RawBuilder<unknown>[] = [q.inCollection('w')];
  if (f.specVersions) conds.push(f.specVersions.length ? sql`coalesce(w.data->>'spec_version', '2.1') in (${list(f.specVersions)})` : sql`false`);
  const last = sql`(w.current and ${headContribution(q.viewer, 'w', q.inCollection)})`;
  const v = f.versions;
  if (currentOnly(q)) conds.push(last);
  else if (!v.all) {
    const any: RawBuilder<unknown>[] = [];
    if (v.last) any.push(last);
    if (v.first)
      any.push(sql`(w.entry_modified is null or not exists (
          select 1 from contributions c2 where c2.object_id = w.object_id and c2.modified < w.entry_modified and ${q.inCollection('c2')}
          union all
          select 1 from stix_versions v2 join contributions c3 on c3.id = v2.contribution_id where v2.object_id = w.object_id and v2.modified < w.entry_modified and ${q.inCollection('c3')}))`);
    if (v.timestamps.length) any.push(sql`coalesce(w.entry_modified, w.added) in (${tsList(v.timestamps)})`);
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
// thousands of fields; the aggregates read the entries in window order.
async function readWindow(db: Kysely<Database>, q: EntryQuery, after: PageCursor | undefined, size: number, take: number): Promise<WindowResult> {
  const json = q.withJson ? sql`string_agg(m.data::text, ',' order by m.added, m.seq) filter (where m.ok and m.taken <= ${take})` : sql`null`;
  const res = await sql<WindowResult>`
    select string_agg(to_char(m.added at time zone 'UTC', ${UTC_TEXT}) || ' ' || m.seq || ' ' || m.rank || ' ' || m.id || ' ' || m.version || case when m.ok then ' 1' else ' 0' end, E'\\n' order by m.added, m.seq) as meta,
      ${json} as json
    from (
      select e.*, count(*) filter (where e.ok) over (order by e.added, e.seq rows between unbounded preceding and current row) as taken
      from (
        select w.added, w.seq, w.object_id as id, w.version, w.data, w.tlp_rank as rank, ${matches(q)} as ok
        from (${windowSql(q, after, size)}) w
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
 * `maxScan` entries were looked at with at least one entry found (a first page is never empty with more to come).
 * @example const { rows, json, resume } = await pageEntries(db, { viewer, inCollection, filter, after: undefined, limit: 1000, withJson: true })
 */
export async function pageEntries(db: Kysely<Database>, q: EntryQuery): Promise<EntryPage> {
  const maxScan = q.maxScan ?? 50_000;
  const rows: EntryRow[] = [];
  const json: string[] = [];
  // One version, one entry: the same version carried by two contributions (two audiences) is served once.
  const seen = new Set<string>();
  let after = q.after;
  let scanned = 0;
  let size = Math.min(Math.max(q.limit + 1, 64), MAX_WINDOW, maxScan);
  for (;;) {
    const take = q.limit - rows.length;
    const w = await readWindow(db, q, after, size, take);
    const entries = w.meta ? parseMeta(w.meta) : [];
    scanned += entries.length;
    const got = entries.filter((e) => e.ok);
    if (currentOnly(q)) {
      // One entry per object already (the version shown): the window's JSON goes out as it is.
      for (const e of got.slice(0, take)) rows.push({ date_added: e.date_added, seq: e.seq, id: e.id, version: e.version, rank: e.rank });
      if (w.json) json.push(w.json);
    } else {
      const jsonParts = w.json ? splitJsonObjects(w.json) : [];
      let part = 0;
      for (const e of got.slice(0, take)) {
        const objectJson = jsonParts[part++];
        const key = `${e.id}|${e.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        rows.push({ date_added: e.date_added, seq: e.seq, id: e.id, version: e.version, rank: e.rank });
        if (objectJson !== undefined) json.push(objectJson);
      }
    }
    const end = entries.length < size;
    const lastTaken = rows[rows.length - 1];
    if (rows.length === q.limit && lastTaken) {
      const more = got.length > take || !end;
      return { rows, json: json.join(','), resume: more ? { t: lastTaken.date_added, s: lastTaken.seq } : undefined };
    }
    const last = entries[entries.length - 1];
    if (end || !last) return { rows, json: json.join(','), resume: undefined };
    after = { t: last.date_added, s: last.seq };
    if (scanned >= maxScan && rows.length > 0) return { rows, json: json.join(','), resume: after };
    // A sparse collection: read bigger windows (beyond the budget only while the page is still empty).
    size = Math.max(1, Math.min(size * 4, MAX_WINDOW, rows.length > 0 ? maxScan - scanned : MAX_WINDOW));
  }
}

// The window's JSON is the objects' texts joined by commas; split it back at top-level commas.
function splitJsonObjects(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) depth++;
    else if (ch === 125 || ch === 93) depth--;
    else if (ch === 44 && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Whether the object is in the collection for the viewer at all (any version, any filter). */
export async function objectInCollection(db: Kysely<Database>, inCollection: (alias: string) => RawBuilder<boolean>, objectId: string): Promise<boolean> {
  const res = await sql<{ ok: number }>`select 1 as ok from contributions c where c.object_id = ${objectId} and ${inCollection('c')} limit 1`.execute(db);
  return res.rows.length > 0;
}
