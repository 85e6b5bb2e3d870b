import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.ts';
import type { FeedLine } from '../../src/store/feed-line.ts';
import { insertNewLines } from '../../src/store/feed-lines.repository.ts';
import { inboxCollectionId } from '../../src/taxii/taxii.collections.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { STORED_ONLY, feedLinesOf, knowledgeRows, maskedRows } from '../support/feed-lines.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';

// Who promotes feed lines (docs/design/feed-lines.md section 3): every stored write that must change a line's rows.
// Two hubs whose organisations share id salts take the same writes, one onto a feed stored the usual way, the other
// onto the same feed written as lines; after each write both read the same (the stored path is the reference).

function feed(): string {
  const real = hasSharedData() ? readFileSync(sharedData('feeds', 'jpcert-phishurl', '202412.csv'), 'utf8').split('\n').slice(1, 41).filter((l) => l.trim() !== '').map((l) => `${l.split(',')[1] ?? ''},url,phishing,,`) : [];
  return ['value,type,tags,comment,date', 'phish.example.com,domain-name,フィッシング,偽サイト,', '198.51.100.7,ipv4-addr,scanner,,', 'someone@example.org,email-addr,,,', "http://x.example/a'b,url,,,", ...real, ''].join('\n');
}

describeStorage('feed lines: stored writes promote the lines they change', (backend) => {
  let stored: TestHub;
  let lined: TestHub;
  // The feed's organisation and another one, on each hub.
  let a: TestMember;
  let b: TestMember;
  let c1: TestMember;
  let c2: TestMember;
  let lines: FeedLine[];
  let keep: Set<string>;

  const csv = feed();
  const post = (hub: TestHub, m: TestMember, body: string, tlp: string) =>
    hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=csv&tlp=${tlp}&confidence=60`, headers: { ...as(m.key), 'content-type': 'text/csv' }, payload: body });
  const both = async <T>(f: (hub: TestHub, m: TestMember, other: TestMember) => Promise<T>) => Promise.all([f(stored, a, c1), f(lined, b, c2)]);
  const same = async () => {
    expect(maskedRows(await knowledgeRows(lined.app.storage.db, b.org.id), keep)).toEqual(maskedRows(await knowledgeRows(stored.app.storage.db, a.org.id), keep));
    expect(maskedRows(await knowledgeRows(lined.app.storage.db, c2.org.id), keep)).toEqual(maskedRows(await knowledgeRows(stored.app.storage.db, c1.org.id), keep));
  };
  const count = async (db: Kysely<Database>) => (await sql<{ n: number }>`select count(*)::int as n from feed_lines`.execute(db)).rows[0]!.n;

  beforeAll(async () => {
    [stored, lined] = await Promise.all([startHub(backend, STORED_ONLY), startHub(backend, STORED_ONLY)]);
    [a, b, c1, c2] = await Promise.all([makeMember(stored, { name: 'Feed Org' }), makeMember(lined, { name: 'Feed Org' }), makeMember(stored, { name: 'Other Org' }), makeMember(lined, { name: 'Other Org' })]);
    for (const [from, to] of [[a, b], [c1, c2]] as const) await lined.app.storage.db.updateTable('orgs').set({ id_salt: from.org.id_salt, default_tlp: from.org.default_tlp }).where('id', '=', to.org.id).execute();
    const res = await post(stored, a, csv, 'green');
    expect(res.statusCode, res.body).toBe(200);
    const created = (await sql<{ t: string }>`select data->>'created' as t from contributions where org_id = ${a.org.id} and object_id like 'relationship--%' limit 1`.execute(stored.app.storage.db)).rows[0]!.t;
    const now = new Date(created);
    keep = new Set([now.toISOString(), new Date(now.getTime() + 1).toISOString()]);
    lines = await feedLinesOf(lined, b, csv, now, { tlp: 'green', confidence: 60 });
    expect((await lined.app.storage.db.transaction().execute((trx) => insertNewLines(trx, lines))).refused).toEqual([]);
    await same();
  }, 120_000);
  afterAll(async () => Promise.all([stored?.close(), lined?.close()]));

  it("another organisation's stored contribution of a line's observable takes the registry row over and is ranked with the line's", async () => {
    // Three of the feed's values (the hostile rows alone when the shared data is absent), and the fourth line deleted below.
    const some = lines.slice(0, 3);
    const three = ['value,type', ...some.map((l) => `${l.value},${l.scoType}`), ''].join('\n');
    const [rs, rl] = await both((hub, _m, other) => post(hub, other, three, 'green'));
    expect(JSON.parse(rl.body).counts).toEqual(JSON.parse(rs.body).counts);
    await same();
    // The feed's lines stay lines; the observables' registry rows are stored now, still the feed organisation's.
    expect(await count(lined.app.storage.db)).toBe(lines.length);
    const reg = await sql<{ owner: string }>`select distinct owner_org_id as owner from stix_objects_stored where id = any(${some.map((l) => l.scoId)})`.execute(lined.app.storage.db);
    expect(reg.rows).toEqual([{ owner: b.org.id }]);
    const sup = await sql<{ superseded: boolean }>`select superseded from contributions where org_id = ${c2.org.id} and object_id = any(${some.map((l) => l.scoId)})`.execute(lined.app.storage.db);
    expect(sup.rows).toEqual(Array(some.length).fill({ superseded: true }));
  });

  it("a TAXII deletion of a line's indicator promotes the line, then withdraws the contribution", async () => {
    const line = lines[3]!;
    const del = (hub: TestHub, m: TestMember) =>
      hub.server.inject({ method: 'DELETE', url: `/taxii2/api/collections/${inboxCollectionId(m.org.id)}/objects/${line.indicatorId}/`, headers: { ...as(m.key), accept: 'application/taxii+json;version=2.1' } });
    const [rs, rl] = await both((hub, m) => del(hub, m));
    expect(rs.statusCode, rs.body).toBe(200);
    expect(rl.statusCode, rl.body).toBe(200);
    await same();
    expect(await count(lined.app.storage.db)).toBe(lines.length - 1);
    const left = await sql<{ n: number }>`select count(*)::int as n from contributions where object_id = ${line.indicatorId}`.execute(lined.app.storage.db);
    expect(left.rows[0]!.n).toBe(0);
  });

  it('the same organisation importing the feed again the stored way finds it unchanged, and another audience promotes every line', async () => {
    const again = await both((hub, m) => post(hub, m, csv, 'green'));
    const [s, l] = again.map((r) => JSON.parse(r.body).counts);
    expect(l).toEqual(s);
    await same();
    const amber = await both((hub, m) => post(hub, m, csv, 'amber'));
    const [sa, la] = amber.map((r) => JSON.parse(r.body).counts);
    expect(la).toEqual(sa);
    expect(la.created).toBeGreaterThan(0);
    await same();
    expect(await count(lined.app.storage.db)).toBe(0);
  });
});
