import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { backends } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { ensureWebBuilt } from '../../web/ensure-built.ts';
import { importTestGeo, loopFetcher, loopSite, mapResolver, type LoopSite } from '../hotline/support.ts';
import { accessibilityProblems, hasChromium, interfaceText, missingKeys, signIn, startBrowsing, type Browsing } from './browser.ts';

// Issue 13, hotline journeys: a member of the public files a report in Japanese and gets a receipt; the
// operator finds it in the queue beside the site's earlier decision, decides with a legal basis, requests
// deletion, refers it to the police, and closes another entry as not actionable.

const PASSWORD = 'correct horse battery staple';
const HOSTS = { 'bad-site.example.jp': '192.0.2.10' };
const REPORTED = 'http://bad-site.example.jp/gallery?id=7';
const DESCRIPTION = '掲示板のトップにわいせつな画像へのリンクが貼られています。';
const LATIN_OK = new Set(['JST', 'URL']);

const run = hasChromium() ? describe : describe.skip;

run('hotline journeys in Chromium', () => {
  let hub: TestHub;
  let b: Browsing;
  let site: LoopSite;
  let operator: TestMember;
  let police: TestMember;
  let receipt = '';

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of free-form JSON
  const call = async (key: string | null, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<any> => {
    const res = await hub.server.inject({ method, url, headers: key ? as(key) : {}, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.body ? res.json() : null;
  };
  const entryOf = (url: string) => hub.app.storage.db.selectFrom('hotline_entries').selectAll().where('url', '=', url).executeTakeFirstOrThrow();

  async function checkScreen(page: Page, lang: 'ja' | 'en', what: string): Promise<void> {
    await expect.poll(() => page.getByRole('status').filter({ hasText: /Loading|読み込み中/ }).count(), { timeout: 20_000 }).toBe(0);
    const texts = await interfaceText(page);
    if (lang === 'ja') expect(texts.flatMap((t) => t.match(/[A-Za-z][A-Za-z0-9]{2,}/g) ?? []).filter((w) => !LATIN_OK.has(w)), `English left on ${what}`).toEqual([]);
    else expect(texts.filter((t) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(t)), `Japanese left on ${what}`).toEqual([]);
    expect(await missingKeys(page), `untranslated keys on ${what}`).toEqual([]);
    expect(await accessibilityProblems(page), `accessibility on ${what}`).toEqual([]);
  }

  beforeAll(async () => {
    await ensureWebBuilt();
    site = await loopSite();
    hub = await startHub(backends()[0]!, {}, { hotline: { fetcher: loopFetcher(site), resolver: mapResolver(HOSTS), checkIntervalMs: 0, fetchTimeoutMs: 2_000, reportsPerHour: 50 } });
    await importTestGeo(hub);
    operator = await makeMember(hub, { name: 'Internet Hotline Center', kind: 'government', role: 'hotline_operator' });
    police = await makeMember(hub, { name: 'Tokyo Metropolitan Police', kind: 'law_enforcement', role: 'investigator' });
    await call(hub.adminKey, 'PUT', `/api/v1/users/${operator.userId}/login`, { username: 'sora.hotline', password: PASSWORD });
    await hub.app.neutralise.contacts.add(null, { kind: 'site', key: 'bad-site.example.jp', name: 'Bad Site administrator', email: 'admin@bad-site.example.jp', lang: 'ja' });
    // An earlier decision on the same site, and a report the operator will close.
    await call(null, 'POST', '/api/v1/hotline/reports', { urls: 'http://bad-site.example.jp/old-board', category: 'obscenity', lang: 'ja' });
    const old = await entryOf('http://bad-site.example.jp/old-board');
    await call(operator.key, 'POST', `/api/v1/hotline/entries/${old.id}/classify`, { classification: 'illegal', legal_basis: '刑法 第175条 わいせつ物頒布等' });
    await call(null, 'POST', '/api/v1/hotline/reports', { urls: 'http://bad-site.example.jp/about', category: 'other', description: 'Only a company profile.', lang: 'en' });
    b = await startBrowsing(hub);
  }, 300_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !b) return;
    await b.shotAll(`failed-hotline-${ctx.task.name.slice(0, 20).replace(/\W+/g, '-')}`);
    console.log(`browser log:\n${b.log.join('\n')}`);
  });
  afterAll(async () => {
    await b?.close();
    await hub?.close();
    await site?.close();
  });

  it('a member of the public files a hotline report in Japanese and gets a receipt', async () => {
    const page = await (await b.context({ locale: 'ja-JP' })).newPage();
    await page.goto(`${b.base}/hotline`);
    expect(await page.evaluate('document.documentElement.lang')).toBe('ja');
    expect(await page.locator('main h1').innerText()).toBe('インターネット・ホットライン 通報窓口');
    expect(await accessibilityProblems(page), 'accessibility of the form').toEqual([]);
    await page.getByLabel('通報するURL').fill(REPORTED);
    await page.getByLabel('分類', { exact: true }).selectOption('obscenity');
    await page.getByLabel(/^説明/).fill(DESCRIPTION);
    await page.getByRole('button', { name: '通報する' }).click();
    await expect.poll(() => page.locator('main h2').innerText()).toBe('通報を受け付けました');
    receipt = await page.locator('#receipt').innerText();
    expect(receipt).toMatch(/^H-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(await page.locator('main').innerText()).toContain('http://bad-site.example.jp/gallery?id=7');
    expect(await accessibilityProblems(page), 'accessibility of the receipt').toEqual([]);
    await b.shot(page, '5a-public-hotline-receipt');
    await page.getByRole('link', { name: '対応状況を確認' }).click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(new RegExp(`受付番号: ${receipt}[\\s\\S]*gallery\\?id=7 — 受付済み`));
    // Stored as the public filed it: in Japanese, under this receipt.
    const entry = await entryOf(REPORTED);
    const report = await hub.app.storage.db.selectFrom('hotline_reports').selectAll().where('entry_id', '=', entry.id).executeTakeFirstOrThrow();
    expect({ receipt: report.receipt, lang: report.lang, description: report.description, source: report.source }).toEqual({ receipt, lang: 'ja', description: DESCRIPTION, source: 'public' });
  });

  it('the operator triages the queue by site, decides with a legal basis, requests deletion and refers to the police', async () => {
    expect(receipt, 'the public report of the journey before').not.toBe('');
    const page = await (await b.context({ locale: 'ja-JP' })).newPage();
    await signIn(page, b.base, 'sora.hotline', PASSWORD);
    await page.getByRole('link', { name: 'ホットライン', exact: true }).click();
    const card = page.getByRole('region', { name: /bad-site\.example\.jp/ });
    await expect.poll(() => card.innerText()).toContain(DESCRIPTION);
    // The earlier decision on the site, with its legal basis, beside the new reports.
    expect(await card.locator('table').nth(1).innerText()).toMatch(/old-board\s+わいせつ物\s+違法情報 — 刑法 第175条 わいせつ物頒布等/);
    expect(await card.locator('table').first().innerText()).toMatch(/gallery\?id=7[\s\S]*わいせつ物\s+1\s/);
    expect(await page.locator('#hotline-figures').innerText()).toMatch(/受け付けた通報 3 件/);
    await checkScreen(page, 'ja', 'the queue');

    await card.getByRole('link', { name: REPORTED }).click();
    await expect.poll(() => page.locator('#hotline-decision').innerText()).toBe('未判断');
    expect(await page.locator('#hotline-reports').innerText()).toContain(DESCRIPTION);
    await page.getByLabel('この分類でよく使う根拠法令').selectOption({ index: 1 });
    expect(await page.getByLabel(/^根拠法令/).inputValue()).toBe('刑法 第175条 わいせつ物頒布等 (Penal Code art. 175)');
    await page.getByLabel('違法情報', { exact: true }).check();
    await page.getByRole('button', { name: '判断を記録' }).click();
    await expect.poll(() => page.locator('#hotline-decision').innerText()).toBe('違法情報 — 刑法 第175条 わいせつ物頒布等 (Penal Code art. 175)');
    await checkScreen(page, 'ja', 'an entry');

    await page.getByRole('button', { name: '削除依頼を送る' }).click();
    await expect.poll(() => page.locator('#hotline-outcome').innerText()).toBe('削除依頼の送付先: Bad Site administrator');
    await expect.poll(() => page.locator('#hotline-state').innerText()).toBe('対応中');
    await page.getByLabel('警察の組織').selectOption({ label: 'Tokyo Metropolitan Police' });
    await page.getByRole('button', { name: '警察に通報(事件を作成)' }).click();
    await expect.poll(() => page.locator('#hotline-outcome').innerText()).toMatch(/^警察向けに事件を作成しました: K\d{4}-\d{4} 事件を開く$/);
    await expect.poll(() => page.locator('#hotline-actions').innerText()).toMatch(/削除依頼: 送付済み Bad Site administrator/);
    await checkScreen(page, 'ja', 'an entry after its actions');
    await b.shot(page, '5b-hotline-operator-decides');

    const entry = await entryOf(REPORTED);
    expect({ classification: entry.classification, legal_basis: entry.legal_basis, status: entry.status }).toEqual({ classification: 'illegal', legal_basis: '刑法 第175条 わいせつ物頒布等 (Penal Code art. 175)', status: 'actioned' });
    expect(entry.case_id).not.toBeNull();
    const kase = await call(police.key, 'GET', `/api/v1/cases/${entry.case_id}`);
    expect(kase.state).toBe('proposed');
  });

  it('the operator closes an entry as not actionable, in English', async () => {
    const page = await (await b.context({ locale: 'en-GB' })).newPage();
    await signIn(page, b.base, 'sora.hotline', PASSWORD);
    await page.goto(`${b.base}/#/hotline`);
    const card = page.getByRole('region', { name: /bad-site\.example\.jp/ });
    await card.getByRole('link', { name: 'http://bad-site.example.jp/about' }).click();
    await expect.poll(() => page.locator('#hotline-decision').innerText()).toBe('not decided yet');
    // Acting before deciding is refused by the screen.
    expect(await page.locator('#hotline-actions').innerText()).toContain('Classify the entry as illegal or harmful before acting on it.');
    await checkScreen(page, 'en', 'an entry in English');
    await page.getByRole('button', { name: 'Close as not actionable' }).click();
    await expect.poll(() => page.locator('#hotline-decision').innerText()).toBe('Not actionable (closed)');
    expect((await entryOf('http://bad-site.example.jp/about')).classification).toBe('not_actionable');
    // Decided entries leave the new queue; the classified view shows both decisions of the day.
    await page.getByRole('link', { name: 'Back to the queue' }).click();
    await expect.poll(() => page.locator('#hotline-queue').innerText()).not.toContain('/about');
    await page.getByLabel('Show', { exact: true }).selectOption('classified');
    await expect.poll(() => page.locator('#hotline-queue').innerText()).toMatch(/about[\s\S]*Not actionable \(closed\)/);
    await checkScreen(page, 'en', 'the classified queue');
    await b.shot(page, '5c-hotline-closed-en');
  });
});
