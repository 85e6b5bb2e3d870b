import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, declareAssets, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';
import { ingestStix, openStream, phishingBundle, startFeedbackHub, waitFor } from '../feedback/support.ts';

describeStorage('issue 10.9: lookup, correlations, alerts and contribution histories that show AMBER+STRICT or RED are audited', (backend) => {
  let hub: TestHub;
  let base: string;
  let sharer: TestMember;
  let reader: TestMember;
  const strictUrl = 'http://sakura-audit-strict.example/login';
  const greenUrl = 'http://sakura-audit-green.example/login';

  async function reads(via: string, actor: TestMember): Promise<string[]> {
    const rows = await hub.app.storage.db.selectFrom('audit_log').select(['target_id', 'details']).where('action', '=', 'object.read').where('via', '=', via).where('actor_user_id', '=', actor.userId).execute();
    return rows.map((r) => r.target_id!);
  }

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    base = await hub.server.listen({ host: '127.0.0.1', port: 0 });
    sharer = await makeMember(hub);
    reader = await makeMember(hub);
    await declareAssets(hub, reader, { keywords: ['sakura'] });
    const sub = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(reader.key), payload: { name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] } } });
    expect(sub.statusCode).toBe(201);
    expect(sub.json().enabled).toBe(true);
  });
  afterAll(async () => hub?.close());

  it('audits each read path with who, what and the path; a GREEN share is not audited', async () => {
    const stream = openStream(base, reader.key);
    expect(await stream.status).toBe(200);
    await waitFor(() => hub.app.feedback.stream.clients === 1, 5_000, 'the stream');
    await ingestStix(hub, sharer.key, phishingBundle(strictUrl), `tlp=${encodeURIComponent('amber+strict')}&orgs=${reader.org.id}`);
    await ingestStix(hub, sharer.key, phishingBundle(greenUrl), 'tlp=green');
    await hub.app.indexReady;

    // Lookup.
    const look = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(reader.key), payload: { values: [strictUrl, greenUrl] } });
    expect(look.statusCode).toBe(200);
    const items = look.json().items as { value: string; objects: { id: string; tlp: string }[] }[];
    const strictIds = items.find((i) => i.value === strictUrl)!.objects.map((o) => o.id);
    const greenIds = items.find((i) => i.value === greenUrl)!.objects.map((o) => o.id);
    expect(strictIds.length).toBeGreaterThan(0);
    const looked = await reads('api.lookup', reader);
    expect(looked).toEqual(expect.arrayContaining(strictIds));
    expect(looked.some((id) => greenIds.includes(id))).toBe(false);

    // Correlations.
    const corr = await hub.server.inject({ method: 'GET', url: `/api/v1/correlations?value=${encodeURIComponent(strictUrl)}`, headers: as(reader.key) });
    expect(corr.statusCode).toBe(200);
    expect(await reads('api.correlations', reader)).toEqual(expect.arrayContaining(strictIds));
    await hub.server.inject({ method: 'GET', url: `/api/v1/correlations?value=${encodeURIComponent(greenUrl)}`, headers: as(reader.key) });
    expect((await reads('api.correlations', reader)).some((id) => greenIds.includes(id))).toBe(false);

    // The live stream: the alert was audited before it was sent.
    const ev = await waitFor(() => stream.events.find((e) => JSON.parse(e.data).alert.matches[0].value === strictUrl), 5_000, 'the strict alert');
    const alertId = Number(ev.id);
    const streamed = await reads('api.stream', reader);
    expect(streamed.some((id) => strictIds.includes(id))).toBe(true);
    stream.close();

    // Inbox and alert detail.
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(reader.key) })).statusCode).toBe(200);
    expect((await reads('api.inbox', reader)).some((id) => strictIds.includes(id))).toBe(true);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/alerts/${alertId}`, headers: as(reader.key) })).statusCode).toBe(200);
    expect((await reads('api.alerts.get', reader)).some((id) => strictIds.includes(id))).toBe(true);
    expect([...(await reads('api.inbox', reader)), ...(await reads('api.stream', reader))].some((id) => greenIds.includes(id))).toBe(false);

    // What happened to what I shared: the list and one history.
    const list = await hub.server.inject({ method: 'GET', url: '/api/v1/contributions', headers: as(sharer.key) });
    expect(list.statusCode).toBe(200);
    const mine = list.json().items as { id: number; object: { id: string }; tlp: string }[];
    const strict = mine.find((c) => c.tlp === 'amber+strict')!;
    expect(await reads('api.contributions', sharer)).toContain(strict.object.id);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/contributions/${strict.id}/history`, headers: as(sharer.key) })).statusCode).toBe(200);
    expect(await reads('api.contributions.history', sharer)).toContain(strict.object.id);
    const green = mine.find((c) => c.tlp === 'green')!;
    await hub.server.inject({ method: 'GET', url: `/api/v1/contributions/${green.id}/history`, headers: as(sharer.key) });
    expect(await reads('api.contributions.history', sharer)).not.toContain(green.object.id);
  });
});
