import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeObservable } from '../../src/observables/observable.factory.ts';
import { withDamage } from '../../src/stix/extensions.ts';
import { dayInStatsZone } from '../../src/stats/period.ts';
import { findChromium } from '../../src/stats/reports/report.pdf.ts';
import { ReportsManager } from '../../src/stats/reports/reports.manager.ts';
import { ReportsService } from '../../src/stats/reports/reports.service.ts';
import { hubViewer } from '../../src/stats/stats.module.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';
import { addAction, addHotlineEntry } from './actions.factory.ts';

// Periodic reports: headline figures counted here independently, HTML in both languages, a PDF printed
// by Chromium that pdftotext reads back with those figures, and the schedule generating each report once.

const NOW = new Date('2026-11-05T03:00:00Z');
// October 2026 (JST): CLEAR from the bank 5 + 4, AMBER from the bank 3 (not for the telco); October 2025: CLEAR 3.
const SHARES = [
  { org: 'bank', tlp: 'clear', at: '2026-10-03T01:00:00Z', n: 5 },
  { org: 'telco', tlp: 'clear', at: '2026-10-28T01:00:00Z', n: 4 },
  { org: 'bank', tlp: 'amber', at: '2026-10-12T01:00:00Z', n: 3 },
  { org: 'telco', tlp: 'clear', at: '2025-10-09T01:00:00Z', n: 3 },
] as const;
// Takedowns addressed to the bank (the telco sees none): October 2026 done in 10 h and 30 h, one refused
// (rate 66.7%, median 20 h); March 2026 done in 2 h; October 2025 one done in 5 h, one still open.
// The year 2026: 3 of 4 done (75%, not the 83.3% mean of the monthly rates), median 10 h; 2025: 50%, 5 h.
const TAKEDOWNS = [
  { at: '2026-10-02T00:00:00Z', status: 'done', doneHours: 10 },
  { at: '2026-10-05T00:00:00Z', status: 'done', doneHours: 30 },
  { at: '2026-10-08T00:00:00Z', status: 'refused' },
  { at: '2026-03-10T00:00:00Z', status: 'done', doneHours: 2 },
  { at: '2025-10-06T00:00:00Z', status: 'done', doneHours: 5 },
  { at: '2025-10-07T00:00:00Z', status: 'sent' },
] as const;

function chromiumOrSkip(): string | undefined {
  const c = findChromium(undefined);
  if (!c) {
    if (process.env.CI === 'true') throw new Error('CI=true but Chromium (/usr/bin/chromium) is missing: .ci/run must install the chromium package');
    console.log('kessetsu tests: Chromium not found, the PDF report test is skipped');
  }
  return c;
}

