import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { uniqueBundle } from './world.ts';
import { MEMBERS_COLLECTION_ID } from '../../src/taxii/taxii.collections.ts';

// Anonymous contributions: nothing any non-hub viewer receives contains the contributor's name or id.
describeStorage('anonymous contributions never reveal the contributor', (backend) => {
  let hub: TestHub;
  let anon: TestMember;
  let reader: TestMember;
  let analyst: TestMember;
  let probe: ReturnType<typeof uniqueBundle>;
  const ip = '192.0.2.201';

  beforeAll(async () => {
    hub = await startHub(backend);
    anon = await makeMember(hub, { name: 'Very Secret Bank of Tokyo', sector: 'finance' });
    reader = await makeMember(hub, { sector: 'telecom' });
    analyst = await makeMember(hub, { kind: 'hub', role: 'hub_analyst' });
    probe = uniqueBundle(ip);
    // The bank's own identity as created_by_ref: it must be withheld.
    const identityId = `identity--${crypto.randomUUID()}`;
    const now = new Date().toISOString();
    const b = probe.bundle as { objects: Record<string, unknown>[] };
    b.objects.push({ type: 'identity', spec_version: '2.1', id: identityId, created: now, modified: now, name: 'Very Secret Bank of Tokyo', identity_class: 'organization' });
    for (const o of b.objects) if (o.type === 'indicator' || o.type === 'malware') o.created_by_ref = identityId;
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green&anonymous=true', headers: { ...as(anon.key), 'content-type': 'application/json' }, payload: JSON.stringify(b) });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(() => hub.close());

  it('no response to another member contains the name or id', async () => {
    const outputs: string[] = [];
    const get = async (url: string) => (await hub.server.inject({ method: 'GET', url, headers: as(reader.key) })).body;
    outputs.push(await get('/api/v1/objects?limit=1000'));
    outputs.push(await get(`/api/v1/objects/${probe.indicatorId}`));
    outputs.push(await get(`/api/v1/objects/${probe.malwareId}`));
    outputs.push(await get(`/api/v1/objects/${probe.ipId}`));
    outputs.push(await get(`/api/v1/objects/${probe.malwareId}/paths?hops=3`));
    outputs.push((await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(reader.key), payload: { values: [ip] } })).body);
    for (const format of ['stix', 'misp', 'csv', 'plain']) outputs.push(await get(`/api/v1/export?format=${format}`));
    outputs.push(await get(`/api/v1/export?format=stix&ids=${probe.indicatorId},${probe.malwareId}`));
    outputs.push((await hub.server.inject({ method: 'GET', url: `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/`, headers: { ...as(reader.key), accept: 'application/taxii+json;version=2.1' } })).body);
    outputs.push((await hub.server.inject({ method: 'GET', url: `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/manifest/`, headers: { ...as(reader.key), accept: 'application/taxii+json;version=2.1' } })).body);
    const all = outputs.join('\n');
    expect(all).toContain(probe.indicatorId);
    expect(all).toContain('A financial institution');
    for (const secret of [anon.org.name, anon.org.id, anon.userId, 'Very Secret']) expect(all).not.toContain(secret);
  });

  it("every reference to the contributor, in every object, becomes its sector: a sighting's where_sighted_refs too", async () => {
    const { orgIdentity } = await import('../../src/orgs/org-identity.ts');
    const own = orgIdentity(anon.org).id;
    const now = new Date().toISOString();
    const sighting = { type: 'sighting', spec_version: '2.1', id: `sighting--${crypto.randomUUID()}`, created: now, modified: now, sighting_of_ref: probe.indicatorId, where_sighted_refs: [own], count: 2 };
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green&anonymous=true', headers: { ...as(anon.key), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [sighting] }) });
    expect(r.statusCode, r.body).toBe(200);
    const seen = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${sighting.id}`, headers: as(reader.key) })).body;
    expect(seen).toContain('where_sighted_refs');
    expect(seen).not.toContain(own);
    const taxii = (await hub.server.inject({ method: 'GET', url: `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/?match[id]=${sighting.id}`, headers: { ...as(reader.key), accept: 'application/taxii+json;version=2.1' } })).body;
    expect(taxii).toContain(sighting.id);
    expect(taxii).not.toContain(own);
  });

  it('an invalid file sent anonymously is refused like any other, and nothing is stored', async () => {
    const before = await hub.app.storage.db.selectFrom('contributions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const bad = { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [{ type: 'indicator', id: 'indicator--not-a-uuid', pattern: 42 }] };
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green&anonymous=true', headers: { ...as(anon.key), 'content-type': 'application/json' }, payload: JSON.stringify(bad) });
    expect(r.statusCode).toBe(422);
    const after = await hub.app.storage.db.selectFrom('contributions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('the hub analyst sees who it was', async () => {
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${probe.indicatorId}`, headers: as(analyst.key) });
    expect(r.body).toContain(anon.org.name);
  });
});
