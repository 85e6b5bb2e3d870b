import { sql, type Kysely } from 'kysely';
import type { Viewer } from '../../src/access/viewer.ts';
import type { Database } from '../../src/db/schema.ts';
import type { IngestParams } from '../../src/ingest/ingest.params.ts';
import { csvSlices } from '../../src/ingest/parsers/csv.parser.ts';
import { SlicePreparer } from '../../src/ingest/prepare.ts';
import { feedLineOf, type FeedLine } from '../../src/store/feed-line.ts';
import type { PreparedObject } from '../../src/store/knowledge.writer.ts';
import type { TestHub, TestMember } from './app.ts';

/** A hub's settings for tests of the stored tables themselves: every object stored the stored way, never as a feed line. */
export const STORED_ONLY = { KESSETSU_INGEST_FEED_LINES: 'false' } as const;

/**
 * A CSV feed as the importer prepares it for a member (its organisation's id salt, the given audience and time),
 * turned into feed lines: every row must make one (docs/design/feed-lines.md).
 * @example const lines = await feedLinesOf(hub, member, csv, now, { tlp: 'green', confidence: 60 })
 */
export async function feedLinesOf(hub: TestHub, m: TestMember, csv: string, now: Date, audience: { tlp?: string; confidence?: number } = {}): Promise<FeedLine[]> {
  const org = await hub.app.storage.db.selectFrom('orgs').selectAll().where('id', '=', m.org.id).executeTakeFirstOrThrow();
  const viewer = { kind: 'user', userId: m.userId, orgId: m.org.id, role: 'member' } as unknown as Viewer;
  const params = { format: 'csv', ...audience, orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api' } as unknown as IngestParams;
  const preparer = new SlicePreparer(params, { viewer, org, ingestId: null }, now, undefined);
  const prepared: PreparedObject[] = [];
  const slices = csvSlices(Buffer.from(csv), { now, idSalt: org.id_salt }, 100);
  for (let r = slices.next(); !r.done; r = slices.next()) prepared.push(...preparer.add(r.value.objects, new Set(r.value.generated)));
  const byId = new Map(prepared.map((p) => [p.record.id, p]));
  return prepared
    .filter((p) => p.record.type === 'relationship')
    .map((r) => {
      const line = feedLineOf([byId.get(String(r.record.data.target_ref))!, byId.get(String(r.record.data.source_ref))!, r]);
      if (!line) throw new Error(`not a feed line: ${r.record.id}`);
      return line;
    });
}

/** An organisation's rows of each knowledge view, in a fixed order, without the write's own ids, numbers and times. */
export const KNOWLEDGE_ROWS = {
  contributions: sql`select object_id, tlp, tlp_rank, pap, anonymous, allow_count, confidence, recipient_orgs, recipient_groups, recipient_users, scope_key,
      data::text as data, modified, modified_text, revoked, name, valid_until, pattern_usable, content_hash, owner_rank, superseded
    from contributions where org_id = $ORG order by object_id, scope_key`,
  registry: sql`select o.id, o.type, o.spec_version, o.created, o.value, o.display from stix_objects o
    where o.id in (select object_id from contributions where org_id = $ORG) order by o.id`,
  keys: sql`select k.object_id, k.key from object_keys k join contributions c on c.id = k.contribution_id where c.org_id = $ORG order by 1, 2`,
  edges: sql`select e.source_id, e.target_id, e.via_id, e.kind, e.label from object_edges e join contributions c on c.id = e.contribution_id where c.org_id = $ORG order by 1, 2, 3`,
  feed: sql`select key, object_id, tlp, tlp_rank, revoked, superseded, owner_rank, modified, valid_until, confidence from feed_entries where org_id = $ORG order by key, object_id, tlp`,
};

/**
 * Every row of an organisation's contributions, registry rows, keys, edges and feed entries (KNOWLEDGE_ROWS).
 * @example expect(await knowledgeRows(lined.db, b.org.id)).toEqual(await knowledgeRows(stored.db, a.org.id))
 */
export async function knowledgeRows(db: Kysely<Database>, orgId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, q] of Object.entries(KNOWLEDGE_ROWS)) {
    const text = q.compile(db).sql.replaceAll('$ORG', `'${orgId}'::uuid`);
    out[name] = (await sql.raw(text).execute(db)).rows;
  }
  return out;
}

// The times of what each hub wrote itself (not the feed's lines) differ between the hubs: masked, and the hashes of
// contents that hold them.
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
/**
 * knowledgeRows with the times not in `keep` masked, and the content hashes of contents that hold such a time.
 * @example expect(maskedRows(await knowledgeRows(db1, a), keep)).toEqual(maskedRows(await knowledgeRows(db2, b), keep))
 */
export function maskedRows(rows: Record<string, unknown[]>, keep: ReadonlySet<string>): unknown {
  const mask = (text: string) => text.replace(TIME, (t) => (keep.has(t) ? t : 'T'));
  const out = JSON.parse(mask(JSON.stringify(rows))) as Record<string, Record<string, unknown>[]>;
  out.contributions!.forEach((row, i) => {
    const data = (rows.contributions![i] as { data: string }).data;
    if (mask(data) !== data) row.content_hash = 'H';
  });
  return out;
}

/**
 * Lines `from`…`from + n - 1` of an organisation inserted by SQL as the CSV importer would present them (tests and
 * benches of the reads): an IPv4 address (`firstOctet`.x.y.z), a domain name or a URL, the organisation's indicator of
 * it and the based-on relationship, three consecutive sequence numbers.
 * @example await syntheticLinesSql(org.id, 0, 10_000).execute(db)
 */
export function syntheticLinesSql(orgId: string, from: number, n: number, firstOctet = 10) {
  const org = sql`cast(${orgId} as text)`;
  const v = `case i % 3 when 0 then '${firstOctet}.' || (i >> 16 & 255) || '.' || (i >> 8 & 255) || '.' || (i & 255)
    when 1 then 'line-' || i || '.example.com' else 'http://line-' || i || '.example.net/x?id=' || i end`;
  return sql`insert into feed_lines (seq, sco_seq, updated_at, created_text, modified_text, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, sco_type, value,
      display, sco_id, ind_id, rel_id, sco_reg_id, sco_owner, valid_from_text, name, labels, ind_hash, sco_hash, rel_hash)
    select s.seq, s.seq + 1, now(), s.t, s.t, cast(${orgId} as uuid), 'green', 1, 'green|o:|g:|u:|a:0', now(), now(), s.type, s.value, s.value,
      s.type || '--' || md5(s.type || ':' || s.value)::uuid, 'indicator--' || md5(${org} || s.type || s.value)::uuid,
      'relationship--' || md5(${org} || 'rel' || s.type || s.value)::uuid, s.type || '--' || md5(s.type || ':' || s.value)::uuid, true,
      s.t, s.value, '{scanner}', md5('i' || s.value), md5('s' || s.value), md5('r' || s.value)
    from (select i, (array['ipv4-addr', 'domain-name', 'url'])[i % 3 + 1] as type, ${sql.raw(v)} as value,
        greatest(nextval('change_seq'), nextval('change_seq'), nextval('change_seq')) - 2 as seq,
        to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t
      from generate_series(cast(${from} as int), cast(${from + n - 1} as int)) as g(i)) s`;
}
