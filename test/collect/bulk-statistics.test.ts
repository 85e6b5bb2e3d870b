import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeBackend, describeStorage } from '../support/storage.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';

// PGlite has no autovacuum: a bulk load gathers the knowledge tables' planner statistics at its end (app.ts), a small
// ingest does not (reads through the knowledge views plan blind without them: docs/design/feed-lines.md section 8).
describeBackend('pglite', 'planner statistics after a bulk load', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, STORED_ONLY);
    member = await makeMember(hub);
  });
  afterAll(async () => hub?.close());

  const csv = (from: number, n: number) => ['value,type', ...Array.from({ length: n }, (_, i) => `10.${(from + i) >> 16 & 255}.${(from + i) >> 8 & 255}.${(from + i) & 255},ipv4-addr`), ''].join('\n');
  const post = async (body: string) => {
    const res = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv', headers: { ...as(member.key), 'content-type': 'text/csv' }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
  };
  const stats = async () =>
    (await sql<{ tuples: number; columns: number }>`select (select reltuples from pg_class where relname = 'contributions_stored')::float8 as tuples,
      (select count(*) from pg_stats where tablename = 'contributions_stored')::int as columns`.execute(hub.app.storage.db)).rows[0]!;

  it('a small ingest leaves the statistics alone; one of 10,000 contributions or more gathers them', async () => {
    await post(csv(0, 30));
    expect(await stats()).toEqual({ tuples: -1, columns: 0 });
    await post(csv(100, 3_400)); // three contributions a row
    const s = await stats();
    expect(s.tuples).toBeGreaterThanOrEqual(10_000);
    expect(s.columns).toBeGreaterThan(0);
  }, 120_000);
});

// Ingest (issue 17): a bulk load gathers the planner's statistics at its end (app.ts: 10,000 contributions or more), of
// the knowledge tables it wrote to only — a feed's lines do not re-sample the stored contributions, nor a STIX bundle
// the feed lines. The tables' analyse counts say which were sampled.

describeStorage('ingest: statistics after a bulk load, of the tables it wrote', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  const counts = async () =>
    new Map(
      (await sql<{ relname: string; n: number }>`select relname, analyze_count::int as n from pg_stat_user_tables where relname in ('feed_lines', 'contributions_stored', 'object_keys_stored')`.execute(hub.app.storage.db)).rows.map((r) => [r.relname, r.n]),
    );
  const post = async (format: string, type: string, body: string) => {
    const res = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=${format}&tlp=green`, headers: { ...as(member.key), 'content-type': type }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    hub = await startHub(backend);
    member = await makeMember(hub, { name: 'Bulk Feed Org' });
  }, 120_000);
  afterAll(async () => hub?.close());

  it("a feed's lines are sampled, the stored tables are not; a STIX bundle's stored rows are, the lines are not", async () => {
    const before = await counts();
    // 4,000 rows: 12,000 contributions, every one a line's.
    const rows = Array.from({ length: 4000 }, (_, i) => `bulk-${i}.kessetsu-stats.net,domain-name,phishing`);
    await post('csv', 'text/csv', ['value,type,tags', ...rows, ''].join('\n'));
    const afterCsv = await counts();
    expect(afterCsv.get('feed_lines')).toBe(before.get('feed_lines')! + 1);
    expect(afterCsv.get('contributions_stored')).toBe(before.get('contributions_stored'));

    const now = new Date().toISOString();
    const objects = Array.from({ length: 10_000 }, (_, i) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: now, modified: now, name: `c2 ${i}`, pattern: `[domain-name:value = 'c2-${i}.kessetsu-stats.org']`, pattern_type: 'stix', valid_from: now }));
    await post('stix', 'application/json', JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects }));
    const afterStix = await counts();
    expect(afterStix.get('contributions_stored')).toBe(before.get('contributions_stored')! + 1);
    expect(afterStix.get('object_keys_stored')).toBe(before.get('object_keys_stored')! + 1);
    expect(afterStix.get('feed_lines')).toBe(afterCsv.get('feed_lines'));
  }, 120_000);
});
