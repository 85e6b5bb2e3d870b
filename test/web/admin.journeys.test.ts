import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { API, indicator, share } from '../support/taxii.ts';
import { totpAt } from '../../src/sessions/totp.ts';
import { MEMBERS_COLLECTION_ID } from '../../src/taxii/taxii.collections.ts';
import { appendAudit } from '../../src/audit/audit.repository.ts';
import { ensureWebBuilt } from '../../web/ensure-built.ts';
import { accessibilityProblems, hasChromium, interfaceText, missingKeys, signIn, startBrowsing, type Browsing } from './browser.ts';

// Issue 13, admin screen for TAXII remotes: the hub admin adds a remote collection, pulls it now, reads the
// result, edits it (a new key, a schedule, TLPs), disables it, removes it. The remote is this hub's own members collection read with a partner account's key, so
// the pull crosses TAXII over loopback.

const PASSWORD = 'correct horse battery staple';
const run = hasChromium() ? describe : describe.skip;

run('admin journeys in Chromium', () => {
  let hub: TestHub;
  let b: Browsing;
  let admin: TestMember;
  let partner: TestMember;
  let secret = '';
  let step = 0;

  beforeAll(async () => {
    await ensureWebBuilt();
    hub = await startHub(backends()[0]!);
    admin = await makeMember(hub, { name: 'Fusion Centre Administration', kind: 'hub', role: 'admin' });
    partner = await makeMember(hub, { name: 'Foreign CERT', kind: 'international_partner' });
    const sharer = await makeMember(hub, { name: 'Sharer Bank' });
    await share(hub, sharer, [indicator('journey remote one'), indicator('journey remote two'), indicator('journey remote three')], 'green');
    const login = await hub.server.inject({ method: 'PUT', url: `/api/v1/users/${admin.userId}/login`, headers: as(hub.adminKey), payload: { username: 'yui.admin', password: PASSWORD } });
    expect(login.statusCode, login.body).toBe(204);
    secret = (await hub.server.inject({ method: 'POST', url: `/api/v1/users/${admin.userId}/totp`, headers: as(hub.adminKey) })).json().secret;
    b = await startBrowsing(hub);
  }, 300_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !b) return;
    await b.shotAll(`failed-admin-${ctx.task.name.slice(0, 20).replace(/\W+/g, '-')}`);
    console.log(`browser log:\n${b.log.join('\n')}`);
  });
  afterAll(async () => {
    await b?.close();
    await hub?.close();
  });

  it('the hub admin adds a TAXII remote, pulls it now, edits it, disables it and removes it', async () => {
    const page = await (await b.context({ locale: 'ja-JP' })).newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, b.base, 'yui.admin', PASSWORD, () => totpAt(secret, Date.now() + 30_000 * step++));
    await page.getByRole('link', { name: '管理', exact: true }).click();
    await page.getByRole('link', { name: 'TAXII 接続先', exact: true }).click();
    await expect.poll(() => page.locator('#remotes').innerText()).toContain('TAXII 接続先はまだありません。');

    await page.getByLabel('名前', { exact: true }).fill('cert-peer');
    await page.getByLabel('コレクションの URL').fill(`${b.base}${API}/collections/${MEMBERS_COLLECTION_ID}/`);
    await page.getByLabel(/^提携組織/).selectOption({ label: 'Foreign CERT' });
    await page.getByLabel('ユーザー名', { exact: true }).fill(partner.userId);
    await page.getByLabel(/^パスワードまたはトークン/).fill(partner.key);
    await page.getByLabel('区分のないオブジェクトの区分').selectOption('green');
    await page.getByRole('button', { name: '追加', exact: true }).click();
    const row = page.locator('#remotes-list tbody tr').filter({ hasText: 'cert-peer' });
    await expect.poll(() => row.innerText()).toMatch(/cert-peer[\s\S]*Foreign CERT[\s\S]*TLP:GREEN \/ TLP:AMBER[\s\S]*未取得/);
    // The key went to the hub and is never shown again.
    expect(await page.locator('main').innerText()).not.toContain(partner.key);

    await row.getByRole('button', { name: '今すぐ取得' }).click();
    await expect.poll(() => page.locator('#remote-pulled').innerText()).toMatch(/^取得しました: (\d+) 件中 \1 件を保存、0 件を拒否 — cert-peer$/);
    const stored = Number(/中 (\d+) 件を保存/.exec(await page.locator('#remote-pulled').innerText())![1]);
    expect(stored).toBeGreaterThanOrEqual(3);
    await expect.poll(() => row.innerText()).toMatch(new RegExp(`: ${stored} 件を保存`));
    const contributions = await hub.app.storage.db.selectFrom('contributions').select('id').where('org_id', '=', partner.org.id).execute();
    expect(contributions).toHaveLength(stored);

    const texts = await interfaceText(page);
    expect(texts.flatMap((t) => t.match(/[A-Za-z][A-Za-z0-9]{2,}/g) ?? []).filter((w) => !['TAXII', 'URL', 'TLP', 'JST'].includes(w)), 'English left on the remotes screen').toEqual([]);
    expect(await missingKeys(page)).toEqual([]);
    expect(await accessibilityProblems(page)).toEqual([]);
    await b.shot(page, '6-admin-taxii-remotes');

    // Edit, opened from the keyboard: the form takes the focus and never shows the stored key back.
    await row.getByRole('button', { name: '編集', exact: true }).focus();
    await page.keyboard.press('Enter');
    const edit = page.locator('#remote-edit');
    await expect.poll(() => page.evaluate<string>('document.activeElement?.id ?? ""')).toBe('remote-edit-url');
    expect(await edit.getByLabel(/^新しいパスワードまたはトークン/).inputValue()).toBe('');
    expect(await page.content()).not.toContain(partner.key);
    // Bad input is named on the screen, and nothing is saved.
    await edit.getByLabel('区分のないオブジェクトの区分').selectOption('amber');
    await edit.getByLabel('受け入れる最も高い区分').selectOption('green');
    await edit.getByRole('button', { name: '保存', exact: true }).click();
    await expect.poll(() => edit.getByRole('alert').innerText()).toMatch(/^入力に誤りがあります。\s+default TLP amber is above the agreed maximum green$/);
    expect((await hub.app.storage.db.selectFrom('taxii_remotes').select(['default_tlp', 'max_tlp']).where('name', '=', 'cert-peer').executeTakeFirstOrThrow())).toEqual({ default_tlp: 'green', max_tlp: 'amber' });
    // A new key, a schedule and the TLPs put right.
    const newKey = 'rotated-partner-key-' + 'z'.repeat(20);
    await edit.getByLabel('受け入れる最も高い区分').selectOption('amber');
    await edit.getByLabel(/^新しいパスワードまたはトークン/).fill(newKey);
    await edit.getByLabel('取得の間隔(秒。0 は手動のみ)').fill('3600');
    const texts2 = await interfaceText(page);
    expect(texts2.flatMap((t) => t.match(/[A-Za-z][A-Za-z0-9]{2,}/g) ?? []).filter((w) => !['TAXII', 'URL', 'TLP', 'JST'].includes(w)), 'English left on the edit form').toEqual([]);
    expect(await accessibilityProblems(page)).toEqual([]);
    await edit.getByRole('button', { name: '保存', exact: true }).click();
    await expect.poll(() => page.locator('#remote-saved').innerText()).toBe('保存しました: cert-peer');
    expect(await edit.count()).toBe(0);
    await expect.poll(() => row.innerText()).toMatch(/TLP:AMBER \/ TLP:AMBER[\s\S]*有効[\s\S]*3,600 秒ごと/);
    expect(await page.content()).not.toContain(newKey);
    const listed = (await hub.server.inject({ method: 'GET', url: '/api/v1/taxii/remotes', headers: as(hub.adminKey) })).json().items;
    expect(listed).toMatchObject([{ name: 'cert-peer', default_tlp: 'amber', max_tlp: 'amber', interval_seconds: 3600, credentials: 'set', enabled: true }]);
    expect(JSON.stringify(listed)).not.toContain(newKey);
    expect((await hub.app.storage.db.selectFrom('taxii_remotes').select('secret').where('name', '=', 'cert-peer').executeTakeFirstOrThrow()).secret).toBe(newKey);

    // Disable: the screen says so and offers no pull; the API says so too.
    await row.getByRole('button', { name: '無効にする', exact: true }).click();
    await expect.poll(() => row.innerText()).toContain('無効(取得しません)');
    expect(await row.getByRole('button', { name: '今すぐ取得' }).isDisabled()).toBe(true);
    expect(await row.getByRole('button', { name: '有効にする', exact: true }).count()).toBe(1);
    const disabled = (await hub.server.inject({ method: 'GET', url: '/api/v1/taxii/remotes', headers: as(hub.adminKey) })).json().items[0];
    expect(disabled).toMatchObject({ name: 'cert-peer', enabled: false });
    const refused = await hub.server.inject({ method: 'POST', url: '/api/v1/taxii/remotes/cert-peer/pull', headers: as(hub.adminKey) });
    expect(refused.statusCode).toBe(409);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await missingKeys(page)).toEqual([]);
    await b.shot(page, '6-admin-taxii-remote-disabled');

    await row.getByRole('button', { name: '削除', exact: true }).click();
    await expect.poll(() => page.locator('#remotes').innerText()).toContain('TAXII 接続先はまだありません。');
    const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'details']).where('action', 'like', 'taxii.remote.%').orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['taxii.remote.add', 'taxii.remote.pull', 'taxii.remote.update', 'taxii.remote.disable', 'taxii.remote.remove']);
    expect(audit[2]!.details).toEqual({ name: 'cert-peer', changes: { default_tlp: { from: 'green', to: 'amber' }, interval_seconds: { from: 0, to: 3600 }, key: 'replaced' } });

    // The audit screen: narrowed to the remote's entries by the start of their action; a long selection page by page.
    await appendAudit(hub.app.storage.db, Array.from({ length: 60 }, (_, i) => ({ action: 'journey.page', targetType: 'test', targetId: `entry-${i}` })));
    await page.getByRole('link', { name: '監査ログ', exact: true }).click();
    await page.getByLabel('操作(前方一致)').fill('taxii.remote.');
    await page.getByRole('button', { name: '表示', exact: true }).click();
    const auditRows = page.locator('#audit-entries tbody tr');
    await expect.poll(() => auditRows.count()).toBe(5);
    expect(await auditRows.first().innerText()).toContain('taxii.remote.remove');
    expect(await page.locator('#audit-older').count()).toBe(0);
    await page.getByLabel('操作(前方一致)').fill('journey.page');
    await page.getByRole('button', { name: '表示', exact: true }).click();
    await expect.poll(() => auditRows.count()).toBe(50);
    await page.getByRole('button', { name: 'さらに古いエントリ', exact: true }).click();
    await expect.poll(() => auditRows.count()).toBe(60);
    expect(await auditRows.last().innerText()).toContain('entry-0');
    expect(await page.locator('#audit-older').count()).toBe(0);
    await page.getByLabel('対象 ID').fill('entry-7');
    await page.getByRole('button', { name: '表示', exact: true }).click();
    await expect.poll(() => auditRows.count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await missingKeys(page)).toEqual([]);
  }, 240_000); // sign-in with a second factor, an add, a pull over TAXII, an edit, a disable and a removal on a loaded 2-core machine

  it('the hub admin publishes an NDA version and records an organisation’s NDA, edits an organisation, manages a sharing group, changes a person’s role and disables them, adds a person with a key and a password, approves a waiting subscription and adds and deletes one, switches a warninglist', async () => {
    const newcomer = await makeMember(hub, { name: 'Newcomer Bank', nda: false });
    const person = await hub.app.storage.db.selectFrom('users').select('name').where('id', '=', newcomer.userId).executeTakeFirstOrThrow();
    const watcher = await makeMember(hub, { name: 'Watcher Bank' });
    const renamed = await makeMember(hub, { name: 'Kaede Card Services' });
    const sub = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(watcher.key), payload: { name: 'brand watch', kind: 'asset', rule: { domains: ['not-mine.example'], keywords: [], cidrs: [] } } });
    expect(sub.json().enabled, sub.body).toBe(false); // beyond its declared assets: waits for the hub

    const page = await (await b.context({ locale: 'en-GB' })).newPage();
    await signIn(page, b.base, 'yui.admin', PASSWORD, () => totpAt(secret, Date.now() + 30_000 * step++));
    await page.getByRole('link', { name: 'Administration', exact: true }).click();
    const versions = page.locator('#nda-versions');
    // The hub starts with the first version; the admin publishes a second, which is then the default to record.
    await expect.poll(() => versions.locator('li').count()).toBe(1);
    await versions.getByLabel(/^Version/).fill('2027-1');
    await versions.getByLabel('Title', { exact: true }).fill('Fusion centre NDA, second edition');
    await versions.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => versions.locator('li').first().innerText()).toMatch(/^2027-1 Fusion centre NDA, second edition published /);
    await versions.getByLabel(/^Version/).fill('2027-1');
    await versions.getByLabel('Title', { exact: true }).fill('again');
    await versions.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => versions.getByRole('alert').innerText()).toMatch(/^This conflicts with what exists\.\s+NDA version 2027-1 exists$/);
    expect(await versions.locator('li').count()).toBe(2);

    const orgRow = page.locator('table tbody tr').filter({ hasText: 'Newcomer Bank' });
    expect(await orgRow.innerText()).toContain('not yet');
    await orgRow.getByRole('button', { name: 'Record NDA', exact: true }).click();
    await orgRow.getByLabel('Signed by').selectOption({ label: person.name });
    await orgRow.getByRole('button', { name: 'Record NDA', exact: true }).click();
    await expect.poll(() => orgRow.innerText()).not.toContain('not yet');
    const org = (await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${newcomer.org.id}`, headers: as(hub.adminKey) })).json();
    expect(org.nda_accepted_at).toBeTruthy();
    const history = (await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${newcomer.org.id}/nda`, headers: as(hub.adminKey) })).json().items;
    expect(history).toMatchObject([{ version: '2027-1', signer_user_id: newcomer.userId, recorded_by: admin.userId }]);

    // An organisation edited on screen: a name already taken is refused with the API's reason, then a new name,
    // another sector and the TLP its shares take by default are saved.
    const kaede = page.locator('table tbody tr').filter({ hasText: 'Kaede Card Services' });
    await kaede.getByRole('button', { name: 'Edit Kaede Card Services', exact: true }).click();
    const orgForm = page.locator('#org-edit');
    await orgForm.getByLabel('Name', { exact: true }).fill('Watcher Bank');
    await orgForm.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => orgForm.getByRole('alert').innerText()).toContain('an organisation named "Watcher Bank" exists');
    await orgForm.getByLabel('Name', { exact: true }).fill('Kaede Payments');
    await orgForm.getByLabel('Sector', { exact: true }).selectOption('telecom');
    await orgForm.getByLabel('TLP of its shares when they name none').selectOption('green');
    expect(await accessibilityProblems(page)).toEqual([]);
    await orgForm.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('#org-saved').innerText()).toBe('Saved: Kaede Payments');
    expect(await page.locator('#org-edit').count()).toBe(0);
    await expect.poll(() => page.locator('table tbody tr').filter({ hasText: 'Kaede Payments' }).innerText()).toContain('telecommunications');
    const edited = (await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${renamed.org.id}`, headers: as(hub.adminKey) })).json();
    expect(edited).toMatchObject({ name: 'Kaede Payments', kind: 'industry', sector: 'telecom', default_tlp: 'green' });
    const orgAudit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'org.update').where('target_id', '=', renamed.org.id).execute();
    expect(orgAudit).toEqual([{ action: 'org.update', details: { name: 'Kaede Payments', sector: 'telecom', defaultTlp: 'green' } }]);

    // Sharing groups: created on screen, the hub's own organisation joins at once, another is invited (it joins when
    // its admin accepts), the invitation is withdrawn and the member removed; the API agrees at each step.
    await page.getByRole('link', { name: 'Sharing groups', exact: true }).click();
    await page.getByLabel('New group name').fill('Card fraud circle');
    await page.getByLabel('Confidential (members do not see each other)').check();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const circle = page.locator('section.group[data-group="Card fraud circle"]');
    await expect.poll(() => circle.innerText()).toMatch(/Card fraud circle\s*confidential[\s\S]*No members yet\./);
    await circle.getByLabel('Add member').selectOption({ label: 'Fusion Centre Administration' });
    await circle.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect.poll(() => circle.locator('ul.members').innerText()).toContain('Fusion Centre Administration');
    await circle.getByLabel('Add member').selectOption({ label: 'Watcher Bank' });
    await circle.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect.poll(() => circle.locator('ul.invited').innerText()).toContain('Watcher Bank');
    expect(await accessibilityProblems(page)).toEqual([]);
    const groupId = ((await hub.server.inject({ method: 'GET', url: '/api/v1/groups', headers: as(hub.adminKey) })).json().items as { id: string; name: string }[]).find((g) => g.name === 'Card fraud circle')!.id;
    const group = () => hub.server.inject({ method: 'GET', url: `/api/v1/groups/${groupId}`, headers: as(hub.adminKey) }).then((r) => r.json());
    expect(await group()).toMatchObject({ confidential: true, members: [{ id: admin.org.id }], invited: [{ id: watcher.org.id }] });
    await circle.getByRole('button', { name: 'Withdraw the invitation of Watcher Bank', exact: true }).click();
    await expect.poll(() => circle.locator('ul.invited').count()).toBe(0);
    await circle.getByRole('button', { name: 'Remove Fusion Centre Administration', exact: true }).click();
    await expect.poll(() => circle.innerText()).toContain('No members yet.');
    expect(await group()).toMatchObject({ members: [], invited: [] });
    await b.shot(page, '6-admin-sharing-groups');

    await page.getByRole('link', { name: 'People and keys', exact: true }).click();
    await page.getByLabel('Organisation', { exact: true }).selectOption({ label: 'Newcomer Bank' });
    const card = page.locator('section.card').filter({ hasText: person.name });
    await expect.poll(() => card.locator('h2').innerText()).toBe(`${person.name} · Member analyst`);
    await card.getByLabel('Role', { exact: true }).selectOption('org_admin');
    await card.getByRole('button', { name: 'Change role', exact: true }).click();
    await expect.poll(() => card.locator('h2').innerText()).toBe(`${person.name} · Organisation administrator`);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/objects`, headers: as(newcomer.key) })).statusCode).toBe(200);
    await card.getByRole('button', { name: 'Disable', exact: true }).click();
    await expect.poll(() => card.locator('h2').innerText()).toMatch(/Organisation administrator\s*disabled since/);
    const user = (await hub.server.inject({ method: 'GET', url: `/api/v1/users/${newcomer.userId}`, headers: as(hub.adminKey) })).json();
    expect(user).toMatchObject({ role: 'org_admin' });
    expect(user.disabled_at).toBeTruthy();
    // A disabled person's key no longer opens anything.
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/objects`, headers: as(newcomer.key) })).statusCode).toBe(401);
    expect(await card.getByRole('button', { name: 'Enable again', exact: true }).count()).toBe(1);

    // A new person: added, given an API key (shown once, and it works) and a password.
    await page.getByLabel('Organisation', { exact: true }).selectOption({ label: 'Watcher Bank' });
    const addPerson = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Add a person', exact: true }) });
    await addPerson.getByLabel('Name', { exact: true }).fill('Hana Ito');
    await addPerson.getByRole('button', { name: 'Add', exact: true }).click();
    const hana = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Hana Ito · Member analyst', exact: true }) });
    await expect.poll(() => hana.count()).toBe(1);
    await hana.getByRole('button', { name: 'New API key', exact: true }).click();
    const shownKey = (await hana.locator('.secret').innerText()).trim();
    const me = await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(shownKey) });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().org_id).toBe(watcher.org.id);
    await hana.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await hana.getByRole('button', { name: 'Set password', exact: true }).click();
    await expect.poll(() => hana.getByRole('status').filter({ hasText: 'Password set; their sessions ended.' }).count()).toBe(1);
    const signedIn = await hub.server.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'hana.ito', password: 'a long enough passphrase' } });
    expect(signedIn.statusCode, signedIn.body).toBeLessThan(300);

    await page.getByRole('link', { name: 'Subscriptions', exact: true }).click();
    const approvals = page.locator('#approvals');
    const waiting = approvals.locator('li').filter({ hasText: 'Watcher Bank' });
    await expect.poll(() => waiting.innerText()).toMatch(/Watcher Bank · brand watch[\s\S]*Watches beyond the declared assets: not-mine\.example/);
    expect(await accessibilityProblems(page)).toEqual([]);
    await waiting.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => approvals.innerText()).toContain('No subscription is waiting.');
    const approved = (await hub.server.inject({ method: 'GET', url: `/api/v1/subscriptions/${sub.json().id}`, headers: as(watcher.key) })).json();
    expect(approved.enabled).toBe(true);

    // The hub's own subscriptions: an asset watch made from the terms typed, then deleted.
    const own = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Subscriptions', exact: true }) });
    await own.getByLabel('Name', { exact: true }).fill('Kaede brand watch');
    await own.getByLabel(/^Domains, keywords or address ranges/).fill('kaede.example, kaede 203.0.113.0/24');
    await own.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => own.locator('ul.list').innerText()).toContain('Kaede brand watch');
    const mine = ((await hub.server.inject({ method: 'GET', url: '/api/v1/subscriptions', headers: as(admin.key) })).json().items as { id: string; name: string; rule: unknown }[]).find((x) => x.name === 'Kaede brand watch');
    expect(mine?.rule).toMatchObject({ domains: ['kaede.example'], keywords: ['kaede'], cidrs: ['203.0.113.0/24'] });
    await own.locator('li').filter({ hasText: 'Kaede brand watch' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => own.locator('ul.list').innerText()).not.toContain('Kaede brand watch');

    // Warninglists: one switched off and on again on screen, as the API then says.
    const lists = () => hub.server.inject({ method: 'GET', url: '/api/v1/warninglists', headers: as(hub.adminKey) }).then((r) => r.json().items as { slug: string; name: string; enabled: boolean }[]);
    const first = (await lists()).find((w) => w.enabled)!;
    await page.getByRole('link', { name: 'Warninglists', exact: true }).click();
    const box = page.locator('li').filter({ hasText: first.name }).getByRole('checkbox');
    await box.click();
    await expect.poll(async () => (await lists()).find((w) => w.slug === first.slug)!.enabled).toBe(false);
    await expect.poll(() => box.isChecked()).toBe(false);
    await box.click();
    await expect.poll(async () => (await lists()).find((w) => w.slug === first.slug)!.enabled).toBe(true);
    expect(await missingKeys(page)).toEqual([]);
    await b.shot(page, '6-admin-subscription-approvals');

    const audit = await hub.app.storage.db.selectFrom('audit_log').select('action').where('actor_user_id', '=', admin.userId).where('action', 'in', ['nda.publish', 'user.update', 'subscription.approve']).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['nda.publish', 'user.update', 'user.update', 'subscription.approve']);
  }, 240_000);
});
