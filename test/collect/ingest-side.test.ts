import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { openPostgres } from '../../src/db/database.ts';
import { describeStorage, type Backend } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

// An ingest's side transaction (src/ingest/ingest.side.ts, issue 17): on PostgreSQL the warninglist hits of each written
// slice go to a second transaction on a connection of its own, committed after the ingest's and
// rolled back with it; on PGlite they are written in the ingest's transaction. Slices of 150 objects (8 a file).
const ROWS = 400;
// The lines' probe made ahead on the side's second connection (src/ingest/lines.ahead.ts) trusts the CSV parse to give a
// value's objects once a file: a feed naming each of TWICE values twice, slices apart, writes each value once.
const TWICE = 300;

// Values on the built-in documentation-domains warninglist (example.com's subdomains), so that every row has a hit.
const feed = (prefix: string): string => ['value,comment', ...Array.from({ length: ROWS }, (_, i) => `${prefix}-${i}.example.com,row ${i}`), ''].join('\n');

describeStorage("an ingest's side transaction", (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_INGEST_SLICE_OBJECTS: '150' });
    member = await makeMember(hub);
  });
  afterAll(async () => {
    await hub?.close();
  });

  const post = (h: TestHub, m: TestMember, prefix: string) =>
    h.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(m.key), 'content-type': 'text/csv' }, payload: feed(prefix) });
  const sids = async (h: TestHub, prefix: string) => (await h.app.storage.db.selectFrom('feed_sids').select('key').where('key', 'like', `domain-name:${prefix}-%`).execute()).length;
  const hits = async (h: TestHub, prefix: string) =>
    (await h.app.storage.db.selectFrom('analysis_warninglist_hits').select('key').where('key', 'like', `domain-name:${prefix}-%`).execute()).length;

  it('writes the hits of every slice, visible once the ingest has answered and not before it commits, and no signature ids', { timeout: 300_000 }, async () => {
    // Read at the end of the ingest's transaction, from a connection of the test's own (PostgreSQL only: PGlite has one).
    let before: number | undefined;
    let remove = false;
    if (backend.name === 'postgres') {
      hub.app.ingest.addHooks({
        begin: () => ({
          finish: async () => {
            if (remove) return;
            const c = new pg.Client({ connectionString: hub.app.storage.location });
            await c.connect();
            try {
              before = Number((await c.query(`select count(*) as n from analysis_warninglist_hits where key like 'domain-name:visible-%'`)).rows[0].n);
            } finally {
              await c.end();
            }
          },
        }),
      });
    }
    const r = await post(hub, member, 'visible');
    remove = true;
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.json().counts.created).toBe(3 * ROWS);
    // Signature ids are given when a Suricata feed first shows the values (sid.assigner.ts), not by the ingest.
    expect(await sids(hub, 'visible')).toBe(0);
    expect(await hits(hub, 'visible')).toBe(ROWS);
    if (backend.name === 'postgres') expect(before).toBe(0); // handed over and written, but not committed before the ingest
  });

  it('a failure of the work handed over fails the ingest, and nothing of it or of the side stays', { timeout: 300_000 }, async () => {
    let slices = 0;
    let armed = true;
    hub.app.ingest.addHooks({
      begin: (_trx, { side }) => ({
        slice: async () => {
          if (!armed || ++slices !== 4) return;
          await side.run(async () => {
            throw new Error('simulated failure of a side write');
          });
        },
      }),
    });
    const r = await post(hub, member, 'sidefail');
    armed = false;
    expect(r.statusCode, r.body.slice(0, 300)).toBe(500);
    expect(slices).toBeGreaterThanOrEqual(4);
    expect(await hub.app.storage.db.selectFrom('stix_objects').select('id').where('value', 'like', 'sidefail-%').execute()).toEqual([]);
    expect(await sids(hub, 'sidefail')).toBe(0);
    expect(await hits(hub, 'sidefail')).toBe(0);
    // The hub takes the next file as before.
    expect((await post(hub, member, 'after')).statusCode).toBe(200);
    expect(await hits(hub, 'after')).toBe(ROWS);
  });

  it("never waits for a connection of the hub's pool: an ingest completes with a pool of one (PGlite: no side connection)", { timeout: 300_000 }, async () => {
    if (backend.name !== 'postgres') {
      expect(hub.app.storage.side).toBeUndefined(); // one connection: the side's work runs in the ingest's transaction
      return;
    }
    const wide = await backend.open();
    // The same database through a pool of one: the ingest's transaction holds its only connection.
    const narrow: Backend = {
      name: 'postgres',
      open: async () => {
        const s = await openPostgres(wide.location, 1);
        return { ...s, close: async () => (await s.close(), await wide.close()) };
      },
    };
    const small = await startHub(narrow, { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_INGEST_SLICE_OBJECTS: '150' });
    try {
      const m = await makeMember(small);
      const r = await post(small, m, 'narrow');
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      expect(await hits(small, 'narrow')).toBe(ROWS);
    } finally {
      await small.close();
    }
  });

  it('writes a feed that names every value twice, slices apart, as one line a value', { timeout: 300_000 }, async () => {
    const prefix = `twice-${crypto.randomUUID().slice(0, 8)}`;
    const rows = Array.from({ length: 2 * TWICE }, (_, i) => `${prefix}-${i % TWICE}.example.org,row ${i}`);
    const r = await hub.server.inject({
      method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(member.key), 'content-type': 'text/csv' },
      payload: ['value,comment', ...rows, ''].join('\n'),
    });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.json().counts.created).toBe(3 * TWICE);
    const db = hub.app.storage.db;
    const like = `${prefix}-%`;
    const lines = await sql<{ n: number; values: number }>`select count(*)::int as n, count(distinct value)::int as values from feed_lines where value like ${like}`.execute(db);
    expect(lines.rows[0]).toEqual({ n: TWICE, values: TWICE });
    // Each observable presented once: one registry row a value, owned by the member's organisation.
    const registry = await sql<{ n: number; ids: number }>`select count(*)::int as n, count(distinct id)::int as ids from stix_objects where value like ${like}`.execute(db);
    expect(registry.rows[0]).toEqual({ n: TWICE, ids: TWICE });
    // Each line's three numbers consecutive, and no number given twice.
    const seqs = await sql<{ bad: number; dup: number }>`select count(*) filter (where sco_seq <> seq + 1)::int as bad, (count(*) - count(distinct seq))::int as dup from feed_lines where value like ${like}`.execute(db);
    expect(seqs.rows[0]).toEqual({ bad: 0, dup: 0 });
  });
});
