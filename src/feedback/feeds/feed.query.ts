import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StorageKind } from '../../db/database.ts';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { headContribution } from '../../access/visibility.policy.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';
import { escapeLike } from '../../db/like.ts';

/** One entry of a council feed: a value some visible, current indicator names. */
export interface FeedEntry {
  /** The index key, "url:http://…", "file:sha-256:…". */
  readonly key: string;
  /** Key type: "url", "domain-name", "ipv4-addr", "ipv6-addr", "file". */
  readonly type: string;
  /** The value as written in lists (a hash without its algorithm). */
  readonly value: string;
  readonly confidence: number | null;
  /** The least restrictive level the caller sees it at. */
  readonly tlp: Tlp;
  /** Null: no expiry. */
  readonly validUntil: Date | null;
  readonly updatedAt: Date;
  /** Signature id, when asked for. */
  readonly sid: number | null;
}

/** What a feed selects. */
export interface FeedFilter {
  /** Key prefixes, one per type: "url:", "domain-name:", "file:sha-256:". */
  readonly prefixes: readonly string[];
  readonly minConfidence?: number | undefined;
  /** Only indicators changed at or after this time. */
  readonly since?: Date | undefined;
  /** Only TLP levels at or below this one (the least restrictive visible contribution). */
  readonly maxTlp?: Tlp | undefined;
  readonly now: Date;
  readonly withSid: boolean;
  /** Confidence, expiry and change time too (CSV, JSON); plain lists need only the value and its level. */
  readonly details?: boolean;
}

// One page of the feed as the database hands it over: each column of its entries as one JSON array, so that
// a page of thousands of entries is one row to decode (PGlite builds a JS object per result row, at several
// µs each: a million rows cost more than the query itself).
interface Chunk {
  keys: string[];
  ranks: number[];
  confidence?: (number | null)[];
  forever?: boolean[];
  valid_until?: (string | null)[];
  updated_at?: (string | null)[];
  sids?: (number | null)[];
}

// One set-wise statement over feed_entries (each key of an indicator's contribution with the contribution's
// policy and feed facts, kept by triggers at write time): a scan of one narrow table, the policy as column
// comparisons, each indicator in the version the viewer is shown (the policy's ranking of versions reads the
// rows under the contributions' column names), the entry's level the least restrictive of them, its confidence
// the highest stated. No join: joining object_keys with contributions cost most of a big feed's time.
// Prefix tests are LIKE ranges the planner can estimate.
function entriesQuery(viewer: AnyViewer, f: FeedFilter): RawBuilder<unknown> {
  const prefixTest = sql.join(
    f.prefixes.map((p) => sql`c.key like ${`${escapeLike(p)}%`}`),
    sql` or `,
  );
  return sql`
    select c.key, min(c.tlp_rank) as min_rank
      ${f.details ? sql`, max(c.confidence) as confidence, bool_or(c.valid_until is null) as forever, max(c.valid_until) as valid_until, max(c.updated_at) as updated_at` : sql``}
      ${f.withSid ? sql`, max(s.sid) as sid` : sql``}
    from feed_entries c
    ${f.withSid ? sql`left join feed_sids s on s.key = c.key` : sql``}
    where (${prefixTest})
      and not c.revoked
      and (c.valid_until is null or c.valid_until > ${f.now})
      and ${headContribution(viewer, 'c')}
      ${f.maxTlp ? sql`and c.tlp_rank <= ${TLP_LEVELS.indexOf(f.maxTlp)}` : sql``}
      ${f.since ? sql`and c.updated_at >= ${f.since}` : sql``}
    group by c.key
    ${f.minConfidence !== undefined ? sql`having max(c.confidence) >= ${f.minConfidence}` : sql``}`;
}

// The feed in key order, cut into chunks of `size` entries, one row per chunk (see Chunk). Both readers plan it
// without hash aggregates (NO_HASH_AGGREGATE): the keys are grouped by one sort, which also gives the window its
// order, instead of a hash aggregate of every key followed by a sort of all of them for the window — the planner
// cannot estimate the groups of an expression (the lines' keys are built from two columns) and took the hash,
// which cost the council feed a third of its time (issue 17.3; bench/RESULTS.md). The chunks' few hundred groups
// are then sorted too, a sort of rows that come nearly in order. toEntries checks the order of each chunk.
function chunksQuery(viewer: AnyViewer, f: FeedFilter, size: number): RawBuilder<Chunk> {
  return sql<Chunk>`
    select json_agg(x.key) as keys, json_agg(x.min_rank) as ranks
      ${f.details ? sql`, json_agg(x.confidence) as confidence, json_agg(x.forever) as forever, json_agg(x.valid_until) as valid_until, json_agg(x.updated_at) as updated_at` : sql``}
      ${f.withSid ? sql`, json_agg(x.sid) as sids` : sql``}
    from (
      select e.*, (row_number() over (order by e.key) - 1) / ${sql.lit(size)} as chunk from (${entriesQuery(viewer, f)}) e
    ) x
    group by x.chunk
    order by x.chunk`;
}

