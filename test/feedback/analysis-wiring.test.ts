import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { ingestStix, startFeedbackHub } from './support.ts';
import { makeObservable } from '../../src/observables/observable.factory.ts';

const now = new Date().toISOString();
const id = (t: string) => `${t}--${crypto.randomUUID()}`;
const bundle = (objects: Record<string, unknown>[]) => JSON.stringify({ type: 'bundle', id: id('bundle'), objects });
const indicator = (pattern: string) => ({ type: 'indicator', spec_version: '2.1', id: id('indicator'), created: now, modified: now, name: pattern, pattern, pattern_type: 'stix', valid_from: now });

// The analysis area's warninglists and clusters, as the feed-back area uses them (wired in app.ts).
describeStorage('feed back: wired to the analysis area', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    a = await makeMember(hub);
    b = await makeMember(hub);
  });
  afterAll(async () => hub?.close());

  it.runIf(hasSharedData())('a value on an imported MISP warninglist leaves the blocklists, and the ETag changes', async () => {
    // 1.0.136.23: an open resolver on MISP's list, not on the built-in one (well-known resolvers only).
    await ingestStix(hub, a.key, bundle([indicator("[ipv4-addr:value = '1.0.136.23']"), indicator("[ipv4-addr:value = '198.51.100.77']"), indicator("[ipv4-addr:value = '8.8.8.8']")]));
    const before = await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain&type=ipv4-addr', headers: as(b.key) });
    // 8.8.8.8 is on a built-in list from the start.
    expect(before.body.split('\n').filter(Boolean).sort()).toEqual(['1.0.136.23', '198.51.100.77']);
    const imported = await hub.app.warninglists.importPaths([sharedData('misp', 'warninglists', 'public-dns-v4.json')], { enabled: true });
    expect(imported[0]!.error).toBeNull();
    const after = await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain&type=ipv4-addr', headers: { ...as(b.key), 'if-none-match': before.headers.etag as string } });
    expect(after.statusCode).toBe(200);
    expect(after.body).toBe('198.51.100.77\n');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });
});

describeStorage('feed back: clusters from the analysis area', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    a = await makeMember(hub);
    b = await makeMember(hub);
  });
  afterAll(async () => hub?.close());

  it('exports a cluster by id and shows it in the history of a member object', async () => {
    const ip = makeObservable('ipv4-addr', '203.0.113.66').object;
    const incident = (name: string) => ({ type: 'incident', spec_version: '2.1', id: id('incident'), created: now, modified: now, name });
    const i1 = incident('Fraud at bank A');
    const i2 = incident('Fraud at bank B');
    const rel = (src: string) => ({ type: 'relationship', spec_version: '2.1', id: id('relationship'), created: now, modified: now, relationship_type: 'related-to', source_ref: src, target_ref: ip.id });
    await ingestStix(hub, a.key, bundle([ip, i1, rel(i1.id)]), 'tlp=amber');
    await ingestStix(hub, b.key, bundle([i2, rel(i2.id)]), 'tlp=amber');
    await hub.app.analysis.run('test');
    const member = await hub.app.storage.db.selectFrom('analysis_cluster_members').select(['cluster_id', 'object_id']).where('object_id', '=', i1.id).executeTakeFirstOrThrow();
    const cluster = member.cluster_id;
    // Both incidents are in the cluster; each bank shared its own at AMBER naming no one,
    // so each sees only its own member in the export and in the history.
    const forA = JSON.parse((await hub.server.inject({ method: 'GET', url: `/api/v1/export?format=stix&cluster=${cluster}`, headers: as(a.key) })).body);
    expect(forA.objects.filter((o: { type: string }) => o.type === 'incident').map((o: { id: string }) => o.id)).toEqual([i1.id]);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=stix&cluster=999999', headers: as(a.key) })).statusCode).toBe(404);
    const list = (await hub.server.inject({ method: 'GET', url: '/api/v1/contributions?type=incident', headers: as(a.key) })).json();
    const mine = list.items.find((x: { object: { id: string } }) => x.object.id === i1.id);
    const history = (await hub.server.inject({ method: 'GET', url: `/api/v1/contributions/${mine.id}/history`, headers: as(a.key) })).json();
    expect(history.clusters).toEqual([expect.objectContaining({ id: cluster, status: 'active', visible_members: 1, url: `/api/v1/clusters/${cluster}` })]);
  });
});
