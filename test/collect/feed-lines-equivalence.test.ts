import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FeedLine } from '../../src/store/feed-line.ts';
import { insertNewLines, promoteLines } from '../../src/store/feed-lines.repository.ts';
import { catchUpIndex } from '../../src/lookup/index.loader.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { STORED_ONLY, feedLinesOf, knowledgeRows as read, KNOWLEDGE_ROWS as ROWS } from '../support/feed-lines.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';
import { MEMBERS_COLLECTION_ID } from '../../src/taxii/taxii.collections.ts';

// Flat feed lines (issue 17.1, docs/design/feed-lines.md, phases 3–4): a feed imported the stored way by one hub,
// and the same feed written as lines by another hub whose organisation has the same id salt (so the same object ids),
// must read the same through the knowledge views: every column of every contribution, registry row, key, edge and
// feed entry, the provenance's own ids and the numbers and times of the write aside.

const hostile = [
  `"http://x.example/a'b\\\\c?d=""e""",url,"tlp:amber,tag\twith tab","line one\nline two",2026-11-30 10:00`,
  'phish.example.com,domain-name,フィッシング,偽サイト 「銀行」,',
  '198.51.100.7,ipv4-addr,scanner,,',
  '2001:db8::1,ipv6-addr,x,,2026-11-30T01:02:03Z',
  'someone@example.org,email-addr,,,',
];
function feed(): string {
  // A real phishing list when the shared data is here, and hostile rows either way.
  const real = hasSharedData() ? readFileSync(sharedData('feeds', 'jpcert-phishurl', '202412.csv'), 'utf8').split('\n').slice(1, 301).filter((l) => l.trim() !== '').map((l) => `${l.split(',')[1] ?? ''},url,phishing,,`) : [];
  return ['value,type,tags,comment,date', ...hostile, ...real, ''].join('\n');
}

