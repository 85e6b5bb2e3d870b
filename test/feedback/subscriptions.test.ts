import { domainToASCII } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, declareAssets, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { sectorIdentity } from '../../src/stix/extensions.ts';
import { ingestStix, startFeedbackHub } from './support.ts';

const now = new Date().toISOString();
const id = (type: string) => `${type}--${crypto.randomUUID()}`;
const bundle = (objects: Record<string, unknown>[]) => JSON.stringify({ type: 'bundle', id: id('bundle'), objects });
function indicator(pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'indicator', spec_version: '2.1', id: id('indicator'), created: now, modified: now, name: pattern.slice(1, 60), pattern, pattern_type: 'stix', valid_from: now, ...extra };
}

describeStorage('feed back: what subscriptions hear', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  let telco: TestMember;

  async function subscribe(m: TestMember, body: Record<string, unknown>): Promise<string> {
    const res = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(m.key), payload: { name: 'x', ...body } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }
  interface Item {
    subscription_id: string;
    title: string;
    alert: { total: number; contributor: unknown; details: unknown; matches: { value: string; display?: string; reason: string; tlp: string | null }[] };
  }
  async function alertsOf(m: TestMember, subId: string): Promise<Item[]> {
    const items = (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox?limit=500', headers: as(m.key) })).json().items as Item[];
    return items.filter((i) => i.subscription_id === subId);
  }

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    a = await makeMember(hub, { name: 'Reporter' });
    b = await makeMember(hub, { name: 'Listener Bank' });
    await declareAssets(hub, b, { keywords: ['momiji', 'sakura'] });
    telco = await makeMember(hub, { name: 'Listener Telco', sector: 'telecom' });
  });
  afterAll(async () => hub?.close());

  it('my sector targeted: a "targets" relationship to an identity of the sector reaches that sector only', async () => {
    const bank = await subscribe(b, { kind: 'sector' });
    const tel = await subscribe(telco, { kind: 'sector' });
    const campaign = { type: 'campaign', spec_version: '2.1', id: id('campaign'), created: now, modified: now, name: 'Operation Momiji' };
    const victim = { type: 'identity', spec_version: '2.1', id: id('identity'), created: now, modified: now, name: 'Japanese banks', identity_class: 'class', sectors: ['financial-services'] };
    const rel = { type: 'relationship', spec_version: '2.1', id: id('relationship'), created: now, modified: now, relationship_type: 'targets', source_ref: campaign.id, target_ref: victim.id };
    await ingestStix(hub, a.key, bundle([campaign, victim, rel]));
    const got = await alertsOf(b, bank);
    expect(got).toHaveLength(1);
    expect(got[0]!.title).toBe('Your sector targeted: Operation Momiji');
    expect(await alertsOf(telco, tel)).toEqual([]);
  });

  it('new indicators of chosen types, or related to a chosen group by name or alias, above a confidence', async () => {
    const byType = await subscribe(b, { kind: 'indicator', rule: { types: ['ipv4-addr'], min_confidence: 50 } });
    const byGroup = await subscribe(b, { kind: 'indicator', rule: { groups: ['MirrorFace'] } });
    const actor = { type: 'intrusion-set', spec_version: '2.1', id: id('intrusion-set'), created: now, modified: now, name: 'Earth Kasha', aliases: ['MirrorFace'] };
    const ind = indicator("[domain-name:value = 'kasha-c2.example']");
    const rel = { type: 'relationship', spec_version: '2.1', id: id('relationship'), created: now, modified: now, relationship_type: 'indicates', source_ref: ind.id, target_ref: actor.id };
    await ingestStix(hub, a.key, bundle([actor, ind, rel, indicator("[ipv4-addr:value = '198.51.100.90']", { confidence: 80 }), indicator("[ipv4-addr:value = '198.51.100.91']", { confidence: 20 })]));
    const types = await alertsOf(b, byType);
    expect(types).toHaveLength(1);
    expect(types[0]!.alert.matches.map((m: { value: string }) => m.value)).toEqual(['198.51.100.90']);
    const group = await alertsOf(b, byGroup);
    expect(group).toHaveLength(1);
    expect(group[0]!.alert.matches[0]).toMatchObject({ value: 'kasha-c2.example', reason: 'related to mirrorface' });
    // An indicator already known is not new.
    await ingestStix(hub, a.key, bundle([indicator("[ipv4-addr:value = '198.51.100.92']", { confidence: 80 })]));
    expect(await alertsOf(b, byType)).toHaveLength(2);
  });

  it('sightings of what I shared: in full when the sighter shares it with me, counted when it does not', async () => {
    const sub = await subscribe(a, { kind: 'shared_sighting' });
    const ind = indicator("[domain-name:value = 'shared-by-a.example']");
    await ingestStix(hub, a.key, bundle([ind]), 'tlp=green');
    const green = await hub.server.inject({ method: 'POST', url: '/api/v1/sightings', headers: as(b.key), payload: { object_id: ind.id, count: 2, tlp: 'green' } });
    expect(green.statusCode, green.body).toBe(201);
    const amber = await hub.server.inject({ method: 'POST', url: '/api/v1/sightings', headers: as(telco.key), payload: { object_id: ind.id, count: 5, tlp: 'amber' } });
    expect(amber.statusCode).toBe(201);
    const got = await alertsOf(a, sub);
    expect(got).toHaveLength(2);
    const full = got.find((g) => g.alert.matches.length === 1)!;
    expect(full.alert).toMatchObject({ contributor: { name: 'Listener Bank' }, matches: [{ reason: 'sighted 2 time(s)', tlp: 'green' }] });
    const counted = got.find((g) => g.alert.matches.length === 0)!;
    expect(counted.alert).toMatchObject({ total: 1, contributor: { name: null, sector: 'telecom', anonymous: true }, details: { counted_only: 1, sighted_objects: [ind.id] } });
    expect(counted.title).toBe('Sighted by another organisation: 1 sighting(s) of what you shared');
    expect(JSON.stringify(counted)).not.toContain('Listener Telco');
  });

  it('anonymous contributors appear as their sector; RED never reaches an organisation-wide subscription', async () => {
    const sub = await subscribe(b, { kind: 'asset', rule: { keywords: ['momiji'] } });
    const me = await subscribe(b, { kind: 'asset', scope: 'user', rule: { keywords: ['momiji'] } });
    await ingestStix(hub, a.key, bundle([indicator("[domain-name:value = 'momiji-anon.example']")]), 'tlp=green&anonymous=true');
    const [anon] = await alertsOf(b, sub);
    expect(anon!.alert.contributor).toEqual({ name: null, sector: 'finance', anonymous: true });
    await ingestStix(hub, a.key, bundle([indicator("[domain-name:value = 'momiji-red.example']")]), `tlp=red&users=${b.userId}`);
    expect((await alertsOf(b, sub)).map((x) => x.alert.matches[0]!.value)).toEqual(['momiji-anon.example']);
    // The person named in the RED contribution hears of it through their own subscription.
    expect((await alertsOf(b, me)).map((x) => x.alert.matches[0]!.value).sort()).toEqual(['momiji-anon.example', 'momiji-red.example']);
    expect(sectorIdentity('finance').name).toBe('A financial institution');
  });

  it('a homoglyph look-alike is caught and shown as people read it', async () => {
    const sub = await subscribe(b, { kind: 'asset', rule: { keywords: ['sakura'] } });
    // Cyrillic ѕ (U+0455) and а (U+0430): in the store as Punycode.
    const host = domainToASCII('ѕаkurа-login.example');
    await ingestStix(hub, a.key, bundle([indicator(`[domain-name:value = '${host}']`)]));
    const [got] = await alertsOf(b, sub);
    expect(got!.alert.matches[0]).toMatchObject({ value: host, display: 'ѕаkurа-login.example', reason: 'brand "sakura"' });
  });

  it('a cluster crossing a priority reaches those who may see one of its objects', async () => {
    const sub = await subscribe(b, { kind: 'cluster_priority', rule: { min_priority: 70 } });
    const subT = await subscribe(telco, { kind: 'cluster_priority', rule: { min_priority: 70 } });
    const ind = indicator("[domain-name:value = 'cluster-member.example']");
    const indId = String(ind.id);
    await ingestStix(hub, a.key, bundle([ind]), `tlp=amber&orgs=${b.org.id}`);
    expect(await hub.app.feedback.alerts.clusterPriorityChanged({ clusterId: 'c-1', name: 'Banking trojan', priority: 60, previous: 10, objectIds: [indId] })).toEqual([]);
    const ids = await hub.app.feedback.alerts.clusterPriorityChanged({ clusterId: 'c-1', name: 'Banking trojan', priority: 82, previous: 60, objectIds: [indId] });
    expect(ids).toHaveLength(1);
    expect((await alertsOf(b, sub))[0]!.title).toBe('Cluster Banking trojan reached priority 82');
    expect(await alertsOf(telco, subT)).toEqual([]);
    // Staying above the threshold is not crossing it again.
    expect(await hub.app.feedback.alerts.clusterPriorityChanged({ clusterId: 'c-1', name: 'Banking trojan', priority: 90, previous: 82, objectIds: [indId] })).toEqual([]);
  });

  it('subscriptions refuse hostile rules and URLs, and are private to their organisation', async () => {
    const bad = async (payload: Record<string, unknown>) => (await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(b.key), payload: { name: 'x', ...payload } })).json().error;
    expect((await bad({ kind: 'asset', rule: { keywords: Array.from({ length: 1001 }, (_, i) => `kw${i}xx`) } })).message).toContain('rule.keywords: at most 1000');
    expect((await bad({ kind: 'asset', rule: { cidrs: ["' or 1=1 --"] } })).message).toContain('rule.cidrs[0]');
    expect((await bad({ kind: 'asset', rule: { keywords: ['sakura'] }, webhook_url: 'http://user:pw@hook.example/' })).message).toContain('credentials');
    expect((await bad({ kind: 'asset', rule: { keywords: ['sakura'] }, webhook_url: 'file:///etc/passwd' })).message).toContain('http or https');
    expect((await bad({ kind: 'indicator', rule: { types: ['nonsense'] } })).message).toContain('unknown type');
    expect((await bad({ kind: 'nonsense' })).code).toBe('validation_failed');
    const mine = await subscribe(b, { kind: 'advisory' });
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/subscriptions/${mine}`, headers: as(a.key) })).statusCode).toBe(404);
    expect((await hub.server.inject({ method: 'DELETE', url: `/api/v1/subscriptions/${mine}`, headers: as(a.key) })).statusCode).toBe(404);
    expect((await hub.server.inject({ method: 'DELETE', url: `/api/v1/subscriptions/${mine}`, headers: as(b.key) })).statusCode).toBe(204);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/subscriptions/${mine}`, headers: as(b.key) })).statusCode).toBe(404);
  });
});