function typeOf(prefixes: readonly string[], key: string): { type: string; prefix: string } {
  const prefix = prefixes.find((p) => key.startsWith(p)) ?? '';
  return { type: prefix.startsWith('file:') ? 'file' : prefix.slice(0, -1), prefix };
}

// Entries of plain lists carry no change time; they share one (never mutated) instead of a Date each.
const NO_TIME = new Date(0);

function toEntries(prefixes: readonly string[], c: Chunk): FeedEntry[] {
  const out = new Array<FeedEntry>(c.keys.length);
  let last = '';
  let sorted = true;
  // Keys come in order, so runs of one prefix: test the previous one first.
  let kind = { type: '', prefix: '' };
  for (let i = 0; i < c.keys.length; i++) {
    const key = c.keys[i]!;
    if (key < last) sorted = false;
    last = key;
    if (!kind.prefix || !key.startsWith(kind.prefix)) kind = typeOf(prefixes, key);
    const { type, prefix } = kind;
    const forever = c.forever ? c.forever[i]! : true;
    const until = c.valid_until?.[i];
    const updated = c.updated_at?.[i];
    const confidence = c.confidence?.[i];
    const sid = c.sids?.[i];
    out[i] = {
      key,
      type,
      value: key.slice(prefix.length),
      confidence: confidence === undefined || confidence === null ? null : Number(confidence),
      tlp: TLP_LEVELS[Number(c.ranks[i])]!,
      validUntil: forever || !until ? null : new Date(until),
      updatedAt: updated ? new Date(updated) : NO_TIME,
      sid: sid === undefined || sid === null ? null : Number(sid),
    };
  }
  // The chunk is aggregated from a sorted subquery, which PostgreSQL keeps in practice; never trust it blindly.
  if (!sorted) out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out;
}

/**
 * What a reader does with each page before handing it over (warninglists, signature ids, the audit of
 * sensitive entries), given the connection the feed is read on: a page's queries never wait for a second
 * connection of the pool while the feed holds one. (A feed that held its cursor's connection and asked the
 * pool for another to audit a page deadlocked as soon as every connection was such a feed: with five
 * connections, five readers of a feed with AMBER+STRICT entries, aborted or not, stopped the hub.)
 */
export type PageStep = (db: Kysely<Database>, page: FeedEntry[]) => Promise<FeedEntry[]>;

const asIs: PageStep = async (_db, page) => page;

let cursors = 0;

/** Set in the feed statement's transaction (see chunksQuery). */
const NO_HASH_AGGREGATE = sql`set local enable_hashagg = off`;

// Cursor names are unique per process, so that a cursor a broken connection could not close never collides
// with the next feed read on the same session.
function cursorName(): RawBuilder<unknown> {
  return sql.raw(`kessetsu_feed_${++cursors}`);
}

/**
 * PGlite: the whole feed computed by one statement into a held cursor (materialised by the database, spilled
 * to its temporary files beyond work_mem, not held in JS), then read a chunk per statement, so that other
 * queries run between pages. The one statement is set-wise (hash join, one sort): per-key lookups cost
 * ~20 µs an entry in WebAssembly, the set-wise plan ~3.
 */
async function* heldCursorPages(db: Kysely<Database>, viewer: AnyViewer, f: FeedFilter, size: number, step: PageStep): AsyncGenerator<FeedEntry[]> {
  const name = cursorName();
  await db.transaction().execute(async (trx) => {
    await sql`set local work_mem = '64MB'`.execute(trx);
    await NO_HASH_AGGREGATE.execute(trx);
    await sql`declare ${name} no scroll cursor with hold for ${chunksQuery(viewer, f, size)}`.execute(trx);
  });
  try {
    for (;;) {
      const rows = (await sql<Chunk>`fetch 1 from ${name}`.execute(db)).rows;
      if (!rows.length) return;
      if (!rows[0]!.keys?.length) continue;
      yield await step(db, toEntries(f.prefixes, rows[0]!));
    }
  } finally {
    await sql`close ${name}`.execute(db).catch(() => {});
  }
}

