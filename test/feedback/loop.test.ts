import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { hasTool } from '../support/tools.ts';
import { approveSubscription, as, declareAssets, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { verifyWebhook } from '../../src/feedback/outbox/webhook.signature.ts';
import { phishingBundle, receiver, setMail, smtpSink, startFeedbackHub, waitFor, type Receiver, type SmtpSink } from './support.ts';

// The "done when": bank A shares a phishing URL imitating bank B at AMBER naming B; B's
// brand-keyword subscription fires by webhook and e-mail; the URL is in B's plain blocklist and RPZ
// zone but not in a third bank's; A's "what happened" view shows B's sighting.
const PHISH = 'http://secure-sakura.example/login';

describeStorage('feed back: the whole loop', (backend) => {
  let hub: TestHub;
  let smtp: SmtpSink;
  let hook: Receiver;
  let a: TestMember;
  let b: TestMember;
  let c: TestMember;
  let secret: string;

  beforeAll(async () => {
    smtp = await smtpSink();
    hook = await receiver('ok');
    hub = await startFeedbackHub(backend, { mail: { smtpUrl: smtp.url, from: 'alerts@kessetsu.example' } });
    a = await makeMember(hub, { name: 'Momiji Bank' });
    b = await makeMember(hub, { name: 'Sakura Bank' });
    c = await makeMember(hub, { name: 'Kaede Bank' });
    await setMail(hub, b.userId, 'soc@sakura-bank.example', 'ja');
    await declareAssets(hub, b, { domains: ['sakura-bank.example'], keywords: ['sakura', 'さくら銀行'] });
    const sub = await hub.server.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: as(b.key),
      payload: { name: 'brand', kind: 'asset', rule: { keywords: ['sakura', 'さくら銀行'], exclude_domains: ['sakura-bank.example'] }, webhook_url: hook.url, email: true },
    });
    expect(sub.statusCode, sub.body).toBe(201);
    expect(sub.json().enabled).toBe(true);
    secret = sub.json().webhook_secret;
    expect(secret).toMatch(/^whsec_/);
    // The third bank listens for the same brand (a hub analyst approved it): the trust policy, not the rule, keeps it out.
    const subC = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(c.key), payload: { name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] } } });
    expect(subC.statusCode).toBe(201);
    await approveSubscription(hub, subC.json().id);
  });
  afterAll(async () => {
    await hub?.close();
    await hook?.close();
    await smtp?.close();
  });

  it('A shares the URL at AMBER naming B; B hears by signed webhook and by e-mail in Japanese', async () => {
    const res = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&tlp=amber&orgs=${b.org.id}`, headers: { ...as(a.key), 'content-type': 'application/json' }, payload: phishingBundle(PHISH) });
    expect(res.statusCode, res.body).toBe(200);
    const got = await waitFor(() => hook.received[0], 10_000, 'the webhook');
    expect(verifyWebhook(secret, got.body, got.headers['x-kessetsu-signature'] as string)).toBe(true);
    expect(verifyWebhook('whsec_wrong', got.body, got.headers['x-kessetsu-signature'] as string)).toBe(false);
    expect(verifyWebhook(secret, got.body.replace('sakura', 'sakurb'), got.headers['x-kessetsu-signature'] as string)).toBe(false);
    const payload = JSON.parse(got.body);
    expect(payload.kind).toBe('asset');
    expect(payload.alert.matches.map((m: { value: string }) => m.value)).toContain(PHISH);
    expect(payload.alert.matches[0]).toMatchObject({ reason: 'brand "sakura"', tlp: 'amber' });
    expect(payload.alert.contributor).toMatchObject({ name: 'Momiji Bank', anonymous: false });

    const mail = await waitFor(() => smtp.messages[0], 10_000, 'the e-mail');
    expect(mail.subject).toContain('[TLP:AMBER]');
    expect(mail.subject).toContain('貴組織の資産またはブランドを模倣した情報が共有されました');
    expect(mail.text).toContain('hxxp://secure-sakura[.]example/login');
    expect(mail.text).toContain('ブランド「sakura」の模倣');
    expect((mail.to as { text: string }).text).toBe('soc@sakura-bank.example');

    // Inbox and delivery status.
    const inbox = await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(b.key) });
    expect(inbox.json().unread).toBe(1);
    const alertId = inbox.json().items[0].id;
    const detail = await waitFor(async () => {
      const d = (await hub.server.inject({ method: 'GET', url: `/api/v1/alerts/${alertId}`, headers: as(b.key) })).json();
      return d.deliveries.every((x: { status: string }) => x.status === 'delivered') ? d : null;
    });
    expect(detail.deliveries.map((d: { channel: string }) => d.channel).sort()).toEqual(['email', 'webhook']);
    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/inbox/${alertId}/read`, headers: as(b.key) })).statusCode).toBe(204);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(b.key) })).json().unread).toBe(0);

    // The third bank's identical rule heard nothing: it may not see the contribution.
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(c.key) })).json().items).toEqual([]);
    // Nor may it read B's alert.
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/alerts/${alertId}`, headers: as(c.key) })).statusCode).toBe(404);
  });

  it('the URL is in B’s plain blocklist and RPZ zone (which named-checkzone accepts), not in the third bank’s', async () => {
    const plainB = await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain', headers: as(b.key) });
    expect(plainB.statusCode).toBe(200);
    expect(plainB.body.split('\n')).toContain(PHISH);
    const plainC = await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain', headers: as(c.key) });
    expect(plainC.body).not.toContain('sakura');

    const rpzB = await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=rpz', headers: as(b.key) });
    expect(rpzB.body).toContain('\nsecure-sakura.example CNAME .\n');
    const rpzC = await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=rpz', headers: as(c.key) });
    expect(rpzC.body).not.toContain('sakura');
    if (!hasTool('named-checkzone', 'bind9-utils')) return;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-rpz-'));
    try {
      writeFileSync(path.join(dir, 'b.zone'), rpzB.body);
      writeFileSync(path.join(dir, 'c.zone'), rpzC.body);
      expect(execFileSync('named-checkzone', ['rpz.kessetsu', path.join(dir, 'b.zone')], { encoding: 'utf8' })).toContain('OK');
      expect(execFileSync('named-checkzone', ['rpz.kessetsu', path.join(dir, 'c.zone')], { encoding: 'utf8' })).toContain('OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('B reports a sighting; A’s history of its contribution shows it', async () => {
    const s = await hub.server.inject({ method: 'POST', url: '/api/v1/sightings', headers: as(b.key), payload: { value: PHISH, count: 3, tlp: 'green' } });
    expect(s.statusCode, s.body).toBe(201);
    const list = await hub.server.inject({ method: 'GET', url: '/api/v1/contributions?type=indicator', headers: as(a.key) });
    expect(list.statusCode).toBe(200);
    const mine = list.json().items.find((i: { object: { name: string } }) => i.object.name === 'Phishing site imitating Sakura Bank');
    expect(mine).toBeTruthy();
    const h = await hub.server.inject({ method: 'GET', url: `/api/v1/contributions/${mine.id}/history`, headers: as(a.key) });
    expect(h.statusCode, h.body).toBe(200);
    const history = h.json();
    expect(history.sightings.items).toHaveLength(1);
    expect(history.sightings.items[0]).toMatchObject({ count: 3, sighted_by: { name: 'Sakura Bank' }, tlp: 'green' });
    // B reported the same value (its sighting's observable), counted. B was alerted by A's AMBER share;
    // B's sighting shared the URL at GREEN, so the third bank's brand rule heard of it from B.
    expect(history.reported_by_others).toEqual({ orgs: 1, sectors: ['finance'] });
    expect(history.alerts.organisations_alerted).toBe(2);
    const inboxC = (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(c.key) })).json();
    expect(inboxC.items).toHaveLength(1);
    expect(inboxC.items[0].alert.contributor).toMatchObject({ name: 'Sakura Bank' });
    expect(history).toMatchObject({ cases: [], takedowns: [] });
    // Another bank cannot read A's history.
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/contributions/${mine.id}/history`, headers: as(c.key) })).statusCode).toBe(404);
  });
});
