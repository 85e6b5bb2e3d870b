import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { backends } from '../support/storage.ts';
import { as, declareAssets, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { randomUUID } from 'node:crypto';
import { totpAt } from '../../src/sessions/totp.ts';
import { withDamage } from '../../src/stix/extensions.ts';
import { ensureWebBuilt } from '../../web/ensure-built.ts';
import { accessibilityProblems, hasChromium, interfaceText, missingKeys, signIn, startBrowsing, type Browsing } from './browser.ts';

const PASSWORD = 'correct horse battery staple';
const REPORT = [
  'Phishing wave against Momiji Bank customers since this morning.',
  'Landing page: hxxps://momiji-bank-login[.]com/verify',
  'Kit host: 203.0.113[.]77',
  'The kit resolves through 8.8.8[.]8',
].join('\n');

// Interface words that stay as they are in Japanese (standards and formats).
const LATIN_OK = new Set(['JST', 'UTC', 'GMT', 'TLP', 'STIX', 'TAXII', 'MISP', 'CSV', 'URL', 'IPv4', 'IPv6', 'NDA', 'API', 'Markdown', 'Atom', 'OpenIOC', 'eml', 'log10', 'hxxp']);
const SCREENS = ['/', '/share', '/search', '/shared', '/alerts', '/analysis', '/sensors', '/stats', '/advisories', '/account'];

function incidentBundle(ip: string, amountJpy: number): string {
  const now = new Date().toISOString();
  const id = (type: string) => `${type}--${randomUUID()}`;
  const incident = withDamage({ type: 'incident', spec_version: '2.1', id: id('incident'), created: now, modified: now, name: 'Unauthorised transfers after phishing' }, { amountJpy, victims: 3, method: 'internet-banking-fraud' });
  const indicator = { type: 'indicator', spec_version: '2.1', id: id('indicator'), created: now, modified: now, name: 'Phishing kit host', pattern: `[ipv4-addr:value = '${ip}']`, pattern_type: 'stix', valid_from: now };
  const rel = { type: 'relationship', spec_version: '2.1', id: id('relationship'), created: now, modified: now, relationship_type: 'related-to', source_ref: incident.id, target_ref: indicator.id };
  return JSON.stringify({ type: 'bundle', id: id('bundle'), objects: [incident, indicator, rel] });
}

const run = hasChromium() ? describe : describe.skip;

run('web interface journeys in Chromium', () => {
  let hub: TestHub;
  let b: Browsing;
  let sakura: TestMember;
  let momiji: TestMember;
  let kaede: TestMember;
  let analyst: TestMember;
  let police: TestMember;
  const secrets = new Map<string, string>();
  let step = 0;

  async function login(userId: string, username: string): Promise<void> {
    const res = await hub.server.inject({ method: 'PUT', url: `/api/v1/users/${userId}/login`, headers: as(hub.adminKey), payload: { username, password: PASSWORD } });
    expect(res.statusCode, res.body).toBe(204);
  }
  // A code from a later time step each time: a code is never accepted twice.
  const codeOf = (userId: string) => (): string => totpAt(secrets.get(userId)!, Date.now() + 30_000 * step++);

  beforeAll(async () => {
    await ensureWebBuilt();
    hub = await startHub(backends()[0]!);
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    momiji = await makeMember(hub, { name: 'Momiji Bank' });
    kaede = await makeMember(hub, { name: 'Kaede Bank' });
    analyst = await makeMember(hub, { name: 'Fusion Centre Staff', kind: 'hub', role: 'hub_analyst' });
    await login(sakura.userId, 'aoi.sakura');
    await login(momiji.userId, 'ren.momiji');
    await login(kaede.userId, 'mio.kaede');
    police = await makeMember(hub, { name: 'Prefectural Police Cyber Unit', kind: 'law_enforcement', role: 'investigator' });
    await login(analyst.userId, 'hina.hub');
    await login(police.userId, 'ken.police');
    for (const m of [analyst, police]) secrets.set(m.userId, (await hub.server.inject({ method: 'POST', url: `/api/v1/users/${m.userId}/totp`, headers: as(hub.adminKey) })).json().secret);
    // Momiji Bank watches its brand; Kaede Bank reported the kit host earlier, to every member.
    await declareAssets(hub, momiji, { keywords: ['momiji'] });
    const sub = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(momiji.key), payload: { name: 'Our brand', kind: 'asset', rule: { keywords: ['momiji'] } } });
    expect(sub.statusCode, sub.body).toBe(201);
    expect(sub.json().enabled).toBe(true);
    // Two banks reported fraud incidents pointing at the kit host, to every member: a cluster for the hub.
    for (const [m, yen] of [[kaede, 12_000_000], [momiji, 30_000_000]] as const) {
      const earlier = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(m.key), 'content-type': 'application/json' }, payload: incidentBundle('203.0.113.77', yen) });
      expect(earlier.statusCode, earlier.body).toBe(200);
    }
    if (hasSharedData()) await hub.app.warninglists.importPaths([sharedData('misp', 'warninglists', 'public-dns-v4.json')], { enabled: true });
    b = await startBrowsing(hub);
  }, 300_000); // a build of the interface and a dozen ingests, on a loaded 2-core machine
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !b) return;
    await b.shotAll(`failed-${ctx.task.name.slice(0, 20).replace(/\W+/g, '-')}`);
    console.log(`browser log:\n${b.log.join('\n')}`);
  });
  afterAll(async () => {
    await b?.close();
    await hub?.close();
  });

  it('a bank analyst signs in, pastes a defanged report, sees the preview and shares at AMBER naming a second bank', async () => {
    const page = await (await b.context({ locale: 'en-GB' })).newPage();
    await signIn(page, b.base, 'aoi.sakura', PASSWORD);
    await expect.poll(() => page.locator('h1').innerText()).toBe('Dashboard');
    await page.getByRole('link', { name: 'Share', exact: true }).click();
    await page.getByLabel(/Paste text/).fill(REPORT);
    await expect.poll(() => page.locator('input[name=tlp][value=amber]').isChecked()).toBe(true);
    await page.getByLabel('Momiji Bank').check();
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('#share-preview');
    await preview.waitFor();
    const rows = await preview.locator('tbody tr').allInnerTexts();
    const row = (value: string) => rows.find((r) => r.includes(value)) ?? '';
    expect(row('momiji-bank-login.com/verify')).toMatch(/URL/);
    expect(row('203.0.113.77')).toMatch(/yes, by 2 organisations/);
    expect(row('203.0.113.77')).toMatch(/TLP:AMBER/);
    if (hasSharedData()) expect(row('8.8.8.8')).toMatch(/public DNS/i);
    await expect.poll(() => preview.innerText()).toMatch(/Preview: nothing has been shared yet/);
    // Nothing is stored by the preview.
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/objects?value=momiji-bank-login.com', headers: as(hub.adminKey) })).json().items).toHaveLength(0);
    await page.getByRole('button', { name: 'Share now' }).click();
    await expect.poll(() => page.locator('#share-result').innerText()).toMatch(/Shared: \d+ created/);
    await b.shot(page, '1-bank-shares-at-amber');
  });

  it('the named bank sees the alert and the object; a third bank searching the same value does not', async () => {
    const page = await (await b.context({ locale: 'ja-JP' })).newPage();
    await signIn(page, b.base, 'ren.momiji', PASSWORD);
    await expect.poll(() => page.locator('h1').innerText()).toBe('ダッシュボード');
    await expect.poll(() => page.locator('#dash-alerts').innerText()).toMatch(/未読のアラート [1-9]/);
    await page.getByRole('link', { name: 'アラート', exact: true }).click();
    await expect.poll(() => page.locator('.alerts').innerText()).toMatch(/momiji-bank-login\.com/);
    // Titles and reasons the hub writes in English are said in the reader's language; values stay data.
    expect(await page.locator('.alerts').innerText()).toMatch(/自組織のブランドの模倣: \S*momiji-bank-login\.com/);
    expect(await page.locator('.alerts').innerText()).toMatch(/ブランド「momiji」の模倣/);
    await page.goto(`${b.base}/#/search?q=${encodeURIComponent('hxxps://momiji-bank-login[.]com/verify')}`);
    await page.locator('table.results a').first().click();
    await expect.poll(() => page.locator('#obj-contrib').innerText()).toMatch(/Sakura Bank/);
    expect(await page.locator('#obj-contrib').innerText()).toMatch(/TLP:AMBER/);
    // Each version the viewer may see, with whose contribution carries it and which one is shown.
    await expect.poll(() => page.locator('#obj-versions').innerText()).toMatch(/Sakura Bank\s+TLP:AMBER\s+上に表示中/);
    await b.shot(page, '2a-named-bank-sees-object');

    const third = await (await b.context({ locale: 'en-GB' })).newPage();
    await signIn(third, b.base, 'mio.kaede', PASSWORD);
    await third.goto(`${b.base}/#/search?q=${encodeURIComponent('hxxps://momiji-bank-login[.]com/verify')}`);
    await expect.poll(() => third.locator('#search-empty').innerText()).toBe('Nothing you may see matches.');
    await third.locator('#search-q').fill('momiji-bank-login.com');
    await third.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => third.locator('#search-empty').isVisible()).toBe(true);
    await b.shot(third, '2b-third-bank-sees-nothing');
  });

  it('a hub analyst signs in with TOTP, opens a cluster, reads why it has its priority and refers it; an investigator accepts it', async () => {
    const run = await hub.server.inject({ method: 'POST', url: '/api/v1/analysis/runs', headers: as(analyst.key) });
    expect(run.statusCode, run.body).toBe(201);
    const page = await (await b.context({ locale: 'en-GB' })).newPage();
    await signIn(page, b.base, 'hina.hub', PASSWORD, codeOf(analyst.userId));
    await page.getByRole('link', { name: 'Analysis', exact: true }).click();
    await page.getByRole('link', { name: 'Clusters', exact: true }).click();
    await page.locator('table a').first().click();
    await expect.poll(() => page.locator('#cluster-explain').innerText()).toMatch(/Score [\d.,]+: the sum of points, times the factors/);
    expect(await page.locator('#cluster-members').innerText()).toMatch(/Incident\s+Unauthorised transfers after phishing/);
    expect(await page.locator('#cluster-evidence').innerText()).toMatch(/203\.0\.113\.77/);
    await b.shot(page, '3a-hub-analyst-explains-cluster');
    // Referral needs the cases API (issue 12); on a build without it the screen says so.
    if ((await hub.server.inject({ method: 'GET', url: '/api/v1/cases', headers: as(analyst.key) })).statusCode === 404) {
      expect(await page.locator('#cluster-refer').innerText()).toMatch(/no case management yet/);
      console.log('kessetsu tests: this build has no cases API; referral and acceptance not driven');
      return;
    }
    await page.locator('#case-title').fill('Momiji Bank phishing kit');
    await page.getByRole('button', { name: 'Refer to a case' }).click();
    await expect.poll(() => page.locator('#cluster-refer').innerText()).toMatch(/Referred/);
    const inv = await (await b.context({ locale: 'ja-JP' })).newPage();
    await signIn(inv, b.base, 'ken.police', PASSWORD, codeOf(police.userId));
    await inv.getByRole('link', { name: '事件', exact: true }).click();
    await inv.getByRole('region', { name: '提案中' }).getByRole('link', { name: /Momiji Bank phishing kit/ }).click();
    await inv.getByRole('button', { name: '事件を受理する' }).click();
    await expect.poll(() => inv.locator('#case-state').innerText()).toMatch(/受理/);
    await b.shot(inv, '3b-investigator-accepts-case');
  });

  async function checkLanguage(page: Page, lang: 'ja' | 'en'): Promise<void> {
    for (const screen of SCREENS) {
      await page.goto(`${b.base}/#${screen}`);
      await page.locator('main h1').first().waitFor();
      await expect.poll(() => page.getByRole('status').filter({ hasText: /Loading|読み込み中/ }).count(), { timeout: 20_000 }).toBe(0); // lazy screens and charts load on a busy machine
      const texts = await interfaceText(page);
      expect(texts.length, screen).toBeGreaterThan(5);
      if (lang === 'ja') {
        const latin = texts.flatMap((t) => t.match(/[A-Za-z][A-Za-z0-9]{2,}/g) ?? []).filter((w) => !LATIN_OK.has(w));
        expect(latin, `English words left on ${screen} in Japanese`).toEqual([]);
      } else {
        const kana = texts.filter((t) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(t));
        expect(kana, `Japanese left on ${screen} in English`).toEqual([]);
      }
      expect(await missingKeys(page), `untranslated keys on ${screen}`).toEqual([]);
      expect(await accessibilityProblems(page), `accessibility on ${screen}`).toEqual([]);
    }
  }

  it('the language switch changes every visible string, on every screen', async () => {
    const page = await (await b.context({ locale: 'ja-JP' })).newPage();
    await signIn(page, b.base, 'ren.momiji', PASSWORD);
    expect(await page.evaluate('document.documentElement.lang')).toBe('ja');
    await checkLanguage(page, 'ja');
    await page.locator('button[data-lang=en]').click();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await checkLanguage(page, 'en');
    await page.goto(`${b.base}/#/`);
    await expect.poll(() => page.getByRole('status').filter({ hasText: /Loading/ }).count(), { timeout: 20_000 }).toBe(0);
    await b.shot(page, '4a-dashboard-en');
    // Keyboard: the first Tab reaches the skip link, which moves focus to the screen's content.
    await page.reload();
    await page.locator('main h1').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.className')).toBe('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');
    await page.locator('button[data-lang=ja]').click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('ダッシュボード');
    await b.shot(page, '4-language-switch');
  });
});
