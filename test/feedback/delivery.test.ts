import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { bootstrap } from '../../src/orgs/bootstrap.ts';
import { describeStorage } from '../support/storage.ts';
import { as, declareAssets, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { FAST_DISPATCH, ingestStix, phishingBundle, receiver, setMail, smtpSink, startFeedbackHub, waitFor, type Receiver, type SmtpSink } from './support.ts';

interface Delivery {
  id: number;
  status: string;
  attempts: number;
  last_error: string | null;
  last_status: number | null;
  channel: string;
}

async function subscribe(hub: TestHub, key: string, body: Record<string, unknown>): Promise<{ id: string; webhook_secret?: string }> {
  const res = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(key), payload: { name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] }, ...body } });
  if (res.statusCode !== 201 || res.json().enabled !== true) throw new Error(res.body);
  return res.json();
}

async function deliveries(hub: TestHub, key: string, subId: string): Promise<Delivery[]> {
  return (await hub.server.inject({ method: 'GET', url: `/api/v1/subscriptions/${subId}/deliveries`, headers: as(key) })).json().items;
}

const settled = (ds: Delivery[]): boolean => ds.length > 0 && ds.every((d) => d.status !== 'pending');

// Two attempts are enough to show retry-then-dead; each attempt at the silent receiver waits out the whole webhook
// timeout (four attempts cost ~4 s per backend: test speed, issue 11.7).
const HOSTILE = { ...FAST_DISPATCH, maxAttempts: 2 };

describeStorage('feed back: hostile receivers', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  const r: Record<string, Receiver> = {};
  const subs: Record<string, string> = {};
  // What the receivers saw, in order: requests arriving, connections closing.
  const events: string[] = [];

  beforeAll(async () => {
    hub = await startFeedbackHub(backend, { dispatch: HOSTILE });
    a = await makeMember(hub);
    b = await makeMember(hub);
    await declareAssets(hub, b, { keywords: ['sakura'] });
    for (const kind of ['ok', 'fail500', 'redirect', 'hang', 'slow'] as const) {
      r[kind] = await receiver(kind, { log: events, name: kind });
      subs[kind] = (await subscribe(hub, b.key, { webhook_url: r[kind]!.url })).id;
    }
  });
  afterAll(async () => {
    await hub?.close();
    for (const x of Object.values(r)) await x.close();
  });

  it('a timing-out, failing, redirecting or silent receiver blocks no other; each outcome is visible', async () => {
    await ingestStix(hub, a.key, phishingBundle('http://sakura-secure.example/a'));
    await waitFor(() => r.ok!.received[0], 5_000, 'the healthy receiver');
    await waitFor(() => events.includes('hang:closed'), 5_000, 'the silent receiver given up');
    // The healthy receiver was served while the silent one's first request was still open (the hub
    // gives up on it by closing its connection): one receiver's silence held up no other's delivery.
    expect(events.indexOf('hang:request')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('ok:request')).toBeLessThan(events.indexOf('hang:closed'));

    for (const kind of Object.keys(subs)) await waitFor(async () => settled(await deliveries(hub, b.key, subs[kind]!)), 20_000, `${kind} to settle`);
    const [okD] = await deliveries(hub, b.key, subs.ok!);
    expect(okD).toMatchObject({ status: 'delivered', attempts: 1, last_status: 204 });
    const [slowD] = await deliveries(hub, b.key, subs.slow!);
    expect(slowD).toMatchObject({ status: 'delivered', attempts: 1 });
    const [failD] = await deliveries(hub, b.key, subs.fail500!);
    expect(failD).toMatchObject({ status: 'dead', attempts: HOSTILE.maxAttempts, last_status: 500, last_error: 'receiver answered HTTP 500' });
    expect(r.fail500!.received).toHaveLength(HOSTILE.maxAttempts);
    const [redirD] = await deliveries(hub, b.key, subs.redirect!);
    expect(redirD).toMatchObject({ status: 'dead', last_status: 302, last_error: 'redirect to http://127.0.0.1:9/elsewhere not followed' });
    const [hangD] = await deliveries(hub, b.key, subs.hang!);
    expect(hangD).toMatchObject({ status: 'dead', last_status: null, last_error: `no answer within ${HOSTILE.webhookTimeoutMs} ms` });
    // The backoff schedule itself is checked without clocks in the dispatcher's unit tests: wall-clock gaps
    // between retries are at the mercy of a loaded CI machine.

    const sub = (await hub.server.inject({ method: 'GET', url: `/api/v1/subscriptions/${subs.fail500}`, headers: as(b.key) })).json();
    expect(sub.deliveries).toEqual({ pending: 0, delivered: 0, dead: 1 });

    // The receiver is fixed: the dead letter is sent again and arrives.
    r.fail500!.behaviour = 'ok';
    const retry = await hub.server.inject({ method: 'POST', url: `/api/v1/deliveries/${failD!.id}/retry`, headers: as(b.key) });
    expect(retry.statusCode).toBe(202);
    await waitFor(async () => (await deliveries(hub, b.key, subs.fail500!))[0]!.status === 'delivered', 5_000, 'the retried delivery');
    // A delivery that is not dead, or not the caller's, cannot be retried.
    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/deliveries/${okD!.id}/retry`, headers: as(b.key) })).statusCode).toBe(409);
    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/deliveries/${okD!.id}/retry`, headers: as(a.key) })).statusCode).toBe(404);
  });

  // 1,200 values, sixty times the 20 an alert lists (was 3,000: test speed, issue 11.7).
  it('one rule matching over a thousand values sends one alert that counts them', async () => {
    const urls = Array.from({ length: 1200 }, (_, i) => `http://sakura-${i}.example/login`);
    const before = r.ok!.received.length;
    await ingestStix(hub, a.key, phishingBundle(urls));
    const got = await waitFor(() => r.ok!.received[before], 10_000, 'the summarising webhook');
    const alert = JSON.parse(got.body).alert;
    expect(alert.total).toBe(1200);
    expect(alert.matches).toHaveLength(20);
    expect(alert.truncated).toBe(true);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.ok!.received.length).toBe(before + 1);
  });
});

