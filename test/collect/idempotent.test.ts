import { sql } from 'kysely';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { lastSeen } from '../../src/store/contributions.repository.ts';

// Issue 11.4: sending the same data again, in any format, makes no second indicator; MISP edits and
// deletions follow the event; ASNs are recognised in flat feeds and text.
const real = hasSharedData();

async function ingest(hub: TestHub, key: string, body: Buffer | string, query: string, type = 'application/octet-stream') {
  const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?${query}`, headers: { ...as(key), 'content-type': type }, payload: body });
  expect(r.statusCode, r.body.slice(0, 300)).toBeLessThan(300);
  await hub.app.ingest.drain();
  return r.json() as { counts: { objects: number; created: number; updated: number; unchanged: number } };
}

/** The indicators an organisation contributed whose pattern names the value, with their state. */
async function indicatorsOf(hub: TestHub, orgId: string, value: string) {
  return hub.app.storage.db
    .selectFrom('contributions as c')
    .select(['c.object_id', 'c.revoked', lastSeen('c').as('last_seen'), 'c.data'])
    .where('c.org_id', '=', orgId)
    .where('c.object_id', 'like', 'indicator--%')
    .where((eb) => eb(eb.cast(eb.ref('c.data'), 'text'), 'like', `%${value}%`))
    .execute();
}

async function lookup(hub: TestHub, key: string, value: string): Promise<string[]> {
  await hub.app.indexReady;
  const r = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(key), payload: { values: [value] } });
  expect(r.statusCode).toBe(200);
  const items = r.json().items as { value: string; objects: { id: string; type: string }[] }[];
  return (items.find((i) => i.value === value)?.objects ?? []).filter((o) => o.type === 'indicator').map((o) => o.id);
}

/**
 * A real JPCERT monthly file cut to its header, its first `lines` data lines and every line naming
 * `keep` (the files have no quoted fields): the same format and values, without importing ~18,000
 * URLs per backend to follow one of them (test speed, issue 11.7).
 */
function jpcertExcerpt(file: string, keep: string, lines = 300): string {
  const [header, ...rows] = readFileSync(sharedData('feeds/jpcert-phishurl', file), 'utf8').split('\n');
  const picked = rows.filter((l, i) => l.trim() && (i < lines || l.includes(keep)));
  return [header, ...picked, ''].join('\n');
}

function mispEvent(timestamp: number, attributes: { uuid: string; value: string; type?: string }[]) {
  return JSON.stringify({
    Event: {
      uuid: '5f0c6d3e-0a3b-4c1e-9d9f-6a5b2c1d0e01',
      info: 'Phishing kit infrastructure',
      date: '2026-11-01',
      timestamp: String(timestamp),
      Attribute: attributes.map((a) => ({ uuid: a.uuid, type: a.type ?? 'ip-dst', category: 'Network activity', value: a.value, to_ids: true, timestamp: String(timestamp) })),
    },
  });
}

describeStorage('issue 11.4: re-ingest is idempotent for every format', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  let reader: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend);
    member = await makeMember(hub);
    reader = await makeMember(hub);
  });
  afterAll(() => hub.close());

  it.skipIf(!real)('the Feodo CSV sent twice gives one indicator per IP (28), not 56', async () => {
    const body = readFileSync(sharedData('feeds/abusech/feodo-ipblocklist-2024-04-04.csv'));
    const first = await ingest(hub, member.key, body, 'format=csv&tlp=green&filename=feodo.csv');
    const second = await ingest(hub, member.key, body, 'format=csv&tlp=green&filename=feodo.csv');
    expect(second.counts.created).toBe(0);
    expect(second.counts.unchanged).toBe(first.counts.objects);
    const indicators = await hub.app.storage.db.selectFrom('contributions').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', member.org.id).where('object_id', 'like', 'indicator--%').executeTakeFirstOrThrow();
    expect(Number(indicators.n)).toBe(28);
    expect(await lookup(hub, reader.key, '192.9.135.73')).toHaveLength(1);
  });

  it.skipIf(!real)('the same URL in two monthly JPCERT files is one indicator of the organisation, its last_seen moved', { timeout: 300_000 }, async () => {
    const org = await makeMember(hub);
    await ingest(hub, org.key, jpcertExcerpt('202207.csv', 'https://eposcards.com'), 'format=csv&tlp=green&filename=202207.csv');
    const before = await indicatorsOf(hub, org.org.id, 'https://eposcards.com');
    expect(before).toHaveLength(1);
    await ingest(hub, org.key, jpcertExcerpt('202306.csv', 'https://eposcards.com'), 'format=csv&tlp=green&filename=202306.csv');
    const after = await indicatorsOf(hub, org.org.id, 'https://eposcards.com');
    expect(after.map((a) => a.object_id)).toEqual(before.map((b) => b.object_id));
    expect(after[0]!.last_seen.getTime()).toBeGreaterThan(before[0]!.last_seen.getTime());
    expect(await lookup(hub, reader.key, 'https://eposcards.com')).toHaveLength(1);
  });

  it('a bundle sent again only moves last_seen (no new version, no new sequence number); a higher confidence moves in place; a later modified is a new version', async () => {
    const t0 = '2026-11-01T00:00:00.000Z';
    const ind = { type: 'indicator', spec_version: '2.1', id: 'indicator--0b7c8f0e-55d1-4c6a-9a53-2f0f3c6e9a11', created: t0, modified: t0, valid_from: t0, pattern_type: 'stix', pattern: "[domain-name:value = 'touch-test.example.org']", name: 'touch test' };
    const bundle = (o: object) => JSON.stringify({ type: 'bundle', id: 'bundle--6f4f5d0a-91c1-4b7e-8f55-0c3c4a1b2d33', objects: [o] });
    const row = () =>
      hub.app.storage.db
        .selectFrom('contributions_stored as c')
        // xmin: the transaction that wrote the row's current tuple (a touch must not rewrite the wide row); the stored table's (a view has none).
        .select(['c.id', 'c.seq', 'c.confidence', lastSeen('c').as('last_seen'), 'c.modified_text', sql<string>`c.xmin::text`.as('xmin')])
        .where('c.org_id', '=', member.org.id)
        .where('c.object_id', '=', ind.id)
        .executeTakeFirstOrThrow();
    await ingest(hub, member.key, bundle(ind), 'format=stix&tlp=green&confidence=50', 'application/json');
    const first = await row();
    const again = await ingest(hub, member.key, bundle(ind), 'format=stix&tlp=green&confidence=50', 'application/json');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    const same = await row();
    expect(same.last_seen.getTime()).toBeGreaterThanOrEqual(first.last_seen.getTime());
    expect(same.seq).toBe(first.seq);
    expect(same.modified_text).toBe(first.modified_text);
    // Only last_seen moved: the contribution row is the tuple the first ingest wrote (issue 17).
    expect(same.xmin).toBe(first.xmin);
    await new Promise((r) => setTimeout(r, 5));
    await ingest(hub, member.key, bundle(ind), 'format=stix&tlp=green&confidence=50', 'application/json');
    const third = await row();
    expect(third.last_seen.getTime()).toBeGreaterThan(first.last_seen.getTime());
    expect(third.last_seen.getTime()).toBeGreaterThanOrEqual(same.last_seen.getTime());
    expect(third.xmin).toBe(first.xmin);
    await ingest(hub, member.key, bundle(ind), 'format=stix&tlp=green&confidence=90', 'application/json');
    const surer = await row();
    expect(surer.confidence).toBe(90);
    expect(surer.last_seen.getTime()).toBeGreaterThan(third.last_seen.getTime());
    expect(surer.seq).toBe(first.seq);
    const later = { ...ind, modified: '2026-11-02T00:00:00.000Z', name: 'touch test, renamed' };
    const v2 = await ingest(hub, member.key, bundle(later), 'format=stix&tlp=green', 'application/json');
    expect(v2.counts).toMatchObject({ created: 0, updated: 1 });
    const newer = await row();
    expect(newer.id).toBe(first.id);
    expect(newer.modified_text!.slice(0, 10)).toBe('2026-11-02');
    expect(Number(newer.seq)).toBeGreaterThan(Number(first.seq));
    const history = await hub.app.storage.db.selectFrom('stix_versions').select('modified_text').where('contribution_id', '=', first.id).execute();
    expect(history.map((h) => h.modified_text)).toEqual([first.modified_text]);
    // The older version sent after the newer one changes nothing.
    const stale = await ingest(hub, member.key, bundle(ind), 'format=stix&tlp=green', 'application/json');
    expect(stale.counts).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect((await row()).modified_text).toBe(newer.modified_text);
  });

  it('two organisations sending the same feed line keep one indicator each, never each other\u2019s', async () => {
    const a = await makeMember(hub);
    const b = await makeMember(hub);
    const line = '203.0.113.99\n';
    await ingest(hub, a.key, line, 'format=text&tlp=green', 'text/plain');
    await ingest(hub, b.key, line, 'format=text&tlp=green', 'text/plain');
    await ingest(hub, a.key, line, 'format=text&tlp=green', 'text/plain');
    const ofA = await indicatorsOf(hub, a.org.id, '203.0.113.99');
    const ofB = await indicatorsOf(hub, b.org.id, '203.0.113.99');
    expect(ofA).toHaveLength(1);
    expect(ofB).toHaveLength(1);
    expect(ofA[0]!.object_id).not.toBe(ofB[0]!.object_id);
  });

  it('a MISP event sent again updates edited attributes in place and revokes deleted ones: they leave lookup and feeds', async () => {
    const org = await makeMember(hub);
    const kept = { uuid: '0d6b1b9e-1111-4a2b-8c3d-000000000001', value: '198.51.100.21' };
    const edited = { uuid: '0d6b1b9e-1111-4a2b-8c3d-000000000002', value: '198.51.100.22' };
    const deleted = { uuid: '0d6b1b9e-1111-4a2b-8c3d-000000000003', value: '198.51.100.23' };
    await ingest(hub, org.key, mispEvent(1_780_000_000, [kept, edited, deleted]), 'format=misp&tlp=green', 'application/json');
    expect(await lookup(hub, reader.key, deleted.value)).toHaveLength(1);
    const editedBefore = await indicatorsOf(hub, org.org.id, edited.value);
    expect(editedBefore).toHaveLength(1);

    // The analyst corrects one value and deletes another attribute; MISP bumps the event's timestamp.
    await ingest(hub, org.key, mispEvent(1_780_000_600, [kept, { ...edited, value: '198.51.100.24' }]), 'format=misp&tlp=green', 'application/json');
    expect(await lookup(hub, reader.key, kept.value)).toHaveLength(1);
    expect(await lookup(hub, reader.key, deleted.value)).toEqual([]);
    expect(await lookup(hub, reader.key, '198.51.100.24')).toHaveLength(1);
    const feed = await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain', headers: as(reader.key) });
    expect(feed.statusCode).toBe(200);
    const lines = feed.body.split('\n');
    expect(lines).toContain(kept.value);
    expect(lines).toContain('198.51.100.24');
    expect(lines).not.toContain(deleted.value);
    const gone = await indicatorsOf(hub, org.org.id, deleted.value);
    expect(gone.map((g) => g.revoked)).toEqual([true]);
    // Sending the older event once more changes nothing: the newer version stands.
    await ingest(hub, org.key, mispEvent(1_780_000_000, [kept, edited, deleted]), 'format=misp&tlp=green', 'application/json');
    expect(await lookup(hub, reader.key, deleted.value)).toEqual([]);
  });

  it('ASNs ingest from CSV and text (AS43350, ASN43350, ASN:43350) as autonomous-system objects', async () => {
    const org = await makeMember(hub);
    await ingest(hub, org.key, 'Hosting of the panel: AS43350 and ASN:9009; also AS-SET names are not numbers\n', 'format=text&tlp=green', 'text/plain');
    await ingest(hub, org.key, 'asn,comment\nASN16276,bulletproof host\n', 'format=csv&tlp=green&filename=asns.csv', 'text/csv');
    const rows = await hub.app.storage.db.selectFrom('contributions as c').innerJoin('stix_objects as o', 'o.id', 'c.object_id').select('c.data').where('c.org_id', '=', org.org.id).where('o.type', '=', 'autonomous-system').execute();
    const numbers = rows.map((r) => (r.data as { number: number }).number).sort();
    expect(numbers).toEqual(expect.arrayContaining([9009, 16276, 43350]));
  });
});
