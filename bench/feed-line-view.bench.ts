// A prototype of flat feed lines presented as views (issue 17 point 1, docs/design/feed-lines.md; a design
// measurement, not product code). Two databases on the bench's PostgreSQL, both migrated with the product's
// migrations and holding BENCH_FLV_BASE lines of another organisation stored the current way (three objects, three
// contributions, two keys, an edge a line), then BENCH_FLV_LINES lines of the measured organisation:
//   "stored": the lines stored the current way too (what the hub does today);
//   "lines":  the lines as one feed_lines row each, and views (contributions_v, stix_objects_v) that UNION ALL the
//             stored tables with one projection per synthesised kind (indicator, observable, based-on relationship).
// It measures (a) the server CPU a line of writing BENCH_FLV_ROWS more lines (from /proc: the server must run on this
// machine), each way, and (b) the plans and times of the policy-shaped reads that matter most: an object by id as the
// object page reads it (headContribution), the contributions of an object, a TAXII-like window by (date_added, seq)
// with a type filter, the objects list by value, the in-memory index's catch-up by seq. Needs KESSETSU_BENCH_PG_URL.
//   BENCH_FLV_BASE (default 100,000)  BENCH_FLV_LINES (default 1,000,000)  BENCH_FLV_ROWS (default 100,000)
//   BENCH_RUNS (default 3)  BENCH_FLV_READS (default 300 timed reads a query)  BENCH_DB_PREFIX (default "bench")
//   BENCH_FLV_KEEP=1 keeps the databases (for psql)   BENCH_FLV_EXPLAIN=<file> writes the EXPLAIN (ANALYZE, BUFFERS)
//   BENCH_FLV_CID=1 adds the three contribution-id expression indexes (and times the reads that join by contribution id)
//   BENCH_FLV_SQL=<file> only writes the prototype's DDL
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { down as downFeedLinesViews } from '../src/db/migrations/2026-12-06T03-00-feed-lines-views.ts';
import { freshPgDatabase, median, report } from './support.ts';

const PG_URL = process.env.KESSETSU_BENCH_PG_URL;
const BASE = Number(process.env.BENCH_FLV_BASE ?? 100_000);
const LINES = Number(process.env.BENCH_FLV_LINES ?? 1_000_000);
const ROWS = Number(process.env.BENCH_FLV_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const READS = Number(process.env.BENCH_FLV_READS ?? 300);
const PREFIX = process.env.BENCH_DB_PREFIX ?? 'bench';
const KEEP = process.env.BENCH_FLV_KEEP === '1';
const EXPLAIN_FILE = process.env.BENCH_FLV_EXPLAIN;
// With the line-derived contribution ids index-searchable (one expression index a kind; section 2.3 of the design).
const CID_INDEXES = process.env.BENCH_FLV_CID === '1';

const ORG_A = '0a0a0a0a-0000-4000-8000-00000000000a'; // the feed's organisation
const ORG_B = '0b0b0b0b-0000-4000-8000-00000000000b'; // the base's organisation (reports the same values)
const ORG_C = '0c0c0c0c-0000-4000-8000-00000000000c'; // the reader: a member with an NDA, named on some AMBER lines
const ORG_D = '0d0d0d0d-0000-4000-8000-00000000000d';
const USER_C = '0c0c0c0c-0000-4000-8000-0000000000cc';
const NOW = '2026-12-06T01:00:00.000Z';
const MARKINGS: Record<string, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
};

// ---- the data, one generator for both forms: line i of an organisation --------------------------------------------
// Values: a third each IPv4 addresses, domain names and URLs (the bench feed's shape); line i of every organisation has
// the same value, so the base's observables are the feed's first BASE observables. TLP: AMBER naming C on every
// tenth line, AMBER naming D on the next fifth, GREEN otherwise.
const V = {
  type: (i: string) => `(array['ipv4-addr','domain-name','url'])[${i} % 3 + 1]`,
  value: (i: string) => `case ${i} % 3 when 0 then '10.' || (${i} >> 16 & 255) || '.' || (${i} >> 8 & 255) || '.' || (${i} & 255)
    when 1 then 'bad-' || ${i} || '.example.com' else 'http://evil-' || ${i} || '.example.net/login.php?id=' || ${i} end`,
  tlp: (i: string) => `case when ${i} % 10 in (0, 5) then 'amber' else 'green' end`,
  orgs: (i: string) => `case ${i} % 10 when 0 then array['${ORG_C}']::uuid[] when 5 then array['${ORG_D}']::uuid[] else '{}'::uuid[] end`,
};
const uuidOf = (text: string) => `(md5(${text})::uuid)::text`;
// The ids of line i of organisation `org` (SQL text expressions): the SCO's deterministic one (of its value), the
// indicator's of the organisation and pattern, the relationship's of both (stand-ins for the uuidv5 ids).
const ids = (i: string, org: string) => ({
  sco: `${V.type(i)} || '--' || ${uuidOf(`${V.type(i)} || ':' || ${V.value(i)}`)}`,
  ind: `'indicator--' || ${uuidOf(`'${org}|' || ${V.type(i)} || ':' || ${V.value(i)}`)}`,
  rel: `'relationship--' || ${uuidOf(`'${org}|rel|' || ${V.type(i)} || ':' || ${V.value(i)}`)}`,
});
const scopeKey = (i: string) => `${V.tlp(i)} || '|o:' || array_to_string(${V.orgs(i)}, ',') || '|g:|u:|a:0'`;