/**
 * PostgreSQL: one connection of the pool, taken for the whole feed. The statement is planned once (hash
 * aggregates, one sort) and materialised by a held cursor when its short transaction commits; each chunk is
 * then fetched, turned into entries and put through the caller's step on that same connection (its writes,
 * audit rows, commit page by page), at most two pages ahead of the consumer. When the consumer stops early
 * (the client went away), the reader finishes the statement it is in, closes the cursor and gives the
 * connection back.
 */
async function* cursorPages(db: Kysely<Database>, viewer: AnyViewer, f: FeedFilter, size: number, step: PageStep): AsyncGenerator<FeedEntry[]> {
  const ready: FeedEntry[][] = [];
  let done = false;
  let failure: unknown;
  let stop = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const read = async (conn: Kysely<Database>): Promise<void> => {
    if (stop) return;
    const name = cursorName();
    await conn.transaction().execute(async (trx) => {
      // A single large read: no JIT compilation, enough memory to hash in RAM instead of on disk.
      await sql`set local jit = off`.execute(trx);
      await sql`set local work_mem = '64MB'`.execute(trx);
      // The whole feed will be read: plan for all rows, not for the first few (the cursor default).
      await sql`set local cursor_tuple_fraction = 1.0`.execute(trx);
      await NO_HASH_AGGREGATE.execute(trx);
      await sql`declare ${name} no scroll cursor with hold for ${chunksQuery(viewer, f, size)}`.execute(trx);
    });
    try {
      while (!stop) {
        const rows = (await sql<Chunk>`fetch 1 from ${name}`.execute(conn)).rows;
        if (!rows.length) break;
        if (!rows[0]!.keys?.length) continue;
        ready.push(await step(conn, toEntries(f.prefixes, rows[0]!)));
        wakeConsumer?.();
        while (ready.length >= 2 && !stop) await new Promise<void>((r) => (wakeProducer = r));
      }
    } finally {
      // A held cursor outlives transactions: it is closed before the connection goes back to the pool (only a
      // broken connection fails to, and the pool drops those).
      await sql`close ${name}`.execute(conn).catch(() => {});
    }
  };
  const reading = db
    .connection()
    .execute(read)
    .then(
      () => void (done = true),
      (err: unknown) => void ((failure = err), (done = true)),
    )
    .finally(() => wakeConsumer?.());
  try {
    for (;;) {
      const page = ready.shift();
      if (page) {
        wakeProducer?.();
        yield page;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((r) => (wakeConsumer = r));
    }
  } finally {
    // The caller stopped early (the client went away) or the read failed: stop the reader and wait for the connection to go back.
    stop = true;
    wakeProducer?.();
    await reading;
  }
}

/**
 * Pages of feed entries in key order, in constant memory whatever the size: each a value named by
 * at least one current (not revoked, not expired) indicator the viewer may see — the policy is part
 * of the query. PostgreSQL reads through a held cursor on one pooled connection; PGlite through a held
 * cursor between other queries. `step` runs on each page before it is yielded, on the reading connection.
 * @example for await (const page of feedPages(db, viewer, { prefixes: ['url:'], now: new Date(), withSid: false }, 'postgres')) write(page)
 */
export async function* feedPages(db: Kysely<Database>, viewer: AnyViewer, f: FeedFilter, kind: StorageKind, pageSize = 5000, step: PageStep = asIs): AsyncGenerator<FeedEntry[]> {
  if (!f.prefixes.length) return;
  yield* kind === 'postgres' ? cursorPages(db, viewer, f, pageSize, step) : heldCursorPages(db, viewer, f, pageSize, step);
}

/** The change fingerprint of everything feeds read: the highest sequence number and the next indicator expiry. */
export async function feedStamp(db: Kysely<Database>, now: Date): Promise<string> {
  const r = await sql<{ c: number | null; e: Date | null }>`
    select (select max(seq) from contributions) as c,
      (select min(valid_until) from contributions where valid_until > ${now}) as e`.execute(db);
  const row = r.rows[0];
  return `${row?.c ?? 0}|${row?.e ? new Date(row.e).toISOString() : '-'}`;
}
