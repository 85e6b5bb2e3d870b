import { afterAll, beforeAll, expect, it } from 'vitest';
import { activeSubscriptions } from '../../src/feedback/subscriptions/subscriptions.repository.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';

describeStorage('issue 10.7: subscriptions to assets are limited to the organisation’s own declared assets unless a hub analyst approves', (backend) => {
  let hub: TestHub;
  let bank: TestMember;
  let rival: TestMember;
  let analyst: TestMember;

  beforeAll(async () => {
    hub = await startHub(backend);
    bank = await makeMember(hub, { name: 'Sakura Bank' });
    rival = await makeMember(hub, { name: 'Rival Bank' });
    analyst = await makeMember(hub, { kind: 'hub', role: 'hub_analyst' });
    const declared = await hub.server.inject({ method: 'PUT', url: `/api/v1/orgs/${bank.org.id}/assets`, headers: as(analyst.key), payload: { cidrs: ['192.0.2.0/24'], domains: ['sakura-bank.example'], asns: [64500], keywords: ['sakura'] } });
    expect(declared.statusCode, declared.body).toBe(200);
  });
  afterAll(async () => hub?.close());

  const subscribe = (m: TestMember, rule: object) => hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(m.key), payload: { name: 'assets', kind: 'asset', rule } });
  const active = async () => new Set((await activeSubscriptions(hub.app.storage.db)).map((s) => s.id));

  it('a member cannot declare its own assets; its subscriptions within them are live at once', async () => {
    expect((await hub.server.inject({ method: 'PUT', url: `/api/v1/orgs/${rival.org.id}/assets`, headers: as(rival.key), payload: { domains: ['sakura-bank.example'] } })).statusCode).toBe(403);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${bank.org.id}/assets`, headers: as(rival.key) })).statusCode).toBe(404);
    const own = await subscribe(bank, { cidrs: ['192.0.2.128/25'], domains: ['login.sakura-bank.example'], asns: [64500], keywords: ['sakura-login'] });
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json().enabled).toBe(true);
    expect(await active()).toContain(own.json().id);
  });

  it('a rival watching the bank’s range, domain and brand gets a disabled subscription until a hub analyst approves', async () => {
    const spy = await subscribe(rival, { cidrs: ['192.0.2.0/24'], domains: ['sakura-bank.example'], keywords: ['sakura'] });
    expect(spy.statusCode, spy.body).toBe(201);
    const id = spy.json().id;
    expect(spy.json().enabled).toBe(false);
    expect(await active()).not.toContain(id);
    const enable = await hub.server.inject({ method: 'PATCH', url: `/api/v1/subscriptions/${id}`, headers: as(rival.key), payload: { enabled: true } });
    expect(enable.statusCode).toBe(409);
    // The bank too, once it reaches beyond its own range.
    const wider = await subscribe(bank, { cidrs: ['192.0.0.0/16'] });
    expect(wider.json().enabled).toBe(false);
    // Widening an approved-free own subscription sends it back to waiting.
    const own = await subscribe(bank, { domains: ['sakura-bank.example'] });
    const widened = await hub.server.inject({ method: 'PATCH', url: `/api/v1/subscriptions/${own.json().id}`, headers: as(bank.key), payload: { rule: { domains: ['sakura-bank.example', 'other-bank.example'] } } });
    expect(widened.statusCode, widened.body).toBe(200);
    expect(widened.json().enabled).toBe(false);
    expect(await active()).not.toContain(own.json().id);

    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/subscriptions/${id}/approve`, headers: as(bank.key) })).statusCode).toBe(403);
    const approved = await hub.server.inject({ method: 'POST', url: `/api/v1/subscriptions/${id}/approve`, headers: as(analyst.key) });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().enabled).toBe(true);
    expect(await active()).toContain(id);
    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/subscriptions/${id}/approve`, headers: as(analyst.key) })).statusCode).toBe(409);
    const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('target_id', '=', id).execute();
    expect(audit).toEqual([{ action: 'subscription.approve', actor_user_id: analyst.userId }]);
  });

  it('the hub lists what waits; re-declaring the assets weighs the organisation’s subscriptions again', async () => {
    const telco = await makeMember(hub, { name: 'Kaze Telco', sector: 'telecom' });
    expect((await hub.server.inject({ method: 'PUT', url: `/api/v1/orgs/${telco.org.id}/assets`, headers: as(analyst.key), payload: { cidrs: ['not-a-range'] } })).statusCode).toBe(400);
    expect((await hub.server.inject({ method: 'PUT', url: `/api/v1/orgs/${telco.org.id}/assets`, headers: as(analyst.key), payload: { cidrs: ['198.51.100.0/24'] } })).statusCode).toBe(200);
    const inRange = (await subscribe(telco, { cidrs: ['198.51.100.0/26'] })).json();
    const beyond = (await subscribe(telco, { cidrs: ['203.0.113.0/24'] })).json();
    expect([inRange.enabled, beyond.enabled]).toEqual([true, false]);

    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/subscription-approvals', headers: as(telco.key) })).statusCode).toBe(403);
    const waiting = await hub.server.inject({ method: 'GET', url: '/api/v1/subscription-approvals', headers: as(analyst.key) });
    expect(waiting.statusCode, waiting.body).toBe(200);
    expect(waiting.json().items.find((i: { subscription_id: string }) => i.subscription_id === beyond.id)).toMatchObject({ org_name: 'Kaze Telco', outside: { cidrs: ['203.0.113.0/24'] } });

    // The hub records the telco's other range: the waiting subscription is live; the first one, no longer within, waits.
    const moved = await hub.server.inject({ method: 'PUT', url: `/api/v1/orgs/${telco.org.id}/assets`, headers: as(analyst.key), payload: { cidrs: ['203.0.113.0/24'] } });
    expect(moved.json()).toEqual({ cidr: ['203.0.113.0/24'], domain: [], asn: [], keyword: [] });
    const now = await active();
    expect(now).toContain(beyond.id);
    expect(now).not.toContain(inRange.id);
    const ids = (await hub.server.inject({ method: 'GET', url: '/api/v1/subscription-approvals', headers: as(analyst.key) })).json().items.map((i: { subscription_id: string }) => i.subscription_id);
    expect(ids).toContain(inRange.id);
    expect(ids).not.toContain(beyond.id);
    const own = await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${telco.org.id}/assets`, headers: as(telco.key) });
    expect(own.json().cidr).toEqual(['203.0.113.0/24']);
    const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'details']).where('target_id', '=', telco.org.id).where('action', '=', 'org.assets_declare').orderBy('seq').execute();
    // The refused declaration wrote nothing.
    expect(audit).toHaveLength(2);
    expect(audit[1]!.details).toMatchObject({ waiting: [inRange.id], released: [beyond.id] });
  });
});