// The STIX pattern of a value (backslash and quote escaped), and the JSON of the three objects of a line.
const patternOf = (type: string, value: string) => `'[' || ${type} || ':value = ''' || replace(replace(${value}, '\\', '\\\\'), '''', '\\''') || ''']'`;
const markingOf = (tlp: string) => `case ${tlp} ${Object.entries(MARKINGS).map(([k, v]) => `when '${k}' then '${v}'`).join(' ')} end`;
const ts = (t: string) => `to_char(${t} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const json = {
  sco: (type: string, id: string, value: string, tlp: string) =>
    `jsonb_build_object('type', ${type}, 'spec_version', '2.1', 'id', ${id}, 'value', ${value}, 'object_marking_refs', jsonb_build_array(${markingOf(tlp)}))`,
  ind: (id: string, type: string, value: string, created: string, validFrom: string, labels: string, description: string, tlp: string) =>
    `jsonb_build_object('type', 'indicator', 'spec_version', '2.1', 'id', ${id}, 'created', ${ts(created)}, 'modified', ${ts(created)},
      'pattern', ${patternOf(type, value)}, 'pattern_type', 'stix', 'valid_from', ${ts(validFrom)}, 'name', ${value},
      'labels', to_jsonb(${labels}), 'description', ${description}, 'object_marking_refs', jsonb_build_array(${markingOf(tlp)}))`,
  rel: (id: string, ind: string, sco: string, created: string, tlp: string) =>
    `jsonb_build_object('type', 'relationship', 'spec_version', '2.1', 'id', ${id}, 'created', ${ts(created)}, 'modified', ${ts(created)},
      'relationship_type', 'based-on', 'source_ref', ${ind}, 'target_ref', ${sco}, 'object_marking_refs', jsonb_build_array(${markingOf(tlp)}))`,
};

// Lines [from, from + n) of `org` stored the current way: registry rows (new ones only), contributions, keys, an edge.
function storedSql(from: number, n: number, org: string): string[] {
  const i = 'g.i';
  const d = ids(i, org);
  const src = `from generate_series(${from}, ${from + n - 1}) as g(i)`;
  const tlp = V.tlp(i);
  const common = `'${org}'::uuid, null, null, ${tlp}, case ${tlp} when 'green' then 1 else 2 end, false, true, null, ${V.orgs(i)}, '{}', '{}', ${scopeKey(i)},
    timestamptz '2026-11-01', timestamptz '${NOW}', nextval('change_seq'), timestamptz '${NOW}', timestamptz '${NOW}'`;
  const cols = `object_id, org_id, user_id, ingest_id, tlp, tlp_rank, anonymous, allow_count, confidence, recipient_orgs, recipient_groups, recipient_users,
    scope_key, first_seen, last_seen, seq, created_at, updated_at, data, modified, modified_text, name, pattern_usable, content_hash, owner_rank`;
  const sco = `${V.type(i)}`;
  return [
    `insert into stix_objects (id, type, value, display, seq, added_at, owner_org_id)
      select ${d.sco}, ${sco}, ${V.value(i)}, ${V.value(i)}, nextval('change_seq'), timestamptz '${NOW}', null ${src} on conflict (id) do nothing`,
    `insert into stix_objects (id, type, created, seq, added_at, owner_org_id)
      select x.id, x.type, timestamptz '${NOW}', nextval('change_seq'), timestamptz '${NOW}', '${org}' from (
        select ${d.ind} as id, 'indicator' as type ${src} union all select ${d.rel}, 'relationship' ${src}) x`,
    `insert into contributions (${cols})
      select ${d.sco}, ${common}, ${json.sco(sco, d.sco, V.value(i), tlp)}, null, null, null, null, md5(${d.sco}), 0 ${src}`,
    `insert into contributions (${cols})
      select ${d.ind}, ${common}, ${json.ind(d.ind, sco, V.value(i), `timestamptz '${NOW}'`, `timestamptz '2026-11-01'`, `array['scanner']`, `'feed'`, tlp)},
        timestamptz '${NOW}', '${NOW}', ${V.value(i)}, true, md5(${d.ind}), 1 ${src}`,
    `insert into contributions (${cols})
      select ${d.rel}, ${common}, ${json.rel(d.rel, d.ind, d.sco, `timestamptz '${NOW}'`, tlp)}, timestamptz '${NOW}', '${NOW}', null, null, md5(${d.rel}), 1 ${src}`,
    `insert into object_keys (contribution_id, object_id, key)
      select c.id, c.object_id, x.type || ':' || x.value from (select ${d.sco} as sco, ${sco} as type, ${V.value(i)} as value ${src}) x
        join contributions c on c.object_id = x.sco and c.org_id = '${org}'
      union all
      select c.id, c.object_id, x.type || ':' || x.value from (select ${d.ind} as ind, ${sco} as type, ${V.value(i)} as value ${src}) x
        join contributions c on c.object_id = x.ind and c.org_id = '${org}'`,
    `insert into object_edges (contribution_id, source_id, target_id, via_id, kind, label)
      select c.id, x.ind, x.sco, x.rel, 'relationship', 'based-on' from (select ${d.sco} as sco, ${d.ind} as ind, ${d.rel} as rel ${src}) x
        join contributions c on c.object_id = x.rel`,
  ];
}

// ---- the flat form -------------------------------------------------------------------------------------------------
// One row a line. `seq` is the first of three consecutive change_seq numbers (indicator, observable, relationship).
// A line always presents its three contributions (a line whose observable has a stored contribution of the same
// organisation and audience is written the stored way). `sco_reg_id`: the observable's id when the line presents its
// registry row (no stored one, no other line), else null; `sco_sup`: the observable contribution is not the
// observable's highest-ranked (headContribution's `superseded`, kept by the writers). A nullable column rather than a
// WHERE clause in the view's branch: PostgreSQL pulls a UNION ALL branch up into the query (index scans parameterised
// by a join, Merge Append) only when it has no WHERE of its own; the views drop the null ids with one WHERE above.
const SCO_TYPES = "'ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr'";
const LINES_TABLE = `create table feed_lines (
  id bigint primary key, seq bigint not null, org_id uuid not null, user_id uuid, ingest_id uuid, feed text collate "C",
  tlp text not null, tlp_rank smallint not null, anonymous boolean not null default false, allow_count boolean not null default true,
  confidence smallint, recipient_orgs uuid[] not null default '{}', recipient_groups uuid[] not null default '{}',
  recipient_users uuid[] not null default '{}', scope_key text collate "C" not null,
  sco_type text collate "C" not null, value text not null,
  sco_id text collate "C" not null, ind_id text collate "C" not null, rel_id text collate "C" not null,
  sco_reg_id text collate "C", sco_sup boolean not null default false,
  created timestamptz not null, valid_from timestamptz not null, labels text[] not null default '{}', description text,
  first_seen timestamptz not null, last_seen timestamptz not null, updated_at timestamptz not null,
  check (split_part(ind_id, '--', 1) = 'indicator'), check (split_part(rel_id, '--', 1) = 'relationship'),
  check (split_part(sco_id, '--', 1) in (${SCO_TYPES})), check (split_part(sco_reg_id, '--', 1) in (${SCO_TYPES})))`;
const LINE_INDEXES_ALL: readonly { readonly name: string; readonly sql: string; readonly minimal: boolean; readonly cid?: boolean }[] = [
  { name: 'identity: (ind_id, scope_key) unique', sql: 'create unique index fl_ind on feed_lines (ind_id, scope_key)', minimal: true },
  { name: 'sco_id', sql: 'create index fl_sco on feed_lines (sco_id)', minimal: true },
  { name: 'sco_reg_id (partial)', sql: 'create index fl_screg on feed_lines (sco_reg_id) where sco_reg_id is not null', minimal: true },
  { name: 'rel_id', sql: 'create index fl_rel on feed_lines (rel_id)', minimal: true },
  { name: '(updated_at, seq)', sql: 'create index fl_upd0 on feed_lines (updated_at, seq)', minimal: true },
  { name: 'value (partial: registry rows)', sql: 'create index fl_value on feed_lines (value) where sco_reg_id is not null', minimal: false },
  { name: '(updated_at, seq + 1)', sql: 'create index fl_upd1 on feed_lines (updated_at, (seq + 1))', minimal: false },
  { name: '(updated_at, seq + 2)', sql: 'create index fl_upd2 on feed_lines (updated_at, (seq + 2))', minimal: false },
  { name: '(seq), (seq + 1), (seq + 2)', sql: 'create index fl_seq0 on feed_lines (seq); create index fl_seq1 on feed_lines ((seq + 1)); create index fl_seq2 on feed_lines ((seq + 2))', minimal: false },
  { name: '(org_id, seq)', sql: 'create index fl_org on feed_lines (org_id, seq)', minimal: false },
  { name: "observable key (sco_type || ':' || value)", sql: "create index fl_key on feed_lines ((sco_type || ':' || value))", minimal: false },
  {
    name: 'contribution ids CID(0), CID(1), CID(2)',
    sql: 'create index fl_cid0 on feed_lines ((1125899906842624 + id * 4 + 0)); create index fl_cid1 on feed_lines ((1125899906842624 + id * 4 + 1)); create index fl_cid2 on feed_lines ((1125899906842624 + id * 4 + 2))',
    minimal: false,
    cid: true,
  },
];
const LINE_INDEXES = LINE_INDEXES_ALL.filter((x) => CID_INDEXES || !x.cid);

// Contribution ids of lines: 2^50 + 4 × line id + kind (0 indicator, 1 observable, 2 relationship): no stored id
// reaches it, JavaScript numbers hold it exactly, and the line and kind come back by arithmetic.
const CID = (k: number) => `(1125899906842624 + l.id * 4 + ${k})`;

function linesSql(from: number, n: number, org: string, into = 'feed_lines'): string {
  const i = 'g.i';
  const d = ids(i, org);
  return `insert into ${into} (id, seq, org_id, feed, tlp, tlp_rank, recipient_orgs, scope_key, sco_type, value, sco_id, ind_id, rel_id, sco_reg_id,
      created, valid_from, labels, description, first_seen, last_seen, updated_at)
    select ${i}, 0, '${org}', 'feed-a', ${V.tlp(i)}, case ${V.tlp(i)} when 'green' then 1 else 2 end, ${V.orgs(i)}, ${scopeKey(i)}, ${V.type(i)}, ${V.value(i)},
      ${d.sco}, ${d.ind}, ${d.rel}, null, timestamptz '${NOW}', timestamptz '2026-11-01', array['scanner'], 'feed',
      timestamptz '2026-11-01', timestamptz '${NOW}', timestamptz '${NOW}'
    from generate_series(${from}, ${from + n - 1}) as g(i)`;
}

// The merge of a staged slice into feed_lines (a first import's or a re-import's): new lines take three sequence
// numbers, check for a stored contribution of the observable by the same organisation and audience, and decide
// sco_reg_id by probing the stored registry and the other lines; known lines get a later
// last_seen only. Under the ingest's write lock, so the three numbers of a line are consecutive.
const MERGE = `with s as (
    select x.*, not exists (select 1 from stix_objects o where o.id = x.sco_id)
        and not exists (select 1 from feed_lines f where f.sco_reg_id = x.sco_id) as reg,
      not exists (select 1 from contributions c where c.object_id = x.sco_id and c.org_id = x.org_id and c.scope_key = x.scope_key) as here
    from fl_stage x)
  insert into feed_lines as f (id, seq, org_id, feed, tlp, tlp_rank, recipient_orgs, scope_key, sco_type, value, sco_id, ind_id, rel_id, sco_reg_id,
      created, valid_from, labels, description, first_seen, last_seen, updated_at)
  select s.id, greatest(nextval('change_seq'), nextval('change_seq'), nextval('change_seq')) - 2, s.org_id, s.feed, s.tlp, s.tlp_rank, s.recipient_orgs,
    s.scope_key, s.sco_type, s.value, s.sco_id, s.ind_id, s.rel_id, case when s.reg then s.sco_id end, s.created, s.valid_from, s.labels, s.description,
    s.first_seen, s.last_seen, s.updated_at
  from s where s.here -- the others are written the stored way (none in this bench)
  on conflict (ind_id, scope_key) do update set last_seen = excluded.last_seen where f.last_seen < excluded.last_seen`;

// The rows alone, without the merge's probes and conflict handling: what the indexes cost.
const PLAIN_INSERT = `insert into feed_lines (id, seq, org_id, feed, tlp, tlp_rank, recipient_orgs, scope_key, sco_type, value, sco_id, ind_id, rel_id, sco_reg_id,
      created, valid_from, labels, description, first_seen, last_seen, updated_at)
  select s.id, greatest(nextval('change_seq'), nextval('change_seq'), nextval('change_seq')) - 2, s.org_id, s.feed, s.tlp, s.tlp_rank, s.recipient_orgs,
    s.scope_key, s.sco_type, s.value, s.sco_id, s.ind_id, s.rel_id, s.sco_reg_id, s.created, s.valid_from, s.labels, s.description, s.first_seen, s.last_seen, s.updated_at
  from fl_stage s`;

const CONTRIB_COLS = `id, object_id, org_id, user_id, ingest_id, tlp, tlp_rank, pap, anonymous, allow_count, confidence, recipient_orgs, recipient_groups,
  recipient_users, scope_key, first_seen, last_seen, seq, created_at, updated_at, data, modified, modified_text, revoked, name, valid_until,
  pattern_usable, content_hash, owner_rank, superseded`;
// One branch a kind, the columns of the stored table. No branch has a WHERE or a COLLATE clause: either keeps
// PostgreSQL from pulling the branch up into the query (then no index scan parameterised by a join, no Merge Append).
// A type filter written as today (split_part of the id) prunes the branches of other types through feed_lines' CHECK
// constraints (constraint_exclusion = partition, PostgreSQL's default, applies to UNION ALL branches).
const VIEWS = [
  `create view contributions_v as
    select ${CONTRIB_COLS} from contributions
    union all
    select ${CID(0)}, l.ind_id, l.org_id, l.user_id, l.ingest_id, l.tlp, l.tlp_rank, null::text, l.anonymous, l.allow_count, l.confidence, l.recipient_orgs,
      l.recipient_groups, l.recipient_users, l.scope_key, l.first_seen, l.last_seen, l.seq, l.created, l.updated_at,
      ${json.ind('l.ind_id', 'l.sco_type', 'l.value', 'l.created', 'l.valid_from', 'l.labels', 'l.description', 'l.tlp')},
      l.created, ${ts('l.created')}, false, l.value, null::timestamptz, true, md5(l.ind_id), 1::smallint, false
    from feed_lines l
    union all
    select ${CID(1)}, l.sco_id, l.org_id, l.user_id, l.ingest_id, l.tlp, l.tlp_rank, null::text, l.anonymous, l.allow_count, l.confidence, l.recipient_orgs,
      l.recipient_groups, l.recipient_users, l.scope_key, l.first_seen, l.last_seen, l.seq + 1, l.created, l.updated_at,
      ${json.sco('l.sco_type', 'l.sco_id', 'l.value', 'l.tlp')},
      null::timestamptz, null::text, false, null::text, null::timestamptz, null::boolean, md5(l.sco_id), 0::smallint, l.sco_sup
    from feed_lines l
    union all
    select ${CID(2)}, l.rel_id, l.org_id, l.user_id, l.ingest_id, l.tlp, l.tlp_rank, null::text, l.anonymous, l.allow_count, l.confidence, l.recipient_orgs,
      l.recipient_groups, l.recipient_users, l.scope_key, l.first_seen, l.last_seen, l.seq + 2, l.created, l.updated_at,
      ${json.rel('l.rel_id', 'l.ind_id', 'l.sco_id', 'l.created', 'l.tlp')},
      l.created, ${ts('l.created')}, false, null::text, null::timestamptz, null::boolean, md5(l.rel_id), 1::smallint, false
    from feed_lines l`,
  `create view stix_objects_v as select * from (
    select id, type, spec_version, created, value, display, seq, added_at, owner_org_id from stix_objects
    union all
    select l.ind_id, split_part(l.ind_id, '--', 1), '2.1', l.created, null::text, null::text, l.seq, l.created, l.org_id from feed_lines l
    union all
    select l.sco_reg_id, l.sco_type, '2.1', null::timestamptz, l.value, l.value, l.seq + 1, l.created, null::uuid from feed_lines l
    union all
    select l.rel_id, split_part(l.rel_id, '--', 1), '2.1', l.created, null::text, null::text, l.seq + 2, l.created, l.org_id from feed_lines l) u where u.id is not null`,
  `create view object_keys_v as
    select contribution_id, object_id, key from object_keys
    union all select ${CID(0)}, l.ind_id, l.sco_type || ':' || l.value from feed_lines l
    union all select ${CID(1)}, l.sco_id, l.sco_type || ':' || l.value from feed_lines l`,
  `create view object_edges_v as
    select contribution_id, source_id, target_id, via_id, kind, label from object_edges
    union all select ${CID(2)}, l.ind_id, l.sco_id, l.rel_id, 'relationship', 'based-on' from feed_lines l`,
  // What readers that join object_keys to contributions by contribution id would read instead (a code change): the
  // stored join, and the lines' keys with their policy columns at hand (no join by a computed id).
  `create view keyed_contributions_v as select * from (
    select k.key, c.id, c.object_id, c.org_id, c.user_id, c.tlp, c.tlp_rank, c.recipient_orgs, c.recipient_groups, c.recipient_users
      from object_keys k join contributions c on c.id = k.contribution_id
    union all select l.sco_type || ':' || l.value, ${CID(0)}, l.ind_id, l.org_id, l.user_id, l.tlp, l.tlp_rank, l.recipient_orgs, l.recipient_groups, l.recipient_users from feed_lines l
    union all select l.sco_type || ':' || l.value, ${CID(1)}, l.sco_id, l.org_id, l.user_id, l.tlp, l.tlp_rank, l.recipient_orgs, l.recipient_groups, l.recipient_users from feed_lines l
    ) u`,
];

// ---- the access policy, as visibility.policy.ts writes it for a member of C with an NDA, on a table or view `t` ----
const visible = (a: string) => `(${a}.tlp_rank <= 1 or (${a}.tlp <> 'red' and ${a}.org_id = '${ORG_C}')
    or (${a}.tlp in ('amber', 'amber+strict') and '${ORG_C}' = any(${a}.recipient_orgs))
    or (${a}.tlp = 'red' and (${a}.user_id = '${USER_C}' or '${USER_C}' = any(${a}.recipient_users))))`;
const ranksAbove = (h: string, c: string) =>
  `(${h}.owner_rank, coalesce(${h}.modified, '-infinity'::timestamptz), -${h}.tlp_rank, -${h}.id) > (${c}.owner_rank, coalesce(${c}.modified, '-infinity'::timestamptz), -${c}.tlp_rank, -${c}.id)`;
const head = (t: string, a: string) =>
  `(${visible(a)} and (not ${a}.superseded or not exists (select 1 from ${t} ${a}_hd where ${a}_hd.object_id = ${a}.object_id and ${ranksAbove(`${a}_hd`, a)} and ${visible(`${a}_hd`)})))`;

interface Query {
  readonly name: string;
  /** SQL over the contributions relation `c` and the registry `o`; $1 is the parameter. */
  readonly sql: (c: string, o: string) => string;
  /** Parameters (one a timed read), from line numbers of the feed. */
  readonly param: (i: number) => string;
  /** Only explained once, not timed (a plan shown to be unusable). */
  readonly explainOnly?: boolean;
}
const QUERIES: readonly Query[] = [
  {
    name: 'object by id (indicator), object page: head contribution joined to the registry',
    sql: (c, o) => `select o.id, o.type, c.seq, c.data, o.added_at, c.updated_at, c.tlp_rank, c.id from ${c} c join ${o} o on o.id = c.object_id
      where c.object_id = $1 and ${head(c, 'c')} limit 1`,
    param: (i) => `ind:${i}`,
  },
  {
    name: 'object by id (observable reported by the base and the feed), object page',
    sql: (c, o) => `select o.id, o.type, c.seq, c.data, o.added_at, c.updated_at, c.tlp_rank, c.id from ${c} c join ${o} o on o.id = c.object_id
      where c.object_id = $1 and ${head(c, 'c')} limit 1`,
    param: (i) => `sco:${i}`,
  },
  {
    name: 'object by id (relationship), object page',
    sql: (c, o) => `select o.id, o.type, c.seq, c.data, o.added_at, c.updated_at, c.tlp_rank, c.id from ${c} c join ${o} o on o.id = c.object_id
      where c.object_id = $1 and ${head(c, 'c')} limit 1`,
    param: (i) => `rel:${i}`,
  },
  {
    name: "an object's visible contributions (observable), ordered by first_seen",
    sql: (c) => `select c.id, c.org_id, c.tlp, c.first_seen, c.last_seen, c.data from ${c} c where c.object_id = $1 and ${visible('c')} order by c.first_seen`,
    param: (i) => `sco:${i}`,
  },
  {
    name: 'objects list by value (GET /objects?value=): head contributions of the registry rows with that value',
    sql: (c, o) => `select o.id, o.type, c.seq, c.data from ${c} c join ${o} o on o.id = c.object_id where o.value = $1 and ${head(c, 'c')} order by c.seq desc limit 50`,
    param: (i) => `value:${i}`,
  },
  {
    name: "TAXII window (today's leg: type filter by split_part of the id): 1,000 indicators after a (date_added, seq) cursor, policy per entry",
    sql: (c) => `select w.updated_at, w.seq, w.object_id, w.data from (select * from ${c} c where (c.updated_at, c.seq) > ($1::timestamptz, 0::bigint + $2)
        and split_part(c.object_id, '--', 1) in ('indicator') order by c.updated_at, c.seq limit 1000) w where ${head(c, 'w')}`,
    param: (i) => `cursor:${i}`,
  },
  {
    name: "contributions by observable key, today's join (object_keys → contributions by contribution id; priorities, warninglist hits, clusters)",
    sql: (c) => `select k.object_id, c.org_id, c.tlp from ${c === 'contributions' ? 'object_keys' : 'object_keys_v'} k join ${c} c on c.id = k.contribution_id where k.key = $1 and ${visible('c')}`,
    param: (i) => `key:${i}`,
    explainOnly: !CID_INDEXES,
  },
  {
    name: "one own contribution by id (history's findOwnContribution: contributions ⨝ stix_objects where c.id = $1)",
    sql: (c, o) => `select c.id, c.object_id, o.type, c.name, o.value, c.tlp, c.first_seen from ${c} c join ${o} o on o.id = c.object_id
      where c.id = $1 and c.org_id = '${ORG_A}' and ${visible('c')}`,
    param: (i) => `cid:${i}`,
    explainOnly: !CID_INDEXES,
  },
  {
    name: "neighbours of an observable (visibleNeighbours: object_edges by target ⨝ contributions by e.contribution_id)",
    sql: (c, o) => `select e.via_id, e.source_id, far.id, far.type from ${c === 'contributions' ? 'object_edges' : 'object_edges_v'} e join ${c} ec on ec.id = e.contribution_id
      join ${o} far on far.id = e.source_id where e.target_id = $1 and ${visible('ec')} limit 500`,
    param: (i) => `sco:${i}`,
    explainOnly: !CID_INDEXES,
  },
  {
    name: 'contributions by observable key, through keyed_contributions_v (the stored join ∪ the lines with their policy columns)',
    sql: (c) =>
      c === 'contributions'
        ? `select k.object_id, c.org_id, c.tlp from object_keys k join contributions c on c.id = k.contribution_id where k.key = $1 and ${visible('c')}`
        : `select c.object_id, c.org_id, c.tlp from keyed_contributions_v c where c.key = $1 and ${visible('c')}`,
    param: (i) => `key:${i}`,
  },
  {
    name: "index catch-up: 10,000 contributions after a seq (lookup index, correlation)",
    sql: (c) => `select c.id, c.object_id, c.org_id, c.tlp, c.seq from ${c} c where c.seq > $1 order by c.seq limit 10000`,
    param: (i) => `seq:${i}`,
  },
];

// ---- plumbing -----------------------------------------------------------------------------------------------------
type Client = pg.Client & { pid: number };
async function connect(url: string): Promise<Client> {
  const c = new pg.Client({ connectionString: url }) as Client;
  await c.connect();
  c.pid = (await c.query<{ p: number }>('select pg_backend_pid() as p')).rows[0]!.p;
  return c;
}
// The backend's CPU seconds so far (schedstat: nanoseconds on a CPU, finer than stat's 10 ms ticks).
function cpu(c: Client): number {
  return Number(readFileSync(`/proc/${c.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
}
const log = (s: string) => console.error(`feed-line-view: ${new Date().toISOString().slice(11, 19)} ${s}`);
async function inSlices(c: Client, from: number, n: number, make: (from: number, n: number) => string | string[]): Promise<void> {
  for (let f = from; f < from + n; f += 100_000) for (const s of [make(f, Math.min(100_000, from + n - f))].flat()) await c.query(s);
}

