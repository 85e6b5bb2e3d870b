import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { approveSubscription, declareAssets, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { ingestStix, openStream, phishingBundle, startFeedbackHub, waitFor } from './support.ts';

describeStorage('feed back: live stream', (backend) => {
  let hub: TestHub;
  let base: string;
  let a: TestMember;
  let b: TestMember;
  let c: TestMember;

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    base = await hub.server.listen({ host: '127.0.0.1', port: 0 });
    a = await makeMember(hub);
    b = await makeMember(hub);
    c = await makeMember(hub);
    // The brand is b's; c watches it too, approved by a hub analyst: the trust policy, not the rule, keeps c out.
    await declareAssets(hub, b, { keywords: ['sakura'] });
    for (const m of [b, c]) {
      const sub = await hub.app.feedback.subscriptions.create(await hub.app.auth.authenticate(m.key), { name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] } });
      if (m === c) await approveSubscription(hub, sub.id);
      else expect(sub.enabled).toBe(true);
    }
  });
  afterAll(async () => hub?.close());

  it('delivers alerts to the organisation they are for, and only within the policy', async () => {
    const sb = openStream(base, b.key);
    const sc = openStream(base, c.key);
    expect(await sb.status).toBe(200);
    await waitFor(() => hub.app.feedback.stream.clients === 2, 5_000, 'both clients');
    await ingestStix(hub, a.key, phishingBundle('http://sakura-live.example/1'), `tlp=amber&orgs=${b.org.id}`);
    const ev = await waitFor(() => sb.events[0], 5_000, 'the event');
    expect(ev.event).toBe('alert');
    expect(JSON.parse(ev.data).alert.matches[0].value).toBe('http://sakura-live.example/1');
    await new Promise((r) => setTimeout(r, 300));
    expect(sc.events).toEqual([]);
    sb.close();
    sc.close();
    await waitFor(() => hub.app.feedback.stream.clients === 0, 5_000, 'the clients to be gone');
  });

  it('a subscriber that disconnects mid-stream loses nothing: it resumes from Last-Event-ID', async () => {
    const first = openStream(base, b.key);
    await first.status;
    await waitFor(() => hub.app.feedback.stream.clients === 1, 5_000, 'the client');
    await ingestStix(hub, a.key, phishingBundle('http://sakura-live.example/2'));
    const seen = await waitFor(() => first.events[0], 5_000, 'the first event');
    first.close();
    await waitFor(() => hub.app.feedback.stream.clients === 0, 5_000, 'the disconnect');
    await ingestStix(hub, a.key, phishingBundle('http://sakura-live.example/3'));
    await ingestStix(hub, a.key, phishingBundle('http://sakura-live.example/4'));
    const again = openStream(base, b.key, seen.id);
    await waitFor(() => again.events.length >= 2, 5_000, 'the missed events');
    expect(again.events.map((e) => JSON.parse(e.data).alert.matches[0].value)).toEqual(['http://sakura-live.example/3', 'http://sakura-live.example/4']);
    expect(Number(again.events[1]!.id)).toBeGreaterThan(Number(again.events[0]!.id));
    // And it carries on live.
    await ingestStix(hub, a.key, phishingBundle('http://sakura-live.example/5'));
    await waitFor(() => again.events.length === 3, 5_000, 'the live event after the replay');
    again.close();
  });

  it('a client that stops reading is dropped without holding up the others', async () => {
    const vb = await hub.app.auth.authenticate(b.key);
    let ended = false;
    const stuck = { write: () => false, buffered: 10 * 1024 * 1024, end: () => void (ended = true) };
    const got: string[] = [];
    const live = { write: (s: string) => (got.push(s), true), buffered: 0, end: () => {} };
    const removeStuck = await hub.app.feedback.stream.connect(vb, stuck, null);
    const removeLive = await hub.app.feedback.stream.connect(vb, live, null);
    await ingestStix(hub, a.key, phishingBundle('http://sakura-live.example/6'));
    await waitFor(() => got.length === 1 && ended, 5_000, 'the live client served and the stuck one dropped');
    removeStuck();
    removeLive();
  });

  it('refuses a stream without a key', async () => {
    const anon = openStream(base, '');
    expect(await anon.status).toBe(401);
    anon.close();
  });
});
