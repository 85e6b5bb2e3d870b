import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.ts';
import { lastSeen } from '../../src/store/contributions.repository.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';
import { describeStorage } from '../support/storage.ts';

// Re-ingest (issue 17.1, migration 2026-12-06T09-00): what a re-import saw again is kept as runs of contribution ids
// seen at one time, not as a row per contribution; a contribution's last_seen is the greatest of its own and of the
// runs holding its id. On a hub that stores objects and on one that writes the same feed as flat feed lines.

const ROWS = 120;
const file = (skip?: number) =>
  ['value,type,tags', ...Array.from({ length: ROWS }, (_, i) => (i === skip ? null : i % 2 ? `10.9.${i >> 8}.${i & 255},ipv4-addr,scan` : `run-${i}.example.net,domain-name,phish`)).filter((r) => r !== null), ''].join('\n');

describeStorage('re-ingest: a re-import keeps what it saw again as runs of contribution ids', (backend) => {
  const hubs: { hub: TestHub; m: TestMember; lines: boolean }[] = [];
  const post = async (h: (typeof hubs)[number], body: string) => {
    const r = await h.hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(h.m.key), 'content-type': 'text/csv' }, payload: body });
    expect(r.statusCode, r.body).toBe(200);
    return JSON.parse(r.body).counts as { created: number; unchanged: number };
  };
  const db = (h: (typeof hubs)[number]): Kysely<Database> => h.hub.app.storage.db;
  const runs = async (h: (typeof hubs)[number]) => (await sql<{ n: number }>`select count(*)::int as n from contribution_seen_runs`.execute(db(h))).rows[0]!.n;
  // Each contribution of the member's: its value (or the object id) and last_seen, the row's own and the runs'.
  const seen = async (h: (typeof hubs)[number]) => {
    const rows = await db(h).selectFrom('contributions as c').select(['c.object_id', 'c.id', 'c.last_seen as own', lastSeen('c').as('last_seen')]).where('c.org_id', '=', h.m.org.id).orderBy('c.id').execute();
    return rows.map((r) => ({ object: r.object_id, id: Number(r.id), own: new Date(r.own).getTime(), last: new Date(r.last_seen).getTime() }));
  };
  const lineCount = async (h: (typeof hubs)[number]) => (await sql<{ n: number }>`select count(*)::int as n from feed_lines`.execute(db(h))).rows[0]!.n;

  beforeAll(async () => {
    for (const [lines, env] of [[false, STORED_ONLY], [true, { KESSETSU_INGEST_FEED_LINES: 'true' }]] as const) {
      const hub = await startHub(backend, env);
      hubs.push({ hub, m: await makeMember(hub, { name: 'Run Org' }), lines });
    }
    for (const h of hubs) expect((await post(h, file())).created).toBe(3 * ROWS);
  }, 120_000);
  afterAll(async () => Promise.all(hubs.map((h) => h.hub.close())));

  it('the same file again: one run for every contribution, each last_seen moved to it; again at once adds nothing', async () => {
    for (const h of hubs) {
      expect(await lineCount(h)).toBe(h.lines ? ROWS : 0);
      const before = await seen(h);
      expect((await post(h, file())).unchanged).toBe(3 * ROWS);
      expect(await runs(h), `lines: ${h.lines}`).toBe(1);
      const after = await seen(h);
      expect(after.map((c) => c.own)).toEqual(before.map((c) => c.own)); // the contribution rows are not rewritten
      const times = new Set(after.map((c) => c.last));
      expect(times.size).toBe(1);
      expect([...times][0]).toBeGreaterThan(Math.max(...before.map((c) => c.last)));
      // The same runs written again at a time they hold already (no later last_seen: nothing to write).
      await sql`select kessetsu_seen(array_agg(c.id), array_agg(${new Date(0)}::timestamptz)) from contributions c`.execute(db(h));
      expect(await runs(h)).toBe(1);
      expect(await seen(h)).toEqual(after);
    }
  });

  it("a row left out keeps its contributions' last_seen; the file whole again replaces every run it holds", async () => {
    for (const h of hubs) {
      const before = await seen(h);
      const left = 'run-60.example.net';
      expect((await post(h, file(60))).unchanged).toBe(3 * (ROWS - 1));
      // The run of the last time stays (it holds the left-out row), the new time's two runs around the row are added.
      expect(await runs(h), `lines: ${h.lines}`).toBe(3);
      const after = await seen(h);
      const leftOut = (await sql<{ id: string }>`select id from stix_objects where value = ${left}`.execute(db(h))).rows.map((r) => r.id);
      // The left-out row's observable, indicator and based-on relationship, nothing else.
      const kept = after.filter((c, i) => c.last === before[i]!.last).map((c) => c.object.split('--')[0] === 'domain-name' ? c.object : c.object.split('--')[0]);
      expect(kept.sort()).toEqual([...leftOut, 'indicator', 'relationship'].sort());
      expect(new Set(after.filter((c, i) => c.last !== before[i]!.last).map((c) => c.last)).size).toBe(1);

      expect((await post(h, file())).unchanged).toBe(3 * ROWS);
      expect(await runs(h)).toBe(1);
      expect(new Set((await seen(h)).map((c) => c.last)).size).toBe(1);
    }
  });

  it("the migration's down gives a row per contribution back, up the runs again, every last_seen the same", async () => {
    for (const h of hubs) {
      const before = await seen(h);
      await withLaterMigrationsDown(db(h), '2026-12-06T06-00-feed-lines-seen', async () => {
        const rows = await sql<{ n: number; max: Date }>`select count(*)::int as n, max(last_seen) as max from contribution_seen`.execute(db(h));
        expect(rows.rows[0]!.n).toBe(3 * ROWS);
        expect(new Date(rows.rows[0]!.max).getTime()).toBe(before[0]!.last);
      });
      expect(await runs(h)).toBe(1);
      expect(await seen(h)).toEqual(before);
      const empty = await sql<{ n: number }>`select count(*)::int as n from contribution_seen`.execute(db(h));
      expect(empty.rows[0]!.n).toBe(0);
    }
  });
});
