import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';
import { FAST_DISPATCH, smtpSink, waitFor, type SmtpSink } from '../feedback/support.ts';
import { importTestGeo, loopFetcher, loopSite, mapResolver, type LoopSite } from './support.ts';

// Issue 15, "done when": over HTTP, a public report with a receipt, triage, a deletion request
// delivered to a loopback SMTP server, the loopback site removing the page, the removal detected
// and the deletion rate updated; a foreign-hosted report forwarded; a phishing report visible as an
// indicator to members.

const HOSTS = { 'bad-site.example.jp': '192.0.2.10', 'phish.example.net': '192.0.2.11', 'foreign.example.com': '198.51.100.20' };

describeStorage('hotline: public report to removal', (backend) => {
  let hub: TestHub;
  let smtp: SmtpSink;
  let site: LoopSite;
  let base: string;
  let operator: TestMember;
  let police: TestMember;
  let volunteer: TestMember;
  let bank: TestMember;
  let receipt: string;
  const ids: Record<string, string> = {};

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of free-form JSON
  const api = async (key: string | null, method: 'GET' | 'POST', path: string, body?: unknown, expected = method === 'POST' ? [200, 201] : [200]): Promise<Record<string, any>> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!expected.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : {};
  };
  const form = (fields: Record<string, string>, lang = 'ja') => fetch(`${base}/hotline?lang=${lang}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const entryOf = async (url: string) => (await hub.app.storage.db.selectFrom('hotline_entries').selectAll().where('url', '=', url).executeTakeFirstOrThrow());

  beforeAll(async () => {
    smtp = await smtpSink();
    site = await loopSite();
    hub = await startHub(backend, {}, {
      feedback: { dispatch: FAST_DISPATCH, mail: { smtpUrl: smtp.url, from: 'hotline@kessetsu.example' } },
      hotline: { fetcher: loopFetcher(site), resolver: mapResolver(HOSTS), checkIntervalMs: 0, fetchTimeoutMs: 2_000, reportsPerHour: 50 },
    });
    await hub.server.listen({ host: '127.0.0.1', port: 0 });
    const addr = hub.server.server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
    await importTestGeo(hub);
    operator = await makeMember(hub, { name: 'Internet Hotline Center', kind: 'government', role: 'hotline_operator' });
    police = await makeMember(hub, { name: 'Tokyo Metropolitan Police', kind: 'law_enforcement', role: 'investigator' });
    volunteer = await makeMember(hub, { name: 'Cyber Patrol Volunteers Kanagawa', kind: 'academia', role: 'volunteer', nda: false });
    bank = await makeMember(hub, { name: 'Sakura Bank' });
    await hub.app.neutralise.contacts.add(null, { kind: 'site', key: 'bad-site.example.jp', name: 'Bad Site administrator', email: 'admin@bad-site.example.jp', lang: 'ja' });
    await hub.app.neutralise.contacts.add(null, { kind: 'partner_hotline', key: 'US', name: 'US partner hotline', email: 'reports@partner-hotline.us.example', country: 'US', lang: 'en' });
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    await smtp?.close();
    await site?.close();
  });

  it('the public reports through the plain form (no JavaScript) and gets a receipt; output is escaped', async () => {
    const page = await fetch(`${base}/hotline?lang=en`);
    expect(page.status).toBe(200);
    const formHtml = await page.text();
    expect(formHtml).toContain('<form method="post" action="/hotline?lang=en"');
    expect(formHtml).toContain('name="website"'); // the honeypot
    expect(formHtml).toContain('Never send the images, videos or files themselves');
    expect(await (await fetch(`${base}/hotline`)).text()).toContain('違法・有害情報');

    const res = await form({ urls: 'HTTP://BAD-SITE.example.jp:80/page?utm_source=mail#top', category: 'obscenity', description: 'Top banner <script>alert(1)</script>', contact: '"><img src=x onerror=alert(1)>' });
    const html = await res.text();
    expect(res.status).toBe(201);
    receipt = /id="receipt">(H-[0-9A-F-]{14})</.exec(html)![1]!;
    expect(html).toContain('http://bad-site.example.jp/page');
    expect(html).not.toContain('<script>alert');
    const status = await fetch(`${base}/hotline/status?receipt=${receipt}&lang=en`);
    expect(status.status).toBe(200);
    expect(await status.text()).toContain('Received');
    // Stored: the URL and metadata, not a copy of any content.
    const e = await entryOf('http://bad-site.example.jp/page');
    expect(e).toMatchObject({ site: 'bad-site.example.jp', report_count: 1, host_ip: '192.0.2.10', country: 'JP', status: 'new' });

    // The same page in another spelling counts on the same entry.
    const again = await api(null, 'POST', '/api/v1/hotline/reports', { urls: ['bad-site.example.jp/page'], category: 'obscenity', lang: 'en' });
    expect(again.urls).toEqual([{ url: 'http://bad-site.example.jp/page', reports: 2 }]);
    expect((await api(null, 'GET', `/api/v1/hotline/reports/${receipt}`)).urls[0]).toMatchObject({ status: 'received' });
  });

  it('volunteers report with their key; foreign and phishing reports arrive', async () => {
    const v = await api(volunteer.key, 'POST', '/api/v1/hotline/reports', { urls: 'http://phish.example.net/login\nhttp://phish.example.net/login?utm_medium=sms', category: 'fraud_phishing', description: 'Fake Sakura Bank login page' });
    expect(v.urls).toEqual([{ url: 'http://phish.example.net/login', reports: 1 }]);
    await api(null, 'POST', '/api/v1/hotline/reports', { urls: 'https://foreign.example.com/gallery/1', category: 'csam', description: 'found on a forum link' });
    expect((await entryOf('https://foreign.example.com/gallery/1')).country).toBe('US');
  });

  it('triage groups by site, most urgent first, and shows earlier decisions on the site', async () => {
    await api(bank.key, 'GET', '/api/v1/hotline/triage', undefined, [403]);
    const q = await api(operator.key, 'GET', '/api/v1/hotline/triage');
    expect(q.sites.map((s: { site: string }) => s.site)).toEqual(['foreign.example.com', 'phish.example.net', 'bad-site.example.jp']);
    const bad = q.sites.find((s: { site: string }) => s.site === 'bad-site.example.jp');
    expect(bad.entries).toHaveLength(1);
    expect(bad.entries[0]).toMatchObject({ report_count: 2, category: 'obscenity', country: 'JP' });
    expect(bad.entries[0].reports.map((r: { source: string }) => r.source).sort()).toEqual(['public', 'public']);
    for (const s of q.sites) ids[s.site] = s.entries[0].id;

    // Illegal needs its legal basis.
    await api(operator.key, 'POST', `/api/v1/hotline/entries/${ids['bad-site.example.jp']}/classify`, { classification: 'illegal' }, [400]);
    const c = await api(operator.key, 'POST', `/api/v1/hotline/entries/${ids['bad-site.example.jp']}/classify`, { classification: 'illegal', legal_basis: '刑法 第175条 わいせつ物頒布等 (Penal Code art. 175)' });
    expect(c).toMatchObject({ status: 'classified', classification: 'illegal' });

    // A new report on the same site: triage shows the earlier decision beside it.
    await api(null, 'POST', '/api/v1/hotline/reports', { urls: 'http://www.bad-site.example.jp/other', category: 'obscenity' });
    const q2 = await api(operator.key, 'GET', '/api/v1/hotline/triage');
    const bad2 = q2.sites.find((s: { site: string }) => s.site === 'bad-site.example.jp');
    expect(bad2.entries.map((e: { url: string }) => e.url)).toEqual(['http://www.bad-site.example.jp/other']);
    expect(bad2.earlier_decisions).toEqual([expect.objectContaining({ url: 'http://bad-site.example.jp/page', classification: 'illegal', legal_basis: expect.stringContaining('175') })]);
  });

  it('a deletion request reaches the site administrator over SMTP; the page is removed, detected, and the deletion rate updated', async () => {
    const id = ids['bad-site.example.jp']!;
    const act = await api(operator.key, 'POST', `/api/v1/hotline/entries/${id}/actions`, { kind: 'deletion_request' });
    expect(act.action).toMatchObject({ kind: 'deletion_request', status: 'sent', recipient: { email: 'admin@bad-site.example.jp', via: 'site:bad-site.example.jp' }, lang: 'ja' });
    const mail = await waitFor(() => smtp.messages.find((m) => JSON.stringify(m.to).includes('admin@bad-site.example.jp')), 20_000, 'the deletion request');
    expect(mail.subject).toContain('削除');
    expect(mail.text).toContain('175');
    expect(mail.text).toContain('hxxp://bad-site[.]example[.]jp/page');

    // Still there: the check records it present.
    expect(await api(operator.key, 'POST', '/api/v1/hotline/check')).toEqual({ checked: 1, removed: 0, reappeared: 0, errors: 0 });
    expect(site.requests).toContain('/bad-site.example.jp/page');
    let stats = await api(operator.key, 'GET', '/api/v1/hotline/stats');
    expect(stats.removal.by_category).toEqual([expect.objectContaining({ key: 'obscenity', requested: 1, removed: 0, deletion_rate: 0 })]);

    site.removed.add('/bad-site.example.jp/page');
    expect(await api(operator.key, 'POST', '/api/v1/hotline/check')).toEqual({ checked: 1, removed: 1, reappeared: 0, errors: 0 });
    const e = await api(operator.key, 'GET', `/api/v1/hotline/entries/${id}`);
    expect(e.status).toBe('removed');
    expect(e.removed_at).not.toBeNull();
    expect(e.checks[0]).toMatchObject({ result: 'removed: HTTP 404', http_status: 404 });
    expect(e.actions[0]).toMatchObject({ kind: 'deletion_request', status: 'done' });
    stats = await api(operator.key, 'GET', '/api/v1/hotline/stats');
    expect(stats.removal.by_category).toEqual([expect.objectContaining({ key: 'obscenity', requested: 1, removed: 1, deletion_rate: 1 })]);
    expect(stats.removal.by_recipient).toEqual([expect.objectContaining({ key: 'Bad Site administrator', deletion_rate: 1 })]);
    expect(stats.removal.by_country).toEqual([expect.objectContaining({ key: 'JP', deletion_rate: 1 })]);
    expect(stats.removal.by_category[0].median_hours_to_removal).toBeGreaterThanOrEqual(0);
    // The reporter sees it on the receipt.
    expect(await (await fetch(`${base}/hotline/status?receipt=${receipt}&lang=en`)).text()).toContain('Removal confirmed');
    // Removed pages are still watched: one that comes back reopens the request as reappeared.
    expect(await api(operator.key, 'POST', '/api/v1/hotline/check')).toEqual({ checked: 1, removed: 0, reappeared: 0, errors: 0 });
    site.removed.delete('/bad-site.example.jp/page');
    expect(await api(operator.key, 'POST', '/api/v1/hotline/check')).toEqual({ checked: 1, removed: 0, reappeared: 1, errors: 0 });
    const back = await api(operator.key, 'GET', `/api/v1/hotline/entries/${id}`);
    expect(back).toMatchObject({ status: 'actioned', removed_at: null });
    expect(back.actions[0]).toMatchObject({ status: 'reappeared' });
    site.removed.add('/bad-site.example.jp/page');
    expect(await api(operator.key, 'POST', '/api/v1/hotline/check')).toEqual({ checked: 1, removed: 1, reappeared: 0, errors: 0 });
    expect((await api(operator.key, 'GET', `/api/v1/hotline/entries/${id}`)).actions[0]).toMatchObject({ status: 'done' });
  });

  it('a foreign-hosted report goes to the partner hotline and the police; a forward of a Japanese site is refused', async () => {
    const id = ids['foreign.example.com']!;
    await api(operator.key, 'POST', `/api/v1/hotline/entries/${id}/actions`, { kind: 'forward' }, [409]); // not classified yet
    await api(operator.key, 'POST', `/api/v1/hotline/entries/${id}/classify`, { classification: 'illegal', legal_basis: '児童買春・児童ポルノ禁止法 第7条' });
    const fwd = await api(operator.key, 'POST', `/api/v1/hotline/entries/${id}/actions`, { kind: 'forward' });
    expect(fwd.action).toMatchObject({ kind: 'hotline_forward', recipient: { email: 'reports@partner-hotline.us.example', country: 'US' }, lang: 'en' });
    const mail = await waitFor(() => smtp.messages.find((m) => JSON.stringify(m.to).includes('reports@partner-hotline.us.example')), 20_000, 'the forward');
    expect(mail.subject).toContain('Report forwarded from the Japanese hotline');
    const pol = await api(operator.key, 'POST', `/api/v1/hotline/entries/${id}/actions`, { kind: 'police', le_org_id: police.org.id });
    expect(pol.case_number).toMatch(/^K\d{4}-\d{4}$/);
    const c = await api(police.key, 'GET', `/api/v1/cases/${pol.case_id}`);
    expect(c.summary.en).toContain('https://foreign.example.com/gallery/1');
    await api(bank.key, 'GET', `/api/v1/cases/${pol.case_id}`, undefined, [404]);
    await api(operator.key, 'POST', `/api/v1/hotline/entries/${ids['bad-site.example.jp']}/actions`, { kind: 'forward' }, [409]);
  });

  it('a phishing report becomes a TLP:GREEN indicator members see, contributed by the hotline', async () => {
    const c = await api(operator.key, 'POST', `/api/v1/hotline/entries/${ids['phish.example.net']}/classify`, { classification: 'illegal', legal_basis: '刑法 第246条 詐欺' });
    expect(c.indicator_id).toMatch(/^indicator--/);
    const seen = await api(bank.key, 'GET', `/api/v1/objects/${c.indicator_id}`);
    expect(JSON.stringify(seen)).toContain("[url:value = 'http://phish.example.net/login']");
    expect(JSON.stringify(seen)).toContain('Internet Hotline Center');
    expect(JSON.stringify(seen).toLowerCase()).toContain('green');
    await api(null, 'GET', `/api/v1/objects/${c.indicator_id}`, undefined, [401, 404]);
    const stats = await api(operator.key, 'GET', '/api/v1/hotline/stats');
    expect(stats.reports.by_source).toMatchObject({ public: 4, volunteer: 1 });
    expect(stats.reports.by_volunteer_group).toEqual({ 'Cyber Patrol Volunteers Kanagawa': 1 });
    // The statistics area's platform series (issue 16).
    const series = await api(operator.key, 'GET', '/api/v1/stats/series/platform.hotline_deletion_rate');
    expect(series.values).toEqual(expect.arrayContaining([expect.objectContaining({ category: 'obscenity', value: 100 }), expect.objectContaining({ category: 'csam', value: 0 })]));
    const reports = await api(operator.key, 'GET', '/api/v1/stats/series/platform.hotline_reports');
    expect(reports.values).toEqual(expect.arrayContaining([expect.objectContaining({ category: 'obscenity', value: 3 })]));
    await api(null, 'GET', '/api/v1/stats/series/platform.hotline_reports', undefined, [404]);
  });

  it('a site that hangs: the check gives up after the fetch timeout, records the error and tries again next run', async () => {
    site.hang = true;
    try {
      expect(await api(operator.key, 'POST', '/api/v1/hotline/check')).toEqual({ checked: 2, removed: 0, reappeared: 0, errors: 1 });
    } finally {
      site.hang = false;
    }
    const e = await api(operator.key, 'GET', `/api/v1/hotline/entries/${ids['foreign.example.com']}`);
    expect(e).toMatchObject({ status: 'actioned', removed_at: null, last_check: 'error (timed out after 2000 ms)' });
    expect((await api(operator.key, 'GET', `/api/v1/hotline/entries/${ids['bad-site.example.jp']}`)).status).toBe('removed');
  });
});