describeStorage('feed back: SMTP that refuses, and restarts', (backend) => {
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await smtpSink();
  });
  afterAll(async () => smtp?.close());

  it('a refusing SMTP server costs retries, not the alert: it arrives once the server accepts', async () => {
    const hub = await startFeedbackHub(backend, { mail: { smtpUrl: smtp.url, from: 'alerts@kessetsu.example' } });
    try {
      const a = await makeMember(hub);
      const b = await makeMember(hub);
      await declareAssets(hub, b, { keywords: ['sakura'] });
      await setMail(hub, b.userId, 'soc@b.example', 'en');
      const sub = await subscribe(hub, b.key, { email: true });
      smtp.refuse = true;
      await ingestStix(hub, a.key, phishingBundle('http://sakura-mail.example/x'));
      const failing = await waitFor(async () => (await deliveries(hub, b.key, sub.id)).find((d) => d.attempts >= 2 && d.status === 'pending'), 10_000, 'two refused attempts');
      expect(failing.last_error).toMatch(/^SMTP: .*550/);
      smtp.refuse = false;
      await waitFor(async () => (await deliveries(hub, b.key, sub.id))[0]!.status === 'delivered', 10_000, 'the accepted delivery');
      expect(smtp.messages.filter((m) => (m.to as { text: string }).text === 'soc@b.example')).toHaveLength(1);
      const m = smtp.messages.find((x) => (x.to as { text: string }).text === 'soc@b.example')!;
      expect(m.subject).toMatch(/^\[TLP:GREEN\] \[Kessetsu\] Brand "sakura" imitated: http:\/\/sakura-mail\.example\/x/);
    } finally {
      await hub.close();
    }
  });

  it('nothing is lost on restart: a delivery written while no dispatcher ran, and one held by a node that died, both arrive', async () => {
    const hook = await receiver('ok');
    const storage = await backend.open();
    try {
      const config = loadConfig({ KESSETSU_RATE_LIMIT: '1000000' }, { dataDir: '/nonexistent' });
      // First life: no server, so no dispatcher (like a CLI import); the alerts wait in the outbox.
      const app1 = await createApp(config, { storage, feedback: { dispatch: FAST_DISPATCH } });
      await bootstrap(storage.db, app1.orgs, undefined);
      // Services only, no HTTP server (an inject would start the server and its dispatcher).
      const fake = { app: app1 } as TestHub;
      const a = await makeMember(fake);
      const b = await makeMember(fake);
      await declareAssets(fake, b, { keywords: ['sakura'] });
      const sub = await app1.feedback.subscriptions.create(await app1.auth.authenticate(b.key), { name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] }, webhook_url: hook.url });
      expect(sub.enabled).toBe(true);
      const va = await app1.auth.authenticate(a.key);
      for (const n of [1, 2])
        await app1.ingest.ingest(va, Buffer.from(phishingBundle(`http://sakura-restart.example/${n}`)), { format: 'stix', tlp: 'green', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' });
      const pending = await storage.db.selectFrom('outbox').select(['id', 'status']).where('subscription_id', '=', sub.id).orderBy('id').execute();
      expect(pending.map((p) => p.status)).toEqual(['pending', 'pending']);
      // A node claimed the second and died mid-delivery: its lease has a while to run.
      await storage.db.updateTable('outbox').set({ locked_until: new Date(Date.now() + 1500), attempts: 1 }).where('id', '=', pending[1]!.id).execute();
      await app1.close();
      expect(hook.received).toHaveLength(0);

      // Second life: a server starts its dispatcher.
      const app2 = await createApp(config, { storage, feedback: { dispatch: FAST_DISPATCH } });
      const server2 = await buildServer(app2, { logger: false });
      await server2.ready();
      try {
        await waitFor(() => hook.received.length >= 1, 5_000, 'the waiting delivery');
        await waitFor(() => hook.received.length >= 2, 5_000, 'the delivery whose lease ran out');
        // Outcomes are recorded in batches, a moment after the receiver answered.
        const read = () => storage.db.selectFrom('outbox').select(['status', 'attempts']).where('subscription_id', '=', sub.id).orderBy('id').execute();
        await waitFor(async () => (await read()).every((r) => r.status === 'delivered'), 5_000, 'both recorded');
        expect(await read()).toEqual([
          { status: 'delivered', attempts: 1 },
          { status: 'delivered', attempts: 2 },
        ]);
      } finally {
        await server2.close();
        await app2.close();
      }
    } finally {
      await storage.close();
      await hook.close();
    }
  });
});

