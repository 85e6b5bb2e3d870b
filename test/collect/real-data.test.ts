import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { lastSeen } from '../../src/store/contributions.repository.ts';

const SKIP = /(^SOURCE\.md|^README\.md|LICENSE)/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full);
    return SKIP.test(name) ? [] : [full];
  });
}

// Files the importers must refuse, with the reason they give: never a generic error, never a 500.
const REFUSED: readonly { match: RegExp; status: number; says: RegExp }[] = [
  { match: /validator-test-examples\/invalid_/, status: 422, says: /nothing was imported|malformed JSON|objects\[/ },
  { match: /\.msg$/, status: 415, says: /Outlook/i },
  // MITRE's collection index lists bundles; it is not STIX content itself.
  { match: /collection-index\.json$/, status: 415, says: /neither STIX nor MISP/ },
  { match: /sharing_groups\.json$/, status: 415, says: /sharing groups, not an event/ },
  // A malformed message with a NUL byte in it: refused naming line and column (issue 10.8), never stored in part.
  { match: /mail_malformed_3\.eml$/, status: 422, says: /line \d+ column \d+: a NUL byte/ },
];

const real = hasSharedData();

describeStorage('every real file imports without a crash', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    // OASIS's apt1 example names a /15: these tests read every real file whole, so ranges down to /8 are admitted.
    hub = await startHub(backend, { KESSETSU_BODY_LIMIT: String(64 * 1024 * 1024), KESSETSU_MIN_CIDR_PREFIX_V4: '8' });
    member = await makeMember(hub);
  });
  afterAll(() => hub.close());

  // The feeds and honeypot logs are imported, once per backend, in test/scenarios/feeds-export.test.ts.
  const roots = ['stix/oasis-examples', 'stix/mitre-attack', 'stix/stix20-unit42', 'stix/stix20-pymisp', 'stix/validator-test-examples', 'stix/stix1x', 'misp/events', 'email'];
  // One test per file: a failure names it.
  const files = real ? roots.flatMap((root) => filesUnder(sharedData(root)).filter((f) => !f.endsWith('.md'))) : [];
  for (const file of files) {
    const rel = path.relative(sharedData(), file);
    it(`imports ${rel}`, { timeout: 900_000 }, async () => {
      const body = readFileSync(file);
      const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=auto&tlp=green&filename=${encodeURIComponent(path.basename(file))}`, headers: { ...as(member.key), 'content-type': 'application/octet-stream' }, payload: body });
      await hub.app.ingest.drain();
      const refused = REFUSED.find((x) => x.match.test(file));
      if (refused) {
        expect(r.statusCode, `${rel}: ${r.body.slice(0, 300)}`).toBe(refused.status);
        expect(r.json().error.message, rel).toMatch(refused.says);
        return;
      }
      expect([200, 202], `${rel}: ${r.body.slice(0, 400)}`).toContain(r.statusCode);
      const report = r.statusCode === 202 ? await hub.app.ingest.report((await hub.app.auth.authenticate(member.key)), r.json().id) : r.json();
      expect(report.status, rel).toBe('done');
      // A file may rightly yield nothing (an empty MISP event, only TLP markings, OpenIOC terms that have
      // no STIX equivalent) but then the report must say why.
      if (report.counts.objects === 0) expect(report.warnings.length + report.errors.length, `${rel}: empty without a word`).toBeGreaterThan(0);
    });
  }
  it('finds the real data', () => {
    if (real) expect(files.length).toBeGreaterThan(70);
  });

  it.skipIf(!real)('re-ingesting the same file creates nothing new and moves last_seen', async () => {
    const body = readFileSync(sharedData('stix/oasis-examples', readdirSync(sharedData('stix/oasis-examples')).find((f) => f.endsWith('.json'))!));
    const send = () => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=amber', headers: { ...as(member.key), 'content-type': 'application/json' }, payload: body });
    const first = (await send()).json();
    // Only the contributions this file makes (other tests share the organisation).
    const ids = (JSON.parse(body.toString()) as { objects: { id: string }[] }).objects.map((o) => o.id);
    // A contribution keeps the ingest that made its content; sending the same content again only moves last_seen.
    const mine = () => hub.app.storage.db.selectFrom('contributions as c').select(['c.object_id', lastSeen('c').as('last_seen')]).where('c.org_id', '=', member.org.id).where('c.ingest_id', '=', first.id).where('c.object_id', 'in', ids).execute();
    const before = await mine();
    const second = (await send()).json();
    expect(second.counts.created).toBe(0);
    expect(second.counts.updated).toBe(0);
    expect(second.counts.unchanged).toBe(first.counts.objects);
    const after = await mine();
    expect(after.length).toBe(before.length);
    const stale = after.filter((a) => !(a.last_seen > before.find((b) => b.object_id === a.object_id)!.last_seen));
    expect(stale.map((s) => s.object_id)).toEqual([]);
  });
});

describeStorage('one object, many contributions', (backend) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_MIN_CIDR_PREFIX_V4: '8' });
  });
  afterAll(() => hub.close());

  it('two organisations sharing the same IP produce one ipv4-addr object with two contributions', async () => {
    const a = await makeMember(hub, { sector: 'finance' });
    const b = await makeMember(hub, { sector: 'telecom' });
    await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=text&tlp=green', headers: { ...as(a.key), 'content-type': 'text/plain' }, payload: 'C2 seen at 198.51.100[.]23 today' });
    await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=amber', headers: { ...as(b.key), 'content-type': 'text/csv' }, payload: 'value,type\n198.51.100.23,ipv4-addr\n' });
    const objs = await hub.app.storage.db.selectFrom('stix_objects').select('id').where('type', '=', 'ipv4-addr').where('value', '=', '198.51.100.23').execute();
    expect(objs).toHaveLength(1);
    const contributions = await hub.app.storage.db.selectFrom('contributions').select(['org_id', 'tlp']).where('object_id', '=', objs[0]!.id).orderBy('tlp').execute();
    expect(contributions.map((c) => [c.org_id, c.tlp])).toEqual([
      [b.org.id, 'amber'],
      [a.org.id, 'green'],
    ]);
    const detail = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${objs[0]!.id}`, headers: as(a.key) });
    expect(detail.json().contributions).toHaveLength(1);
    expect(detail.json().reported_by.orgs).toBe(2);
  });
});

