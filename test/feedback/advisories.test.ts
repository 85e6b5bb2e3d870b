import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { ingestStix, startFeedbackHub } from './support.ts';
import { HUB_IDENTITY } from '../../src/stix/extensions.ts';

const now = new Date().toISOString();
function indicator(value: string): Record<string, unknown> {
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, name: value, pattern: `[domain-name:value = '${value}']`, pattern_type: 'stix', valid_from: now };
}
const bundle = (o: Record<string, unknown>) => JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [o] });

const BODY_JA = '## 概要\n\n**さくら銀行**を装うフィッシングサイトに注意してください。<script>alert(1)</script> [詳細](javascript:alert(1)) [JC3](https://www.jc3.or.jp/)';
const BODY_EN = '## Summary\n\nBeware of phishing sites imitating **Sakura Bank**. <img src=x onerror=alert(1)>';

describeStorage('feed back: public advisories', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  const clear = indicator('clear-advisory.example');
  const amber = indicator('amber-advisory.example');
  let id: string;

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    a = await makeMember(hub);
    b = await makeMember(hub);
    await ingestStix(hub, a.key, bundle(clear), 'tlp=clear');
    await ingestStix(hub, a.key, bundle(amber), `tlp=amber&orgs=${b.org.id}`);
    await hub.app.feedback.subscriptions.create(await hub.app.auth.authenticate(b.key), { name: 'advisories', kind: 'advisory' });
  });
  afterAll(async () => hub?.close());

  it('only hub analysts write advisories; publishing refuses linked content above TLP:CLEAR', async () => {
    const payload = { title_ja: 'さくら銀行を装うフィッシングに関する注意喚起', title_en: 'Phishing imitating Sakura Bank', body_ja: BODY_JA, body_en: BODY_EN, object_ids: [clear.id, amber.id] };
    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/advisories', headers: as(a.key), payload })).statusCode).toBe(403);
    const made = await hub.server.inject({ method: 'POST', url: '/api/v1/advisories', headers: as(hub.adminKey), payload });
    expect(made.statusCode, made.body).toBe(201);
    id = made.json().id;
    // The text says nothing secret; the link to an AMBER contribution is what blocks it.
    const refused = await hub.server.inject({ method: 'POST', url: `/api/v1/advisories/${id}/publish`, headers: as(hub.adminKey) });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details.objects).toEqual([amber.id]);
    expect((await hub.server.inject({ method: 'GET', url: `/advisories/${id}` })).statusCode).toBe(404);

    await hub.server.inject({ method: 'PATCH', url: `/api/v1/advisories/${id}`, headers: as(hub.adminKey), payload: { object_ids: [clear.id] } });
    const published = await hub.server.inject({ method: 'POST', url: `/api/v1/advisories/${id}/publish`, headers: as(hub.adminKey) });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json()).toMatchObject({ status: 'published', report_id: expect.stringMatching(/^report--/) });
  });

  it('each advisory is a TLP:CLEAR STIX report (with its Japanese text as language content), and subscribers hear of it', async () => {
    const adv = (await hub.server.inject({ method: 'GET', url: `/api/v1/advisories/${id}` })).json();
    const report = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${adv.report_id}` });
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({ tlp: 'clear', object: { type: 'report', name: 'Phishing imitating Sakura Bank', object_refs: [clear.id], x_kessetsu_advisory_id: id } });
    const lc = await hub.app.storage.db.selectFrom('contributions').select('data').where('object_id', 'like', 'language-content--%').executeTakeFirstOrThrow();
    expect(lc.data).toMatchObject({ object_ref: adv.report_id, contents: { ja: { name: 'さくら銀行を装うフィッシングに関する注意喚起' } } });
    const inbox = (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(b.key) })).json();
    expect(inbox.items[0]).toMatchObject({ kind: 'advisory', title: 'Advisory published: Phishing imitating Sakura Bank' });
    expect(inbox.items[0].alert.details.url).toBe(`/advisories/${id}`);
  });

  it('public pages: no key, no JavaScript, escaped, Japanese by default and for browsers that prefer it', async () => {
    const ja = await hub.server.inject({ method: 'GET', url: `/advisories/${id}`, headers: { 'accept-language': 'ja,en-US;q=0.8' } });
    expect(ja.statusCode).toBe(200);
    expect(ja.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ja.headers['content-security-policy']).toContain("default-src 'none'");
    expect(ja.body).toContain('<html lang="ja">');
    expect(ja.body).toContain('<strong>さくら銀行</strong>');
    expect(ja.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(ja.body).not.toMatch(/<script|javascript:/i);
    expect(ja.body).toContain('<a href="https://www.jc3.or.jp/" rel="nofollow noopener noreferrer">JC3</a>');
    expect(ja.body).toContain('clear-advisory.example');
    const en = await hub.server.inject({ method: 'GET', url: `/advisories/${id}`, headers: { 'accept-language': 'en-GB,en;q=0.9,ja;q=0.5' } });
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Phishing imitating Sakura Bank');
    expect(en.body).not.toMatch(/<img/i);
    expect(en.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect((await hub.server.inject({ method: 'GET', url: `/advisories/${id}?lang=en`, headers: { 'accept-language': 'ja' } })).body).toContain('<html lang="en">');
    expect((await hub.server.inject({ method: 'GET', url: `/advisories/${id}` })).body).toContain('<html lang="ja">');
    const list = await hub.server.inject({ method: 'GET', url: '/advisories?lang=ja' });
    expect(list.body).toContain(`href="/advisories/${id}?lang=ja"`);
    expect(list.body).toContain('さくら銀行を装うフィッシングに関する注意喚起');
    expect((await hub.server.inject({ method: 'GET', url: '/advisories/not-an-id' })).statusCode).toBe(404);
  });

  it('Atom and JSON feeds list published advisories in both languages', async () => {
    const atom = await hub.server.inject({ method: 'GET', url: '/advisories.atom', headers: { host: 'hub.example' } });
    expect(atom.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = new XMLParser({ ignoreAttributes: false }).parse(atom.body).feed;
    const entries = Array.isArray(feed.entry) ? feed.entry : [feed.entry];
    expect(entries.map((e: { title: string }) => e.title).sort()).toEqual(['Phishing imitating Sakura Bank', 'さくら銀行を装うフィッシングに関する注意喚起'].sort());
    expect(entries[0].link['@_href']).toMatch(new RegExp(`^http://hub\\.example/advisories/${id}\\?lang=(ja|en)$`));
    expect(entries.find((e: { '@_xml:lang': string }) => e['@_xml:lang'] === 'ja').content['#text']).toContain('&lt;script&gt;');
    const json = (await hub.server.inject({ method: 'GET', url: '/advisories.json' })).json();
    expect(json.items).toHaveLength(1);
    expect(json.items[0]).toMatchObject({ id, title: { ja: 'さくら銀行を装うフィッシングに関する注意喚起', en: 'Phishing imitating Sakura Bank' } });
  });

  it('a member’s look-alike report does not publish anything; a withdrawn advisory leaves the public pages', async () => {
    const draft = (await hub.server.inject({ method: 'POST', url: '/api/v1/advisories', headers: as(hub.adminKey), payload: { title_en: 'Draft' } })).json();
    const fake = { type: 'report', spec_version: '2.1', id: `report--${crypto.randomUUID()}`, created: now, modified: now, name: 'x', published: now, object_refs: [clear.id], x_kessetsu_advisory_id: draft.id };
    await ingestStix(hub, a.key, bundle(fake), 'tlp=clear');
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/advisories/${draft.id}`, headers: as(hub.adminKey) })).json().status).toBe('draft');
    expect((await hub.server.inject({ method: 'GET', url: `/advisories/${draft.id}` })).statusCode).toBe(404);
    await hub.server.inject({ method: 'POST', url: `/api/v1/advisories/${id}/withdraw`, headers: as(hub.adminKey) });
    expect((await hub.server.inject({ method: 'GET', url: `/advisories/${id}` })).statusCode).toBe(404);
    expect((await hub.server.inject({ method: 'GET', url: '/advisories.json' })).json().items).toEqual([]);
  });

  it('an analyst of another hub organisation publishes as the hub, through the audited as-hub step (never a 200 with a draft)', async () => {
    // A second hub-kind organisation (a regional office of the centre): its analyst is not of the first hub organisation.
    const office = await makeMember(hub, { name: 'Fusion Centre, Osaka office', kind: 'hub', role: 'hub_analyst' });
    expect(office.org.id).not.toBe(hub.hubOrgId);
    const draft = await hub.server.inject({ method: 'POST', url: '/api/v1/advisories', headers: as(office.key), payload: { title_en: 'Kit host seen again', body_en: 'Block it.', object_ids: [clear.id] } });
    expect(draft.statusCode, draft.body).toBe(201);
    const published = await hub.server.inject({ method: 'POST', url: `/api/v1/advisories/${draft.json().id}/publish`, headers: as(office.key) });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json()).toMatchObject({ status: 'published', report_id: expect.stringMatching(/^report--/) });
    expect((await hub.server.inject({ method: 'GET', url: `/advisories/${draft.json().id}` })).statusCode).toBe(200);
    const report = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${published.json().report_id}` });
    expect(report.json()).toMatchObject({ tlp: 'clear', object: { created_by_ref: HUB_IDENTITY.id, x_kessetsu_advisory_id: draft.json().id } });
    const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'actor_org_id']).where('action', '=', 'ingest.hub_override').where('actor_user_id', '=', office.userId).execute();
    expect(audit).toEqual([{ action: 'ingest.hub_override', actor_org_id: office.org.id }]);
  });
});