describeStorage('feed back: webhooks cannot reach the hub’s own networks', (backend) => {
  it('a webhook aimed at loopback is refused where it would connect, and says so', async () => {
    const hook = await receiver('ok');
    const hub = await startFeedbackHub(backend, { dispatch: { ...FAST_DISPATCH, allowPrivateTargets: false } });
    try {
      const a = await makeMember(hub);
      const b = await makeMember(hub);
      await declareAssets(hub, b, { keywords: ['sakura'] });
      const literal = await subscribe(hub, b.key, { webhook_url: hook.url });
      const named = await subscribe(hub, b.key, { webhook_url: hook.url.replace('127.0.0.1', 'localhost') });
      await ingestStix(hub, a.key, phishingBundle('http://sakura-ssrf.example/x'));
      const refused = (subId: string) => waitFor(async () => (await deliveries(hub, b.key, subId)).find((d) => d.last_error !== null), 5_000, 'a refused attempt');
      expect((await refused(literal.id)).last_error).toBe('webhook target refused: 127.0.0.1 is a loopback address');
      expect((await refused(named.id)).last_error).toMatch(/^webhook target refused: (127\.0\.0\.1|::1) is a loopback address$/);
      expect(hook.received).toHaveLength(0);
    } finally {
      await hub.close();
      await hook.close();
    }
  });
});

describe('webhook signature', () => {
  it('the README snippet verifies what the hub signs, and refuses tampering and old timestamps', async () => {
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    const { signWebhook } = await import('../../src/feedback/outbox/webhook.signature.ts');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Verifying a webhook'));
    expect(section).toContain('X-Kessetsu-Signature');
    const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
    const verify = new Function('require', `${code}\nreturn verifyKessetsuSignature;`)(createRequire(import.meta.url)) as (s: string, b: string, h: string) => boolean;
    const body = JSON.stringify({ type: 'kessetsu.alert', title: 'Brand "さくら" imitated' });
    const header = signWebhook('whsec_test', body);
    expect(verify('whsec_test', body, header)).toBe(true);
    expect(verify('whsec_other', body, header)).toBe(false);
    expect(verify('whsec_test', body.replace('さくら', 'さくら銀行'), header)).toBe(false);
    expect(verify('whsec_test', body, signWebhook('whsec_test', body, Math.floor(Date.now() / 1000) - 3600))).toBe(false);
  });
});
