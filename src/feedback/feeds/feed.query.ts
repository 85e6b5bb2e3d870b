import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StorageKind } from '../../db/database.ts';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { headContribution } from '../../access/visibility.policy.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';

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

interface Row {
  key: string;
  confidence: number | null;
  min_rank: number;
  forever: boolean;
  valid_until: Date | null;
  updated_at: Date | null;
  sid: number | null;
}

function like(prefix: string): string {
  return `${prefix.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
}

// One statement for both paths: each indicator in the version the viewer is shown (the policy and the
// ranking of versions in the query), the entry's level the least restrictive of them, its confidence the
// highest stated.
function entriesQuery(viewer: AnyViewer, f: FeedFilter, prefixes: readonly string[], page?: { after: string; size: number }): RawBuilder<Row> {
  const prefixTest = sql.join(
    prefixes.map((p) => sql`k.key like ${like(p)}`),
    sql` or `,
  );
  return sql<Row>`
    select k.key, min(c.tlp_rank) as min_rank,
      ${
        f.details
          ? sql`max(c.confidence) as confidence, bool_or(c.valid_until is null) as forever, max(c.valid_until) as valid_until, max(c.updated_at) as updated_at`
          : sql`null as confidence, true as forever, null as valid_until, null as updated_at`
      },
      ${f.withSid ? sql`max(s.sid)` : sql`null`} as sid
    from object_keys k
    join contributions c on c.id = k.contribution_id
    ${f.withSid ? sql`left join feed_sids s on s.key = k.key` : sql``}
    where (${prefixTest})
      ${page ? sql`and k.key > ${page.after}` : sql``}
      and left(k.object_id, 11) = 'indicator--' and not c.revoked
      and (c.valid_until is null or c.valid_until > ${f.now})
      and ${headContribution(viewer, 'c')}
      ${f.maxTlp ? sql`and c.tlp_rank <= ${TLP_LEVELS.indexOf(f.maxTlp)}` : sql``}
      ${f.since ? sql`and c.updated_at >= ${f.since}` : sql``}
    group by k.key
    ${f.minConfidence !== undefined ? sql`having max(c.confidence) >= ${f.minConfidence}` : sql``}
    order by k.key
    ${page ? sql`limit ${page.size}` : sql``}`;
}

function toEntry(prefixes: readonly string[], r: Row): FeedEntry {
  const prefix = prefixes.find((p) => r.key.startsWith(p)) ?? '';
  return {
    key: r.key,
    type: prefix.startsWith('file:') ? 'file' : prefix.slice(0, -1),
    value: r.key.slice(prefix.length),
    confidence: r.confidence === null ? null : Number(r.confidence),
    tlp: TLP_LEVELS[Number(r.min_rank)]!,
    validUntil: r.forever ? null : r.valid_until,
    updatedAt: r.updated_at ?? new Date(0),
    sid: r.sid === null ? null : Number(r.sid),
  };
}

/** Keyset pages on the key index: for PGlite, whose one connection must not be held by a long read. */
async function* keysetPages(db: Kysely<Database>, viewer: AnyViewer, f: FeedFilter, pageSize: number): AsyncGenerator<Row[]> {
  let after = '';
  for (;;) {
    const rows = (await entriesQuery(viewer, f, f.prefixes, { after, size: pageSize }).execute(db)).rows;
    if (rows.length) yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.key;
  }
}

/**
 * A server-side cursor on one connection of the pool: PostgreSQL plans the whole feed once (hash
 * joins, one sort) and hands it over page by page; at most two pages wait in memory.
 */
async function* cursorPages(db: Kysely<Database>, viewer: AnyViewer, f: FeedFilter, pageSize: number): AsyncGenerator<Row[]> {
  const ready: Row[][] = [];
  let done = false;
  let failure: unknown;
  let stop = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const reading = db
    .connection()
    .execute(async (conn) => {
      await sql`begin read only`.execute(conn);
      try {
        // A single large read: no JIT compilation, enough memory to hash in RAM instead of on disk.
        await sql`set local jit = off`.execute(conn);
        await sql`set local work_mem = '64MB'`.execute(conn);
        // The whole feed will be read: plan for all rows, not for the first few (the cursor default).
        await sql`set local cursor_tuple_fraction = 1.0`.execute(conn);
        await sql`declare kessetsu_feed no scroll cursor for ${entriesQuery(viewer, f, f.prefixes)}`.execute(conn);
        while (!stop) {
          const rows = (await sql<Row>`fetch ${sql.raw(String(pageSize))} from kessetsu_feed`.execute(conn)).rows;
          if (!rows.length) break;
          ready.push(rows);
          wakeConsumer?.();
          while (ready.length >= 2 && !stop) await new Promise<void>((r) => (wakeProducer = r));
        }
      } finally {
        await sql`rollback`.execute(conn).catch(() => {});
      }
    })
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
    // The caller stopped early (the client went away): close the cursor and give the connection back.
    stop = true;
    wakeProducer?.();
    await reading;
  }
}

/**
 * Pages of feed entries in key order, in constant memory whatever the size: each a value named by
 * at least one current (not revoked, not expired) indicator the viewer may see — the policy is part
 * of the query. PostgreSQL reads through a server-side cursor; PGlite by keyset pages.
 * @example for await (const page of feedPages(db, viewer, { prefixes: ['url:'], now: new Date(), withSid: false }, 'postgres')) write(page)
 */
export async function* feedPages(db: Kysely<Database>, viewer: AnyViewer, f: FeedFilter, kind: StorageKind, pageSize = 5000): AsyncGenerator<FeedEntry[]> {
  if (!f.prefixes.length) return;
  const pages = kind === 'postgres' ? cursorPages(db, viewer, f, pageSize) : keysetPages(db, viewer, f, pageSize);
  for await (const rows of pages) yield rows.map((r) => toEntry(f.prefixes, r));
}

/** The change fingerprint of everything feeds read: the highest sequence number and the next indicator expiry. */
export async function feedStamp(db: Kysely<Database>, now: Date): Promise<string> {
  const r = await sql<{ c: number | null; e: Date | null }>`
    select (select max(seq) from contributions) as c,
      (select min(valid_until) from contributions where valid_until > ${now}) as e`.execute(db);
  const row = r.rows[0];
  return `${row?.c ?? 0}|${row?.e ? new Date(row.e).toISOString() : '-'}`;
}