async function database(name: string): Promise<{ url: string; c: Client }> {
  const url = await freshPgDatabase(PG_URL!, `${PREFIX}_flv_${name}`);
  execFileSync(process.execPath, ['src/cli/main.ts', 'migrate'], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'ignore', 'inherit'] });
  // The prototype builds its own feed_lines and views beside the tables as they were before the product's (phase 2).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed against Kysely<any>
  const k = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
  await downFeedLinesViews(k);
  await k.destroy();
  const c = await connect(url);
  await c.query(`insert into orgs (id, name, kind, sector, nda_accepted_at) values ('${ORG_A}', 'feed', 'industry', 'finance', now()),
    ('${ORG_B}', 'base', 'industry', 'telecom', now()), ('${ORG_C}', 'reader', 'industry', 'finance', now()), ('${ORG_D}', 'other', 'academia', null, now())`);
  return { url, c };
}

// Parameters of the timed reads: line numbers spread over the feed, mapped to ids by the database itself.
async function params(c: Client, form: 'stored' | 'lines', q: Query, picks: readonly number[]): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const i of picks) {
    const [kind, n] = q.param(i).split(':') as [string, string];
    const d = ids(n, ORG_A);
    if (kind === 'cid') {
      // Line n's indicator contribution: its stored id, or CID(0) of its line.
      const r = (await c.query(form === 'stored' ? `select id from contributions where object_id = ${d.ind}` : `select 1125899906842624 + id * 4 as id from feed_lines where ind_id = ${d.ind}`)).rows[0];
      out.push([Number(r.id)]);
    } else if (kind === 'cursor' || kind === 'seq') {
      // The position of line n's indicator in the stream, in each database's own numbering.
      const r = (await c.query(form === 'stored' ? `select updated_at, seq from contributions where object_id = ${d.ind}` : `select updated_at, seq from feed_lines where ind_id = ${d.ind}`)).rows[0];
      out.push(kind === 'cursor' ? [r.updated_at, Number(r.seq)] : [Number(r.seq)]);
    } else {
      const expr = kind === 'ind' ? d.ind : kind === 'rel' ? d.rel : kind === 'sco' ? d.sco : kind === 'key' ? `${V.type(n)} || ':' || ${V.value(n)}` : V.value(n);
      out.push([(await c.query(`select ${expr} as v`)).rows[0].v]);
    }
  }
  return out;
}

