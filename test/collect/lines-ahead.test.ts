import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

// A batch's line probe made ahead (src/ingest/lines.ahead.ts, issue 17): on PostgreSQL a CSV feed's batches are probed
// on the side's second connection while the batch before is written. It trusts the CSV parse to give a value's
// objects once a file: a feed naming its values twice, in other slices (of 150 objects), writes each value once, as
// one line presenting its observable, on both backends.
const VALUES = 300;

describeStorage('line probes made ahead', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_INGEST_SLICE_OBJECTS: '150' });
    member = await makeMember(hub);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('writes a feed that names every value twice, slices apart, as one line a value', { timeout: 300_000 }, async () => {
    const prefix = `twice-${crypto.randomUUID().slice(0, 8)}`;
    const rows = Array.from({ length: 2 * VALUES }, (_, i) => `${prefix}-${i % VALUES}.example.org,row ${i}`);
    const r = await hub.server.inject({
      method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(member.key), 'content-type': 'text/csv' },
      payload: ['value,comment', ...rows, ''].join('\n'),
    });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.json().counts.created).toBe(3 * VALUES);
    const db = hub.app.storage.db;
    const like = `${prefix}-%`;
    const lines = await sql<{ n: number; values: number }>`select count(*)::int as n, count(distinct value)::int as values from feed_lines where value like ${like}`.execute(db);
    expect(lines.rows[0]).toEqual({ n: VALUES, values: VALUES });
    // Each observable presented once: one registry row a value, owned by the member's organisation.
    const registry = await sql<{ n: number; ids: number }>`select count(*)::int as n, count(distinct id)::int as ids from stix_objects where value like ${like}`.execute(db);
    expect(registry.rows[0]).toEqual({ n: VALUES, ids: VALUES });
    // Each line's three numbers consecutive, and no number given twice.
    const seqs = await sql<{ bad: number; dup: number }>`select count(*) filter (where sco_seq <> seq + 1)::int as bad, (count(*) - count(distinct seq))::int as dup from feed_lines where value like ${like}`.execute(db);
    expect(seqs.rows[0]).toEqual({ bad: 0, dup: 0 });
  });
});
