import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { STORED_ONLY, knowledgeRows, maskedRows } from '../support/feed-lines.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';

// The importer writing flat feed lines (KESSETSU_INGEST_FEED_LINES, docs/design/feed-lines.md phase 4): the same
// feed posted to a hub that writes lines and to one that stores objects, by organisations with the same id salt,
// answers the same counts and reads the same, for a first import, the same file again, and a changed row.

function feed(changed = false): string {
  const real = hasSharedData() ? readFileSync(sharedData('feeds', 'jpcert-phishurl', '202412.csv'), 'utf8').split('\n').slice(1, 201).filter((l) => l.trim() !== '').map((l) => `${l.split(',')[1] ?? ''},url,phishing,,`) : [];
  return ['value,type,tags,comment,date', `phish.example.com,domain-name,フィッシング,${changed ? '偽サイト（更新）' : '偽サイト'},`, '198.51.100.7,ipv4-addr,scanner,,',
    'someone@example.org,email-addr,,,', "http://x.example/a'b\\c,url,,\"a\tb\",", '2001:db8::1,ipv6-addr,x,,', ...real, ''].join('\n');
}

describeStorage('feed lines: the importer writes a first import as lines', (backend) => {
  let stored: TestHub;
  let lined: TestHub;
  let a: TestMember;
  let b: TestMember;
  const keep = new Set<string>();
  const post = (hub: TestHub, m: TestMember, body: string, confidence: number) =>
    hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=csv&tlp=green&confidence=${confidence}`, headers: { ...as(m.key), 'content-type': 'text/csv' }, payload: body });
  const both = async (body: string, confidence = 60) => {
    const [rs, rl] = await Promise.all([post(stored, a, body, confidence), post(lined, b, body, confidence)]);
    expect(rs.statusCode, rs.body).toBe(200);
    expect(rl.statusCode, rl.body).toBe(200);
    return [JSON.parse(rs.body).counts, JSON.parse(rl.body).counts];
  };
  const same = async () => expect(maskedRows(await knowledgeRows(lined.app.storage.db, b.org.id), keep)).toEqual(maskedRows(await knowledgeRows(stored.app.storage.db, a.org.id), keep));
  const lineCount = async (db: Kysely<Database>) => (await sql<{ n: number }>`select count(*)::int as n from feed_lines`.execute(db)).rows[0]!.n;
  // The feed's distinct rows (the real list repeats some URLs).
  const rows = new Set(feed().trim().split('\n').slice(1).map((r) => r.split(',')[0])).size;

  beforeAll(async () => {
    [stored, lined] = await Promise.all([startHub(backend, STORED_ONLY), startHub(backend, { KESSETSU_INGEST_FEED_LINES: 'true' })]);
    [a, b] = await Promise.all([makeMember(stored, { name: 'Feed Org' }), makeMember(lined, { name: 'Feed Org' })]);
    await lined.app.storage.db.updateTable('orgs').set({ id_salt: a.org.id_salt, default_tlp: a.org.default_tlp }).where('id', '=', b.org.id).execute();
  });
  afterAll(async () => Promise.all([stored?.close(), lined?.close()]));

  it('a first import: every row a line, the same counts, every row of the knowledge views the same', async () => {
    const [s, l] = await both(feed());
    expect(l).toEqual(s);
    expect(s.created).toBe(3 * rows);
    expect(await lineCount(lined.app.storage.db)).toBe(rows);
    const storedRows = await sql<{ n: number }>`select count(*)::int as n from contributions_stored where org_id = ${b.org.id}`.execute(lined.app.storage.db);
    expect(storedRows.rows[0]!.n).toBe(0);
    await same();
  });

  it('the same file again: unchanged, still lines, seen again (last_seen) as the stored path sees it', async () => {
    const [s, l] = await both(feed());
    expect(l).toEqual(s);
    expect(s.unchanged).toBe(3 * rows);
    expect(await lineCount(lined.app.storage.db)).toBe(rows);
    await same();
    const seen = async (hub: TestHub, m: TestMember) =>
      (await sql<{ n: number }>`select count(*)::int as n from contributions c where c.org_id = ${m.org.id} and exists (select 1 from contribution_seen_runs r where r.ids @> c.id)`.execute(hub.app.storage.db)).rows[0]!.n;
    expect(await seen(lined, b)).toBe(await seen(stored, a));
    expect(await seen(lined, b)).toBe(3 * rows);
  });

  it('another comment and confidence: generated contents are kept, the lines take the new confidence in place', async () => {
    const [s, l] = await both(feed(true), 80);
    expect(l).toEqual(s);
    expect(s.unchanged).toBe(3 * rows);
    expect(await lineCount(lined.app.storage.db)).toBe(rows);
    await same();
    const confidence = await sql<{ c: number }>`select distinct confidence as c from contributions where org_id = ${b.org.id}`.execute(lined.app.storage.db);
    expect(confidence.rows).toEqual([{ c: 80 }]);
  });

  it("the next day's file: the rows seen before unchanged, the new rows among them written as lines, read as the stored path's", async () => {
    // New rows between the known ones: every batch is a re-import's (its sample is mostly registered).
    const known = feed(true).trim().split('\n');
    const fresh = ['new-phish-1.example.net,domain-name,phishing,,', '203.0.113.99,ipv4-addr,scanner,,', 'http://new-phish-2.example.net/login,url,,,'];
    const next = [known[0]!, known[1]!, fresh[0]!, ...known.slice(2, 4), fresh[1]!, ...known.slice(4), fresh[2]!, ''].join('\n');
    const [s, l] = await both(next, 80);
    expect(l).toEqual(s);
    expect(s.created).toBe(3 * fresh.length);
    expect(s.unchanged).toBe(3 * rows);
    expect(await lineCount(lined.app.storage.db)).toBe(rows + fresh.length);
    const storedRows = await sql<{ n: number }>`select count(*)::int as n from contributions_stored where org_id = ${b.org.id}`.execute(lined.app.storage.db);
    expect(storedRows.rows[0]!.n).toBe(0);
    await same();
  });

  it('the lookup answers the same for the feed’s values', async () => {
    const values = ['phish.example.com', '198.51.100.7', 'someone@example.org', '2001:db8::1', 'not-there.example.com'];
    const look = (hub: TestHub, m: TestMember) => hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(m.key), payload: { values } });
    const [rs, rl] = await Promise.all([look(stored, a), look(lined, b)]);
    expect(rl.statusCode, rl.body).toBe(200);
    // Objects are listed in the order the index took them (a line numbers its indicator before its observable).
    const norm = (text: string, m: TestMember) => {
      const body = JSON.parse(text.replaceAll(m.org.id, 'ORG').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'T')) as { items: { objects: { id: string }[] }[] };
      for (const item of body.items) item.objects.sort((x, y) => (x.id < y.id ? -1 : 1));
      return body;
    };
    expect(norm(rl.body, b)).toEqual(norm(rs.body, a));
  });
});
