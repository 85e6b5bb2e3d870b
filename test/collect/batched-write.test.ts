import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

// An ingest writes in batches of 5,000 objects, the next one built while the last is on the server (issue 17):
// a batch that fails after others were written leaves nothing, the connection keeps working, and the same file
// then goes in whole, batch boundaries included.
const ROWS = 2400; // three objects a row (value, indicator, based-on): 7,200 objects, two batches
const feed = (): string => ['value,type', ...Array.from({ length: ROWS }, (_, i) => `batch-${i}.example.com,domain-name`), ''].join('\n');
const LATE = `batch-${ROWS - 5}.example.com`; // in the second batch

describeStorage('an ingest written in overlapped batches is still one transaction', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend);
    member = await makeMember(hub);
  });
  afterAll(() => hub.close());

  const post = () => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(member.key), 'content-type': 'text/csv' }, payload: feed() });
  const stored = async () => Number((await hub.app.storage.db.selectFrom('contributions').select((eb) => eb.fn.countAll().as('n')).where('org_id', '=', member.org.id).executeTakeFirstOrThrow()).n);

  it('a failure in the second batch leaves nothing of the first; the file then goes in whole', { timeout: 300_000 }, async () => {
    const db = hub.app.storage.db;
    // DDL takes no parameters: the marker is a plain host name (no quote to escape).
    await sql
      .raw(`create function batched_write_fail() returns trigger language plpgsql as $$
        begin
          if to_jsonb(new)::text like '%${LATE}%' then raise exception 'injected failure in a later batch'; end if;
          return new;
        end $$`)
      .execute(db);
    // On the stored contributions and on feed lines (KESSETSU_INGEST_FEED_LINES): the row as JSON holds the value either way.
    for (const t of ['contributions_stored', 'feed_lines']) await sql`create trigger batched_write_fail before insert on ${sql.table(t)} for each row execute function batched_write_fail()`.execute(db);
    try {
      const failed = await post();
      expect(failed.statusCode, failed.body.slice(0, 300)).toBe(500);
      expect(await stored()).toBe(0);
      const first = await db.selectFrom('stix_objects').select('id').where('value', '=', 'batch-0.example.com').execute();
      expect(first).toEqual([]);
      const row = await db.selectFrom('ingests').select(['status']).where('org_id', '=', member.org.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('failed');
    } finally {
      for (const t of ['contributions_stored', 'feed_lines']) await sql`drop trigger batched_write_fail on ${sql.table(t)}`.execute(db);
      await sql`drop function batched_write_fail()`.execute(db);
    }
    const ok = await post();
    expect(ok.statusCode, ok.body.slice(0, 300)).toBe(200);
    const counts = ok.json().counts as { objects: number; created: number; unchanged: number };
    expect(counts.objects).toBe(3 * ROWS);
    expect(counts.created).toBe(3 * ROWS);
    expect(await stored()).toBe(3 * ROWS);
    // Both batches' keys are written: a value of each is found.
    await hub.app.indexReady;
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(member.key), payload: { values: ['batch-0.example.com', LATE] } });
    const items = r.json().items as { value: string; objects: { type: string }[] }[];
    expect(items.map((i) => [i.value, i.objects.some((o) => o.type === 'indicator')])).toEqual([
      ['batch-0.example.com', true],
      [LATE, true],
    ]);
    // Sent again, nothing is new (the batches' content columns built ahead or not, the outcome is the same).
    const again = await post();
    expect(again.json().counts).toMatchObject({ objects: 3 * ROWS, created: 0, updated: 0, unchanged: 3 * ROWS });
  });
});