describeStorage('feed lines: a line reads as the stored path writes it', (backend) => {
  let stored: TestHub;
  let lined: TestHub;
  let a: TestMember;
  let b: TestMember;
  let lines: FeedLine[];
  let now: Date;

  beforeAll(async () => {
    [stored, lined] = await Promise.all([startHub(backend, STORED_ONLY), startHub(backend, STORED_ONLY)]);
    [a, b] = await Promise.all([makeMember(stored, { name: 'Feed Org' }), makeMember(lined, { name: 'Feed Org' })]);
    await lined.app.storage.db.updateTable('orgs').set({ id_salt: a.org.id_salt, default_tlp: a.org.default_tlp }).where('id', '=', b.org.id).execute();
    const csv = feed();
    const res = await stored.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green&confidence=60', headers: { ...as(a.key), 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body).toBe(200);
    // The import's time, as the stored rows hold it (created of its indicators), is the lines' too.
    const created = (await sql<{ t: string }>`select data->>'created' as t from contributions where org_id = ${a.org.id} and object_id like 'relationship--%' limit 1`.execute(stored.app.storage.db)).rows[0]!.t;
    now = new Date(created);
    lines = await feedLinesOf(lined, b, csv, now, { tlp: 'green', confidence: 60 });
    expect(lines.length).toBeGreaterThan(4);
    expect((await lined.app.storage.db.transaction().execute((trx) => insertNewLines(trx, lines))).refused).toEqual([]);
  }, 120_000);
  afterAll(async () => Promise.all([stored?.close(), lined?.close()]));

  it('every row of the feed reads the same through the views', async () => {
    const s = await read(stored.app.storage.db, a.org.id);
    const l = await read(lined.app.storage.db, b.org.id);
    expect(s.contributions!.length).toBe(3 * lines.length);
    // The lined hub holds the feed as lines only: nothing of it in the stored tables.
    const counts = await sql<{ stored: number; lines: number }>`select (select count(*) from contributions_stored where org_id = ${b.org.id})::int as stored,
      (select count(*) from feed_lines where org_id = ${b.org.id})::int as lines`.execute(lined.app.storage.db);
    expect(counts.rows[0]).toEqual({ stored: 0, lines: lines.length });
    for (const name of Object.keys(ROWS)) expect(l[name], name).toEqual(s[name]);
  });

  it.each([
    ['plain export', '/api/v1/export?format=plain'],
    ['CSV export', '/api/v1/export?format=csv'],
    ['RPZ export', '/api/v1/export?format=rpz'],
    ['Suricata export', '/api/v1/export?format=suricata'],
    ['STIX export', '/api/v1/export?format=stix&limit=1000'],
    ['council feed', '/api/v1/feeds/plain'],
    ['TAXII page of indicators', `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/?limit=1000&match[type]=indicator`],
    ['objects list by value', '/api/v1/objects?type=domain-name&value=phish.example.com'],
  ])('the %s answers the same', async (_what, url) => {
    const [rs, rl] = await Promise.all([stored.server.inject({ method: 'GET', url, headers: as(a.key) }), lined.server.inject({ method: 'GET', url, headers: as(b.key) })]);
    expect(rs.statusCode, rs.body).toBe(200);
    expect(rl.statusCode, rl.body).toBe(200);
    // The write's own times (updated_at, date_added) and numbers (the order of equal pages, an RPZ serial, a bundle's
    // id) differ between the hubs; the contents' times are the import's. What is listed is compared as a set.
    const contentTimes = new Set([now.toISOString(), new Date(now.getTime() + 1).toISOString()]);
    const norm = (text: string, m: TestMember, hub: TestHub): unknown => {
      const t = text
        .replaceAll(m.org.id, 'ORG').replaceAll(m.userId, 'USER').replaceAll(hub.hubOrgId, 'HUB')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, (x) => (contentTimes.has(x) ? x : 'WRITTEN'));
      if (!t.startsWith('{')) return t.replace(/SOA (\S+ \S+) \( \d+ /, 'SOA $1 ( SERIAL ').split('\n').sort();
      const body = JSON.parse(t) as Record<string, unknown>;
      const byId = (xs: unknown) => [...(xs as { id: string }[])].sort((x, y) => (x.id < y.id ? -1 : 1));
      return { ...body, id: body.type === 'bundle' ? 'BUNDLE' : body.id, objects: body.objects && byId(body.objects), items: body.items && byId(body.items) };
    };
    expect(norm(rl.body, b, lined)).toEqual(norm(rs.body, a, stored));
  });

  it('writes one line an indicator when a batch holds two (no unique index says so since 2026-12-06T14-00: the writer does)', async () => {
    const ind = `indicator--${crypto.randomUUID()}`;
    const one = { ...lines[0]!, indicatorId: ind, scoId: `domain-name--${crypto.randomUUID()}`, relationshipId: `relationship--${crypto.randomUUID()}` };
    const two = { ...one, relationshipId: `relationship--${crypto.randomUUID()}`, audience: { ...one.audience, tlp: 'amber' as const } };
    class Undone extends Error {}
    await expect(
      lined.app.storage.db.transaction().execute(async (trx) => {
        expect((await insertNewLines(trx, [one, two])).refused).toEqual([two]);
        expect((await insertNewLines(trx, [two])).refused).toEqual([two]);
        const r = await sql<{ n: number }>`select count(*)::int as n from feed_lines where ind_id = ${ind}`.execute(trx);
        expect(r.rows[0]!.n).toBe(1);
        throw new Undone();
      }),
    ).rejects.toBeInstanceOf(Undone);
  });

  it('refuses a second line of one indicator (another audience), for the stored path: its registry rows would be presented twice', async () => {
    const other = { ...lines[0]!, audience: { ...lines[0]!.audience, tlp: 'amber' as const } };
    expect((await lined.app.storage.db.transaction().execute((trx) => insertNewLines(trx, [other, lines[1]!]))).refused).toEqual([other, lines[1]!]);
    const r = await sql<{ n: number }>`select count(*)::int as n from stix_objects where id = ${lines[0]!.indicatorId}`.execute(lined.app.storage.db);
    expect(r.rows[0]!.n).toBe(1);
  });

  it('the lookup index answers the same once it has caught up with the lines', async () => {
    await catchUpIndex(lined.app.storage.db, lined.app.index);
    const values = [...lines.slice(0, 20).map((l) => l.value), 'not-there.example.com'];
    const look = (hub: TestHub, key: string) => hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(key), payload: { values } });
    const [rs, rl] = await Promise.all([look(stored, a.key), look(lined, b.key)]);
    expect(rs.statusCode, rs.body).toBe(200);
    expect(rl.statusCode, rl.body).toBe(200);
    // Matches are listed in the order the index took them (by sequence number: a line numbers its indicator before its
    // observable, the stored path the other way round): compared as sets.
    const byId = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(byId).sort((x, y) => (String((x as { id?: string }).id) < String((y as { id?: string }).id) ? -1 : 1))
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, byId(x)])) : v;
    const norm = (text: string, m: TestMember) => byId(JSON.parse(text.replaceAll(m.org.id, 'ORG')));
    const answer = norm(rl.body, b);
    expect(answer).toEqual(norm(rs.body, a));
    expect(JSON.stringify(answer)).toContain(lines[0]!.indicatorId);
  });

  it('the object API answers the same for a line’s indicator, observable and relationship', async () => {
    const line = lines[0]!;
    for (const id of [line.indicatorId, line.scoId, line.relationshipId]) {
      const get = (hub: TestHub, key: string) => hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}`, headers: as(key) });
      const [rs, rl] = await Promise.all([get(stored, a.key), get(lined, b.key)]);
      expect(rl.statusCode, rl.body).toBe(200);
      expect(rs.statusCode).toBe(200);
      expect(JSON.parse(rl.body).object).toEqual(JSON.parse(rs.body).object);
    }
  });
  it('promotion turns lines into the stored rows they presented: every row reads exactly as before, ids and numbers too', async () => {
    const db = lined.app.storage.db;
    const exact = async () => ({
      contributions: (await sql`select *, data::text as data from contributions where org_id = ${b.org.id} order by id`.execute(db)).rows,
      registry: (await sql`select * from stix_objects where id in (select object_id from contributions where org_id = ${b.org.id}) order by id`.execute(db)).rows,
      keys: (await sql`select k.* from object_keys k join contributions c on c.id = k.contribution_id where c.org_id = ${b.org.id} order by 1, 3`.execute(db)).rows,
      edges: (await sql`select e.* from object_edges e join contributions c on c.id = e.contribution_id where c.org_id = ${b.org.id} order by 1`.execute(db)).rows,
      feed: (await sql`select * from feed_entries where org_id = ${b.org.id} order by id, key`.execute(db)).rows,
    });
    // Another organisation's lines of five of the same values: the observables' registry rows are presented by b's
    // lines, which own them; c's contributions of them rank below b's (superseded), as the stored path ranks them.
    // Promoting c's lines hands those rows over to the stored table; b's lines read as before.
    const c = await makeMember(lined, { name: 'Other Feed Org' });
    const cLines = await feedLinesOf(lined, c, ['value,type', ...lines.slice(0, 5).map((l) => `${l.value},${l.scoType}`), ''].join('\n'), now);
    expect((await db.transaction().execute((trx) => insertNewLines(trx, cLines))).refused).toEqual([]);
    const ranks = await sql<{ org: string; owner_rank: number; superseded: boolean }>`select case when org_id = ${b.org.id} then 'b' else 'c' end as org, owner_rank, superseded
      from contributions where object_id = any(${cLines.map((l) => l.scoId)}) order by 1, object_id`.execute(db);
    expect(ranks.rows).toEqual([...Array(5).fill({ org: 'b', owner_rank: 1, superseded: false }), ...Array(5).fill({ org: 'c', owner_rank: 0, superseded: true })]);
    const before = await exact();
    const cIds = (await sql<{ id: number }>`select id from feed_lines where org_id = ${c.org.id}`.execute(db)).rows.map((r) => Number(r.id));
    expect(cIds).toHaveLength(5);
    await db.transaction().execute((trx) => promoteLines(trx, cIds));
    expect(await exact()).toEqual(before);
    const handed = await sql<{ stored: number; presented: number; registry: number }>`select
      (select count(*) from stix_objects_stored where id = any(${cLines.map((l) => l.scoId)}))::int as stored,
      (select count(*) from feed_lines where sco_reg_id = any(${cLines.map((l) => l.scoId)}))::int as presented,
      (select count(*) from stix_objects where id = any(${cLines.map((l) => l.scoId)}))::int as registry`.execute(db);
    expect(handed.rows[0]).toEqual({ stored: 5, presented: 0, registry: 5 });
    const all = (await sql<{ id: number }>`select id from feed_lines where org_id = ${b.org.id} order by id`.execute(db)).rows.map((r) => Number(r.id));
    // Half first (the other half's observables stay presented by their lines), then the rest.
    await db.transaction().execute((trx) => promoteLines(trx, all.filter((_, i) => i % 2 === 0)));
    expect(await exact()).toEqual(before);
    await db.transaction().execute((trx) => promoteLines(trx, all.filter((_, i) => i % 2 === 1)));
    expect(await exact()).toEqual(before);
    const counts = await sql<{ lines: number; stored: number }>`select (select count(*) from feed_lines)::int as lines,
      (select count(*) from contributions_stored where org_id = ${b.org.id})::int as stored`.execute(db);
    expect(counts.rows[0]).toEqual({ lines: 0, stored: 3 * lines.length });
    expect((await sql<{ n: number }>`select count(*)::int as n from contributions_stored where org_id = ${c.org.id}`.execute(db)).rows[0]!.n).toBe(15);
    // The stored path takes the promoted rows for its own: the same feed again changes nothing.
    const res = await lined.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green&confidence=60', headers: { ...as(b.key), 'content-type': 'text/csv' }, payload: feed() });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ counts: { created: 0, updated: 0, unchanged: 3 * lines.length } });
    expect((await sql<{ n: number }>`select count(*)::int as n from contributions where org_id = ${b.org.id}`.execute(db)).rows[0]!.n).toBe(3 * lines.length);
  });
});
