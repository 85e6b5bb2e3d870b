import { sql, type Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { visibleContribution } from '../../access/visibility.policy.ts';
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
}

interface Row {
  key: string;
  confidence: number | null;
  min_rank: number;
  forever: boolean;
  valid_until: Date | null;
  updated_at: Date;
  sid: number | null;
}

function valueOf(prefix: string, key: string): string {
  return key.slice(prefix.length);
}

/**
 * Pages of feed entries, key by key (keyset pagination on the key index: constant memory whatever
 * the size), each a value named by at least one current (not revoked, not expired) indicator the
 * viewer may see — the policy is part of the query.
 * @example for await (const page of feedPages(db, viewer, { prefixes: ['url:'], now: new Date(), withSid: false })) write(page)
 */
export async function* feedPages(db: Kysely<Database>, viewer: AnyViewer, f: FeedFilter, pageSize = 5000): AsyncGenerator<FeedEntry[]> {
  for (const prefix of f.prefixes) {
    const type = prefix.startsWith('file:') ? 'file' : prefix.slice(0, -1);
    let after = '';
    for (;;) {
      const rows = await sql<Row>`
        select k.key,
          coalesce(max(v.confidence), max(o.confidence)) as confidence,
          min(v.rank) as min_rank,
          bool_or(o.valid_until is null) as forever,
          max(o.valid_until) as valid_until,
          max(o.updated_at) as updated_at,
          ${f.withSid ? sql`(select s.sid from feed_sids s where s.key = k.key)` : sql`null`} as sid
        from object_keys k
        join stix_objects o on o.id = k.object_id
        cross join lateral (
          select min(c.tlp_rank) as rank, max(c.confidence) as confidence from contributions c
          where c.object_id = o.id and ${visibleContribution(viewer, 'c')}
        ) v
        where k.key like ${`${prefix.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`}
          and k.key > ${after}
          and o.type = 'indicator' and not o.revoked
          and (o.valid_until is null or o.valid_until > ${f.now})
          and v.rank is not null
          ${f.maxTlp ? sql`and v.rank <= ${TLP_LEVELS.indexOf(f.maxTlp)}` : sql``}
          ${f.minConfidence !== undefined ? sql`and coalesce(v.confidence, o.confidence) >= ${f.minConfidence}` : sql``}
          ${f.since ? sql`and o.updated_at >= ${f.since}` : sql``}
        group by k.key
        order by k.key
        limit ${pageSize}`.execute(db);
      if (rows.rows.length === 0) break;
      yield rows.rows.map((r) => ({
        key: r.key,
        type,
        value: valueOf(prefix, r.key),
        confidence: r.confidence === null ? null : Number(r.confidence),
        tlp: TLP_LEVELS[Number(r.min_rank)]!,
        validUntil: r.forever ? null : r.valid_until,
        updatedAt: r.updated_at,
        sid: r.sid === null ? null : Number(r.sid),
      }));
      if (rows.rows.length < pageSize) break;
      after = rows.rows[rows.rows.length - 1]!.key;
    }
  }
}

/** The change fingerprint of everything feeds read: highest sequence numbers and the next indicator expiry. */
export async function feedStamp(db: Kysely<Database>, now: Date): Promise<string> {
  const r = await sql<{ c: number | null; o: number | null; e: Date | null }>`
    select (select max(seq) from contributions) as c, (select max(seq) from stix_objects) as o,
      (select min(valid_until) from stix_objects where type = 'indicator' and valid_until > ${now}) as e`.execute(db);
  const row = r.rows[0];
  return `${row?.c ?? 0}|${row?.o ?? 0}|${row?.e ? new Date(row.e).toISOString() : '-'}`;
}