describeStorage('what the store gives back is valid STIX 2.1', (backend) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_MIN_CIDR_PREFIX_V4: '8' });
  });
  afterAll(() => hub.close());

  it.skipIf(!real)('objects read back after importing the OASIS examples and a MISP event validate against the OASIS schemas', async () => {
    const m = await makeMember(hub);
    const files = [...filesUnder(sharedData('stix/oasis-examples')).filter((f) => f.endsWith('.json')), sharedData('misp/events/existing_event.json')];
    for (const f of files) {
      const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=auto&tlp=green', headers: { ...as(m.key), 'content-type': 'application/octet-stream' }, payload: readFileSync(f) });
      expect(r.statusCode, f).toBe(200);
    }
    expect(hub.app.validator.usesSchemas).toBe(true);
    let cursor: string | null = null;
    let checked = 0;
    do {
      const page = await hub.server.inject({ method: 'GET', url: `/api/v1/objects?limit=500${cursor ? `&cursor=${cursor}` : ''}`, headers: as(m.key) });
      const body = page.json() as { items: { object: Record<string, unknown> }[]; next: string | null };
      for (const item of body.items) {
        const issues = hub.app.validator.validateObject(item.object, String(item.object.id));
        expect(issues, String(item.object.id)).toEqual([]);
        checked++;
      }
      cursor = body.next;
    } while (cursor);
    expect(checked).toBeGreaterThan(300);
  });
});
