import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ParsePool } from '../../src/ingest/parse/parse.pool.ts';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

// A CSV file (or a plain feed) is parsed on a worker, checked and written in slices, slice i+1 parsed while slice i is on the server
// (issue 17). Slices of 150 objects here (KESSETSU_INGEST_SLICE_OBJECTS; 5,000 in production) against a hub that
// takes files whole (0): the same report, the same stored objects, the same refusals; one transaction throughout.
const ROWS = 700; // about 3 objects a row: a dozen slices
const LIMITS = { KESSETSU_PARSE_INLINE_BELOW: '0', KESSETSU_MAX_OBJECT_BYTES: '4096' };

function feed(opts: { late?: string } = {}): string {
  const rows = Array.from({ length: ROWS }, (_, i) => `slice-${i}.example.org,row ${i},${i % 7 === 0 ? 'tlp:amber' : ''}`);
  rows[40] = '???,not a value,';
  rows[ROWS - 30] = 'also not a value,late bad row,';
  rows[ROWS - 20] = 'slice-3.example.org,a duplicate,';
  rows[ROWS - 10] = '1.0.0.0/8,a range too broad,';
  rows[ROWS - 5] = '8.8.8.8,a public resolver,';
  if (opts.late) rows[ROWS - 3] = opts.late;
  return ['# a feed with a comment line', 'value,comment,tags', ...rows, ''].join('\n');
}

