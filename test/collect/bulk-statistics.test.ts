import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeBackend } from '../support/storage.ts';
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