async function timeReads(c: Client, text: string, ps: readonly unknown[][]): Promise<{ us: number; cpuUs: number; rows: number }> {
  const name = `q${Math.abs(hash(text))}`;
  for (const p of ps.slice(0, 20)) await c.query({ name, text, values: p as unknown[] }); // warm-up, plan cached
  const times: number[] = [];
  let rows = 0;
  const c0 = cpu(c);
  for (const p of ps) {
    const t = process.hrtime.bigint();
    const r = await c.query({ name, text, values: p as unknown[] });
    times.push(Number(process.hrtime.bigint() - t) / 1000);
    rows += r.rowCount ?? 0;
  }
  return { us: median(times), cpuUs: ((cpu(c) - c0) / ps.length) * 1e6, rows: rows / ps.length };
}
function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

async function explain(c: Client, text: string, p: readonly unknown[]): Promise<string> {
  await c.query(`prepare ex as ${text}`);
  const r = await c.query(`explain (analyze, buffers, costs off, timing off) execute ex(${p.map((x) => (typeof x === 'number' ? String(x) : `'${x instanceof Date ? x.toISOString() : String(x)}'`)).join(', ')})`);
  await c.query('deallocate ex');
  return r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n');
}

async function main(): Promise<void> {
  if (process.env.BENCH_FLV_SQL) {
    // The prototype's DDL, for the design document and for psql.
    writeFileSync(process.env.BENCH_FLV_SQL, [LINES_TABLE, ...LINE_INDEXES.map((x) => x.sql), ...VIEWS, MERGE].join(';\n\n') + ';\n');
    return;
  }
  if (!PG_URL) {
    console.error('feed-line-view: KESSETSU_BENCH_PG_URL not set, skipped');
    return;
  }
  const explained: string[] = [];
  log(`load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  // -- build both databases
  const stored = await database('stored');
  const lines = await database('lines');
  for (const db of [stored, lines]) {
    log(`${db === stored ? 'stored' : 'lines'}: base of ${BASE} lines of B stored the current way`);
    await db.c.query('set session_replication_role = replica'); // the bench's own rows: the triggers' checks are not what is measured here
    await inSlices(db.c, 0, BASE, (f, n) => [...storedSql(f, n, ORG_B), 'analyze contributions, stix_objects']);
  }
  log(`stored: ${LINES} lines of A stored the current way`);
  // (analyzed slice by slice: a fresh table's missing statistics once made the keys' join run for minutes)
  await inSlices(stored.c, 0, LINES, (f, n) => [...storedSql(f, n, ORG_A), 'analyze contributions, stix_objects']);
  log(`lines: ${LINES} lines of A as feed_lines rows`);
  await lines.c.query(LINES_TABLE);
  await inSlices(lines.c, 0, LINES, (f, n) => linesSql(f, n, ORG_A));
  // Sequence numbers as the merge gives them (three a line, in line order, after the base's), and the flags.
  await lines.c.query(`update feed_lines set seq = (select last_value from change_seq) + 1 + 3 * id`);
  await lines.c.query(`select setval('change_seq', (select max(seq) + 2 from feed_lines))`);
  await lines.c.query(`update feed_lines l set sco_reg_id = case when not exists (select 1 from stix_objects o where o.id = l.sco_id) then l.sco_id end,
    sco_sup = exists (select 1 from contributions c where c.object_id = l.sco_id and c.tlp_rank <= l.tlp_rank)`);
  for (const x of LINE_INDEXES) await lines.c.query(x.sql);
  for (const v of VIEWS) await lines.c.query(v);
  // The writers' `superseded` (markSuperseded's ranking) for the observables two organisations reported.
  await stored.c.query(`with r as (select id, superseded, row_number() over (partition by object_id order by owner_rank desc, modified desc nulls last, tlp_rank asc, id asc) > 1 as sup
      from contributions where object_id in (select object_id from contributions group by object_id having count(*) > 1))
    update contributions c set superseded = r.sup from r where r.id = c.id and r.superseded <> r.sup`);
  for (const db of [stored, lines]) {
    await db.c.query('set session_replication_role = origin');
    await db.c.query('vacuum analyze');
    await db.c.query('checkpoint');
  }
  const size = async (db: { c: Client }) => (await db.c.query(`select pg_size_pretty(pg_database_size(current_database())) as s`)).rows[0].s as string;
  log(`sizes: stored ${await size(stored)}, lines ${await size(lines)}`);
  const dataText = `${BASE.toLocaleString('en')} lines of another organisation stored + ${LINES.toLocaleString('en')} feed lines`;

  // -- (b) reads
  const picks = Array.from({ length: READS }, (_, k) => Math.floor(((k * 7919) % READS) * (Math.min(BASE, LINES) / READS)));
  const spread = Array.from({ length: READS }, (_, k) => Math.floor(((k * 7919) % READS) * (LINES / READS)));
  for (const q of QUERIES) {
    const ps = await params(stored.c, 'stored', q, q.name.includes('base and the feed') ? picks : spread);
    const pl = await params(lines.c, 'lines', q, q.name.includes('base and the feed') ? picks : spread);
    if (q.explainOnly) {
      explained.push(`### ${q.name}\n\nlines (views), explained only:\n\n\`\`\`\n${await explain(lines.c, q.sql('contributions_v', 'stix_objects_v'), pl[1]!)}\n\`\`\`\n`);
      continue;
    }
    const a = await timeReads(stored.c, q.sql('contributions', 'stix_objects'), ps);
    const b = await timeReads(lines.c, q.sql('contributions_v', 'stix_objects_v'), pl);
    const a2 = await timeReads(stored.c, q.sql('contributions', 'stix_objects'), ps);
    const b2 = await timeReads(lines.c, q.sql('contributions_v', 'stix_objects_v'), pl);
    const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(0)} µs`);
    log(`${q.name}: stored ${ms(a.us)} / ${ms(a2.us)} (server ${ms(a.cpuUs)}), lines ${ms(b.us)} / ${ms(b2.us)} (server ${ms(b.cpuUs)}), rows ${a.rows} vs ${b.rows}`);
    report({
      bench: `feed lines as views, read: ${q.name}`,
      figure: `views ${ms(median([b.us, b2.us]))} vs stored ${ms(median([a.us, a2.us]))} a read (median wall of ${READS}, two rounds; server CPU ${ms(median([b.cpuUs, b2.cpuUs]))} vs ${ms(median([a.cpuUs, a2.cpuUs]))}); rows ${b.rows} vs ${a.rows}`,
      target: 'design input: reads of line-derived objects about as fast as of stored ones',
      data: dataText,
      command: 'KESSETSU_BENCH_PG_URL=… npm run bench -- feed-line-view',
    });
    explained.push(`### ${q.name}\n\nstored:\n\n\`\`\`\n${await explain(stored.c, q.sql('contributions', 'stix_objects'), ps[1]!)}\n\`\`\`\n\nlines (views):\n\n\`\`\`\n${await explain(lines.c, q.sql('contributions_v', 'stix_objects_v'), pl[1]!)}\n\`\`\`\n`);
  }
  if (EXPLAIN_FILE) writeFileSync(EXPLAIN_FILE, explained.join('\n'));

  // -- (a) writes: ROWS more lines, each way, in one transaction each, with the tables' triggers on
  let next = 10_000_000;
  const results: Record<string, number[]> = { stored: [], copy: [], merge: [], reimport: [], plain: [], noCid: [], minimal: [] };
  log(`load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  for (let r = 0; r < RUNS; r++) {
    const from = next;
    next += ROWS;
    await stored.c.query('begin');
    let c0 = cpu(stored.c);
    await inSlices(stored.c, from, ROWS, (f, n) => storedSql(f, n, ORG_A));
    await stored.c.query('commit');
    results.stored!.push(((cpu(stored.c) - c0) / ROWS) * 1e6);
    // the flat form, merged from a staging table (what an ingest would do: probes, sequence numbers, flags)
    await lines.c.query('create temp table if not exists fl_stage (like feed_lines including defaults) on commit delete rows');
    await lines.c.query('begin');
    c0 = cpu(lines.c);
    await inSlices(lines.c, from, ROWS, (f, n) => [linesSql(f, n, ORG_A, 'fl_stage'), MERGE, 'truncate fl_stage']);
    await lines.c.query('commit');
    results.merge!.push(((cpu(lines.c) - c0) / ROWS) * 1e6);
    // the same lines again: an unchanged re-import (last_seen later)
    await lines.c.query('begin');
    c0 = cpu(lines.c);
    await inSlices(lines.c, from, ROWS, (f, n) => [linesSql(f, n, ORG_A, 'fl_stage').replace(/timestamptz '2026-12-06T01:00:00.000Z', timestamptz '2026-12-06T01:00:00.000Z'$/m, "timestamptz '2026-12-07', timestamptz '2026-12-07'"), MERGE, 'truncate fl_stage']);
    await lines.c.query('commit');
    results.reimport!.push(((cpu(lines.c) - c0) / ROWS) * 1e6);
    // the generation alone (the insert … select's own work, to subtract): into the staging table only
    await lines.c.query('begin');
    c0 = cpu(lines.c);
    await inSlices(lines.c, from + 50_000_000, ROWS, (f, n) => [linesSql(f, n, ORG_A, 'fl_stage'), 'truncate fl_stage']);
    await lines.c.query('commit');
    results.copy!.push(((cpu(lines.c) - c0) / ROWS) * 1e6);
    // new lines inserted as they are (no probes, no conflict handling): the rows and their index entries
    await lines.c.query('begin');
    c0 = cpu(lines.c);
    await inSlices(lines.c, from + 20_000_000, ROWS, (f, n) => [linesSql(f, n, ORG_A, 'fl_stage'), PLAIN_INSERT, 'truncate fl_stage']);
    await lines.c.query('commit');
    results.plain!.push(((cpu(lines.c) - c0) / ROWS) * 1e6);
  }
  const dropIndexes = async (which: (x: (typeof LINE_INDEXES)[number]) => boolean) => {
    for (const x of LINE_INDEXES.filter(which)) for (const s of x.sql.split(';')) await lines.c.query(`drop index if exists ${/create index (\w+)/.exec(s)![1]}`);
  };
  const mergeRuns = async (into: number[]) => {
    for (let r = 0; r < RUNS; r++) {
      const from = next;
      next += ROWS;
      await lines.c.query('begin');
      const c0 = cpu(lines.c);
      await inSlices(lines.c, from, ROWS, (f, n) => [linesSql(f, n, ORG_A, 'fl_stage'), MERGE, 'truncate fl_stage']);
      await lines.c.query('commit');
      into.push(((cpu(lines.c) - c0) / ROWS) * 1e6);
    }
  };
  await lines.c.query('drop view keyed_contributions_v, object_edges_v, object_keys_v, stix_objects_v, contributions_v');
  // the same merge without the contribution-id indexes, then with the minimal set (identity, observable and
  // relationship ids, the registry's, one stream index)
  if (CID_INDEXES) {
    await dropIndexes((x) => x.cid === true);
    await mergeRuns(results.noCid!);
  }
  await dropIndexes((x) => !x.minimal);
  await mergeRuns(results.minimal!);
  const f = (xs: number[]) => `${median(xs).toFixed(1)} µs (${xs.map((x) => x.toFixed(1)).join(' / ')})`;
  log(`write a line: stored ${f(results.stored!)}; lines merge ${f(results.merge!)}; re-import ${f(results.reimport!)}; generation alone ${f(results.copy!)}; plain insert ${f(results.plain!)}; no CID indexes ${results.noCid!.length ? f(results.noCid!) : '-'}; minimal indexes ${f(results.minimal!)}`);
  const write = (what: string, xs: number[]) =>
    report({
      bench: `feed lines as views, write: ${what}`,
      figure: `${f(xs)} of server CPU a line (median of ${RUNS}; includes generating the rows in SQL: ${median(results.copy!).toFixed(1)} µs)`,
      target: '≥ 20,000 lines/s on 2 cores leaves ≤ ~50 µs of server a line',
      data: `${ROWS.toLocaleString('en')} new lines a transaction into ${dataText}`,
      command: 'KESSETSU_BENCH_PG_URL=… npm run bench -- feed-line-view',
    });
  write('the current model (3 registry rows, 3 contributions, 2 keys, an edge a line, triggers on), set-wise insert … select', results.stored!);
  write(`one feed_lines row a line, merged from a staging table (${LINE_INDEXES.map((x) => x.sql.split(';').length).reduce((a, b) => a + b, 0) + 1} indexes${CID_INDEXES ? ', the contribution-id ones included' : ''})`, results.merge!);
  write('the same lines again (unchanged re-import: last_seen later)', results.reimport!);
  write('one feed_lines row a line, inserted as staged (no probes, no conflict handling), same indexes', results.plain!);
  if (CID_INDEXES) write('one feed_lines row a line, merged, all indexes but the contribution-id ones', results.noCid!);
  write(`one feed_lines row a line, merged, minimal indexes (${LINE_INDEXES.filter((x) => x.minimal).map((x) => x.name).join(', ')}, pkey)`, results.minimal!);
  log(`load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  await stored.c.end();
  await lines.c.end();
  if (!KEEP) {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    for (const n of ['stored', 'lines']) await admin.query(`drop database if exists "${PREFIX}_flv_${n}" with (force)`);
    await admin.end();
  }
}

await main();