function japaneseFonts(): boolean {
  const r = spawnSync('fc-list', [':lang=ja'], { encoding: 'utf8' });
  const ok = r.status === 0 && r.stdout.trim().length > 0;
  if (!ok && process.env.CI === 'true') throw new Error('CI=true but no Japanese font: .ci/run must install fonts-ipafont-gothic');
  if (!ok) console.log('kessetsu tests: no Japanese font (fonts-ipafont-gothic), the Japanese PDF check is skipped');
  return ok;
}

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pdf-'));
  try {
    const file = path.join(dir, 'r.pdf');
    writeFileSync(file, pdf);
    const r = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr}`);
    return r.stdout.replace(/\s+/g, ' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeStorage('statistics: periodic reports', (backend) => {
  let hub: TestHub;
  let bank: TestMember;
  let telco: TestMember;
  const chromium = chromiumOrSkip();

  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_REPORT_INTERVAL_MINUTES: '0' }, { stats: { now: () => NOW } });
    bank = await makeMember(hub, { sector: 'finance' });
    telco = await makeMember(hub, { sector: 'telecom' });
    for (const s of SHARES) {
      const key = s.org === 'bank' ? bank.key : telco.key;
      const objects = Array.from({ length: s.n }, (_, i) => ({
        type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: new Date(s.at).toISOString(), modified: new Date(s.at).toISOString(), pattern: `[ipv4-addr:value = '198.51.100.${i + 1}']`, pattern_type: 'stix', valid_from: new Date(s.at).toISOString(),
      }));
      const res = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&tlp=${s.tlp}`, headers: { ...as(key), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects }) });
      expect(res.statusCode, res.body).toBe(200);
      await hub.app.storage.db.updateTable('contributions_stored').set({ created_at: new Date(s.at) }).where('ingest_id', '=', res.json().id).execute();
    }
    for (const t of TAKEDOWNS) await addAction(hub.app.storage.db, bank, 'takedown', t.at, t);
    await addAction(hub.app.storage.db, bank, 'account_freeze', '2026-10-11T00:00:00Z', { status: 'done', doneHours: 3, frozen: 1_200_000, recovered: 400_000 });
  });
  afterAll(async () => hub?.close());

  const count = (month: string, visible: (s: (typeof SHARES)[number]) => boolean): number => SHARES.filter((s) => s.at.startsWith(month) && visible(s)).reduce((a, s) => a + s.n, 0);

  it('renders the monthly report in English and Japanese with the headline figures each reader may see', async () => {
    for (const [who, key, visible] of [['hub', hub.adminKey, () => true], ['telco', telco.key, (s: (typeof SHARES)[number]) => s.tlp === 'clear']] as const) {
      const oct = count('2026-10', visible);
      const before = count('2025-10', visible);
      const pct = (((oct - before) / before) * 100).toFixed(1);
      const en = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/reports/2026-10?lang=en&format=html', headers: as(key) });
      expect(en.statusCode, en.body).toBe(200);
      expect(en.headers['content-type']).toMatch(/text\/html/);
      expect(en.body, who).toContain(`Contributions by sector and month</strong>: ${oct} contributions, ${oct - before} (${pct}%) more than the same period of the year before`);
      expect(en.body).toContain('<svg');
      expect(en.body).toContain('Monthly report — October 2026');
      expect(en.body).not.toContain('Not yet counted on this hub'); // every series the issue names is registered
      const ja = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/reports/2026-10?lang=ja&format=html', headers: as(key) });
      expect(ja.body).toContain(`<html lang="ja">`);
      expect(ja.body).toContain(`業種別・月別の情報提供件数</strong>: ${oct}件（前年同期より${oct - before}件（${pct}%）増加）`);
      expect(ja.body).toContain('月次報告 — 2026年10月');
    }
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/reports/2026-10' })).statusCode).toBe(401);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/reports/2026-13', headers: as(bank.key) })).json().error.code).toBe('validation_failed');
  });

  // Printing does not depend on the storage: one backend prints (the HTML above is checked on both).
  it.runIf(chromium && backend.name === 'pglite')('prints PDFs that pdftotext reads back with the headline numbers', { timeout: 180_000 }, async () => {
    const pdf = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/reports/2026-10?lang=en&format=pdf', headers: as(hub.adminKey) });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.rawPayload);
    const oct = count('2026-10', () => true);
    const before = count('2025-10', () => true);
    expect(text).toContain('Monthly report — October 2026');
    expect(text).toContain(`${oct} contributions, ${oct - before} (${(((oct - before) / before) * 100).toFixed(1)}%) more than the same period of the year before`);

    const annual = pdfText((await hub.app.stats.reports.render(await hubViewer(hub.app.storage.db), '2015', 'en', 'pdf')).body);
    expect(annual).toContain('Annual report — 2015');
    expect(annual).toContain('8,096 cases, 191 (2.4%) more than the year before');
    expect(annual).toContain('7,483 cases, 134 (1.8%) more than the year before');
    expect(text).toContain('66.7%, 16.7 points higher than the same period of the year before');
    if (japaneseFonts()) {
      const ja = pdfText((await hub.app.stats.reports.render(await hubViewer(hub.app.storage.db), '2015', 'ja', 'pdf')).body).replace(/ /g, '');
      expect(ja).toContain('年次報告—2015年');
      expect(ja).toContain('8,096件（前年より191件（2.4%）増加）');
    }
    // One Chromium printed them all (a new browser context per report), kept until the hub closes.
    expect(hub.app.stats.reports.pdfStarts).toBe(1);
  });

  it('reports takedowns and account freezes to whom they were addressed, hotline results to hub analysts; a year\'s rate and median are counted over the year', async () => {
    const html = async (period: string, lang: 'en' | 'ja', key: string) => (await hub.server.inject({ method: 'GET', url: `/api/v1/stats/reports/${period}?lang=${lang}&format=html`, headers: as(key) })).body;
    for (const key of [hub.adminKey, bank.key]) {
      const oct = await html('2026-10', 'en', key);
      expect(oct).toContain('Takedown requests and outcomes by month: Requested</strong>: 3 requests, 1 (50.0%) more than the same period of the year before');
      expect(oct).toContain('Takedown rate by month of request: Done ÷ requested</strong>: 66.7%, 16.7 points higher than the same period of the year before');
      expect(oct).toContain('Median time to takedown by month of request: Median hours to done</strong>: 20 hours, 15 (300.0%) more than the same period of the year before');
      expect(oct).toContain('Amounts frozen and recovered by month: Frozen</strong>: 1,200,000 yen');
      // By category: the outcomes, each against October 2025.
      const by = oct.slice(oct.indexOf('By category'), oct.indexOf('Trends'));
      expect(by).toContain('<td>Refused</td><td>1 request, 1 more than the same period of the year before</td>');
      expect(by).toContain('<td>Done</td><td>2 requests, 1 (100.0%) more than the same period of the year before</td>');
      expect(by).toContain('<td>Recovered</td><td>400,000 yen, 400,000 more than the same period of the year before</td>');
      const year = await html('2026', 'en', key);
      expect(year).toContain('Takedown rate by month of request: Done ÷ requested</strong>: 75%, 25.0 points higher than the year before');
      expect(year).toContain('Median time to takedown by month of request: Median hours to done</strong>: 10 hours, 5 (100.0%) more than the year before');
      expect(year).toContain('Takedown requests and outcomes by month: Requested</strong>: 4 requests, 2 (100.0%) more than the year before');
      const ja = await html('2026', 'ja', key);
      expect(ja).toContain('依頼月別のテイクダウン率：対応済み ÷ 依頼</strong>: 75%（前年より25.0ポイント上昇）');
      expect(ja).toContain('月別の凍結額・被害回復額：凍結額</strong>: 120万円');
    }
    // The telco was sent none: its report counts 0 requests, and states no rate or median (not a 0% rate).
    const theirs = await html('2026-10', 'en', telco.key);
    const figures = theirs.slice(theirs.indexOf('The period in figures'), theirs.indexOf('Trends'));
    expect(figures).toContain('Contributions by sector and month');
    expect(figures).toContain('Takedown requests and outcomes by month: Requested</strong>: 0 requests, unchanged from the same period of the year before');
    expect(figures).not.toContain('Takedown rate');
    expect(figures).not.toContain('Median time to takedown');
    expect(figures).toContain('Amounts frozen and recovered by month: Frozen</strong>: 0 yen');
    // Hotline results: in the reports of hub analysts (and hotline operators), not of members.
    const isp = await makeMember(hub, { sector: 'telecom' });
    await addHotlineEntry(hub.app.storage.db, { category: 'fraud_phishing', reports: ['2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z'], asked: { at: '2026-10-04T00:00:00Z', to: isp, removed: true } });
    await addHotlineEntry(hub.app.storage.db, { category: 'obscenity', reports: ['2026-10-05T00:00:00Z'], asked: { at: '2026-10-06T00:00:00Z', to: isp } });
    const hubOct = await html('2026-10', 'en', hub.adminKey);
    expect(hubOct).toContain('Hotline reports by category and month</strong>: 3 reports, 3 more than the same period of the year before');
    expect(hubOct).toContain('Hotline deletion rate by category and month of request: All categories</strong>: 50%');
    expect(hubOct).toContain('<td>Fraud and phishing</td><td>100%</td>');
    expect(await html('2026-10', 'ja', hub.adminKey)).toContain('分類別・依頼月別のホットライン削除率：全分類</strong>: 50%');
    expect(await html('2026-10', 'en', bank.key)).not.toContain('Hotline');
  });

  it('generates the due reports on a schedule, each once even with two managers at it', async () => {
    const db = hub.app.storage.db;
    const reports = new ReportsService(db, hub.app.stats.series, { analysis: () => hub.app.analysis.views, chromium: undefined, now: () => NOW });
    const a = new ReportsManager(db, reports, () => hubViewer(db), { intervalMs: 0, now: () => NOW });
    const b = new ReportsManager(db, reports, () => hubViewer(db), { intervalMs: 0, now: () => NOW });
    expect(a.due(new Date('2027-01-02T00:00:00Z'))).toEqual(['2026-12', '2026']);
    const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
    expect([...ra, ...rb].sort()).toEqual(['2026-10/en/html', '2026-10/ja/html']);
    expect(await a.tick()).toEqual([]);
    const list = await hub.server.inject({ method: 'GET', url: '/api/v1/stats/reports', headers: as(hub.adminKey) });
    const items = list.json().items as { id: string; period: string; lang: string; status: string }[];
    expect(items.map((i) => `${i.period}/${i.lang}/${i.status}`).sort()).toEqual(['2026-10/en/done', '2026-10/ja/done']);
    const one = await hub.server.inject({ method: 'GET', url: `/api/v1/stats/reports/stored/${items.find((i) => i.lang === 'ja')!.id}`, headers: as(hub.adminKey) });
    expect(one.body).toContain('月次報告 — 2026年10月');
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/stats/reports', headers: as(bank.key) })).statusCode).toBe(403);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('names the top root sources and priorities the reader may see', async () => {
    // Two banks report an incident pointing at one C2 server (GREEN): a root source and a cluster.
    const c2 = '185.77.12.34';
    for (const member of [bank, telco]) {
      const t = new Date().toISOString();
      const obs = makeObservable('ipv4-addr', c2).object;
      const ind = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t, modified: t, pattern: `[ipv4-addr:value = '${c2}']`, pattern_type: 'stix', valid_from: t };
      const inc = withDamage({ type: 'incident', spec_version: '2.1', id: `incident--${randomUUID()}`, created: t, modified: t, name: 'Unauthorised transfers' }, { amountJpy: 3_000_000, victims: 2, method: 'internet-banking-fraud' });
      const rel = (type: string, a: string, b: string) => ({ type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: t, modified: t, relationship_type: type, source_ref: a, target_ref: b });
      const objects = [inc, ind, obs, rel('based-on', ind.id, obs.id), rel('related-to', inc.id, ind.id)];
      const res = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(member.key), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects }) });
      expect(res.statusCode, res.body).toBe(200);
    }
    await hub.app.analysis.run('test');
    const db = hub.app.storage.db;
    const month = dayInStatsZone(new Date()).slice(0, 7);
    const reports = new ReportsService(db, hub.app.stats.series, { analysis: () => hub.app.analysis.views, chromium: undefined });
    const top = (await hub.app.analysis.views.priorities(await hubViewer(db), { offset: 0, limit: 1 })).items[0]!;
    const html = (await reports.render(await hubViewer(db), month, 'en', 'html')).body.toString('utf8');
    const roots = html.slice(html.indexOf('Top root sources'), html.indexOf('Top priorities'));
    expect(roots).toContain(c2);
    expect(html.slice(html.indexOf('Top priorities'))).toContain(`<td>#${top.id}`);
    expect(html.slice(html.indexOf('Top priorities'))).toContain('¥6,000,000');
    // An organisation without an NDA reads CLEAR only: neither the C2 nor the cluster is in its report.
    const shop = await makeMember(hub, { sector: 'ecommerce', nda: false });
    const theirs = (await reports.render((await hub.app.auth.authenticate(shop.key))!, month, 'en', 'html')).body.toString('utf8');
    expect(theirs).not.toContain(c2);
    expect(theirs).not.toContain(`<td>#${top.id}`);
  });

  it('takes over a report whose node died mid-way once its lease has run out', async () => {
    const db = hub.app.storage.db;
    await db.insertInto('stat_reports').values({ period: '2026-09', lang: 'en', format: 'html', status: 'running', lease_until: new Date(Date.now() - 1000) }).execute();
    const reports = new ReportsService(db, hub.app.stats.series, { analysis: () => undefined, chromium: undefined, now: () => NOW });
    const m = new ReportsManager(db, reports, () => hubViewer(db), { intervalMs: 0, langs: ['en'], now: () => new Date('2026-10-02T00:00:00Z') });
    expect(await m.tick()).toEqual(['2026-09/en/html']);
  });
});