describeStorage('a CSV import in slices overlapped with its writes', (backend) => {
  let streamed: TestHub;
  let whole: TestHub;
  let a: TestMember;
  let b: TestMember;
  beforeAll(async () => {
    streamed = await startHub(backend, { ...LIMITS, KESSETSU_INGEST_SLICE_OBJECTS: '150' });
    whole = await startHub(backend, { ...LIMITS, KESSETSU_INGEST_SLICE_OBJECTS: '0' });
    a = await makeMember(streamed);
    b = await makeMember(whole);
  });
  afterAll(async () => {
    await streamed?.close();
    await whole?.close();
  });

  const post = (hub: TestHub, m: TestMember, body: string, query = '') =>
    hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=csv&tlp=green${query}`, headers: { ...as(m.key), 'content-type': 'text/csv' }, payload: body });
  // The report (or the error holding it) without what differs between two ingests: its id and times.
  const report = (body: string): Record<string, unknown> => JSON.parse(body, (k, v: unknown) => (k === 'id' || k === 'created_at' || k === 'finished_at' ? undefined : v)) as Record<string, unknown>;
  const stored = async (hub: TestHub, m: TestMember) => {
    const rows = await hub.app.storage.db
      .selectFrom('contributions as c')
      .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
      .select(['o.type', 'o.value', 'c.tlp', sql<string>`c.data->>'pattern'`.as('pattern')])
      .where('c.org_id', '=', m.org.id)
      .execute();
    return rows.map((r) => `${r.type}|${r.value ?? ''}|${r.pattern ?? ''}|${r.tlp}`).sort();
  };
  const status = async (hub: TestHub, m: TestMember) => (await hub.app.storage.db.selectFrom('ingests').select('status').where('org_id', '=', m.org.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow()).status;

  it('stores the same objects and reports the same as a whole-file import; sent again, all unchanged', { timeout: 300_000 }, async () => {
    // The slices the streamed hub's ingests take from their parse worker.
    const real = ParsePool.prototype.parseStream;
    let slices = 0;
    const spy = vi.spyOn(ParsePool.prototype, 'parseStream').mockImplementation(function (this: ParsePool, ...args) {
      const g = real.apply(this, args);
      return (async function* () {
        try {
          for (let r = await g.next(); ; r = await g.next()) {
            if (r.done) return r.value;
            slices++;
            yield r.value;
          }
        } finally {
          await g.return(undefined as never);
        }
      })();
    });
    const s = await post(streamed, a, feed());
    expect(slices).toBeGreaterThan(10);
    const w = await post(whole, b, feed());
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(s.statusCode, s.body.slice(0, 300)).toBe(200);
    expect(w.statusCode, w.body.slice(0, 300)).toBe(200);
    expect(report(s.body)).toEqual(report(w.body));
    const r = s.json() as { counts: { objects: number; created: number }; errors: { where: string }[]; warnings: { where: string }[] };
    expect(r.counts.objects).toBeGreaterThan(2000);
    expect(r.counts.created).toBe(r.counts.objects);
    expect(r.errors.map((e) => e.where)).toEqual(['line 43', `line ${ROWS - 27}`]);
    expect(r.warnings.some((x) => x.where.includes('1.0.0.0/8') || /too broad|range/.test(JSON.stringify(x)))).toBe(true);
    const objects = await stored(streamed, a);
    expect(objects).toEqual(await stored(whole, b));
    expect(objects.length).toBe(r.counts.objects);
    expect(objects.filter((o) => o.endsWith('|amber')).length).toBeGreaterThan(250);

    const again = await post(streamed, a, feed());
    expect(again.json().counts).toEqual({ ...r.counts, created: 0, unchanged: r.counts.objects });
    expect(await stored(streamed, a)).toEqual(objects);
  });

  it('a strict import with an object too large in a late slice stores nothing and names it; lenient takes the rest', { timeout: 300_000 }, async () => {
    const m = await makeMember(streamed);
    const n = await makeMember(whole);
    const big = feed({ late: `big.example.org,${'x'.repeat(6000)},` });
    const s = await post(streamed, m, big);
    const w = await post(whole, n, big);
    expect(report(s.body)).toEqual(report(w.body));
    expect(s.statusCode).toBe(422);
    const r = (s.json() as { error: { details: { status: string; counts: { objects: number }; errors: { where: string; reason: string }[] } } }).error.details;
    expect(r.status).toBe('failed');
    expect(r.counts.objects).toBe(0);
    expect(r.errors.some((e) => /KESSETSU_MAX_OBJECT_BYTES/.test(e.reason))).toBe(true);
    expect(await stored(streamed, m)).toEqual([]);
    expect(await status(streamed, m)).toBe('failed');

    const lenient = await post(streamed, m, big, '&lenient=true');
    expect(report(lenient.body)).toEqual(report((await post(whole, n, big, '&lenient=true')).body));
    expect(lenient.json().status).toBe('done');
    // The big row's relationship points at its dropped indicator, named by the id the whole-file hub names it by.
    expect((lenient.json() as { warnings: { reason: string }[] }).warnings.filter((x) => /^dangling reference: indicator--/.test(x.reason))).toHaveLength(1);
    expect((await stored(streamed, m)).length).toBe(lenient.json().counts.objects);
  });

  it('a database failure in a late slice leaves nothing of the earlier ones', { timeout: 300_000 }, async () => {
    const m = await makeMember(streamed);
    const db = streamed.app.storage.db;
    const late = `slice-${ROWS - 50}.example.org`;
    await sql
      .raw(`create function streamed_ingest_fail() returns trigger language plpgsql as $$
        begin
          if to_jsonb(new)::text like '%${late}%' then raise exception 'injected failure in a late slice'; end if;
          return new;
        end $$`)
      .execute(db);
    // On the stored contributions and on feed lines (KESSETSU_INGEST_FEED_LINES): the row as JSON holds the value either way.
    for (const t of ['contributions_stored', 'feed_lines']) await sql`create trigger streamed_ingest_fail before insert on ${sql.table(t)} for each row execute function streamed_ingest_fail()`.execute(db);
    try {
      const failed = await post(streamed, m, feed());
      expect(failed.statusCode, failed.body.slice(0, 300)).toBe(500);
      expect(await stored(streamed, m)).toEqual([]);
      expect(await status(streamed, m)).toBe('failed');
    } finally {
      for (const t of ['contributions_stored', 'feed_lines']) await sql`drop trigger streamed_ingest_fail on ${sql.table(t)}`.execute(db);
      await sql`drop function streamed_ingest_fail()`.execute(db);
    }
    const ok = await post(streamed, m, feed());
    expect(ok.json().status).toBe('done');
    expect((await stored(streamed, m)).length).toBe(ok.json().counts.objects);
  });

  it('a dry run writes nothing and reports as the whole-file hub does', { timeout: 300_000 }, async () => {
    const m = await makeMember(streamed);
    const n = await makeMember(whole);
    const s = await post(streamed, m, feed(), '&dry_run=true');
    const w = await post(whole, n, feed(), '&dry_run=true');
    expect(s.statusCode, s.body.slice(0, 300)).toBe(200);
    // The preview names each organisation's own indicator ids: compared by what they are.
    const { preview: ps, ...sr } = report(s.body);
    const { preview: pw, ...wr } = report(w.body);
    expect(sr).toEqual(wr);
    const names = (p: unknown) => ((p as { items: { name: string; type: string }[] }).items ?? []).map((i) => `${i.type} ${i.name}`);
    expect(names(ps)).toEqual(names(pw));
    expect(s.json().counts.objects).toBeGreaterThan(2000);
    expect(await stored(streamed, m)).toEqual([]);
  });

  it('a plain feed (text) in slices: the same report, objects and stated TLP as whole', { timeout: 300_000 }, async () => {
    const m = await makeMember(streamed);
    const n = await makeMember(whole);
    const lines = ['# TLP:AMBER blocklist', ...Array.from({ length: 800 }, (_, i) => (i % 2 ? `198.51.${(i >> 8) & 255}.${i & 255}` : `feed-${i}.example.net`)), '10.1.2.3', '1.0.0.0/8', 'feed-2.example.net', ''];
    const send = (hub: TestHub, who: TestMember) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=text', headers: { ...as(who.key), 'content-type': 'text/plain' }, payload: lines.join('\n') });
    const spy = vi.spyOn(ParsePool.prototype, 'parseStream');
    const s = await send(streamed, m);
    const w = await send(whole, n);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(s.statusCode, s.body.slice(0, 300)).toBe(200);
    expect(report(s.body)).toEqual(report(w.body));
    expect(s.json().tlp).toEqual({ amber: s.json().counts.objects });
    const objects = await stored(streamed, m);
    expect(objects).toEqual(await stored(whole, n));
    expect(objects.length).toBe(s.json().counts.objects);
    expect(objects.length).toBeGreaterThan(2000);
  });
});
