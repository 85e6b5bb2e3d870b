import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import { API, indicator, listen, share } from '../../test/support/taxii.ts';
import { dueRemotes, savePushCursor } from './remotes.repository.ts';
import { MEMBERS_COLLECTION_ID } from './taxii.collections.ts';

// Issue 13, admin screen: a hub admin edits a TAXII remote (URL, partner, credentials, TLPs, schedule) and
// enables or disables it. Admin only, audited, the key write-only. The remote is this hub's own members
// collection read with a partner account's key, so a changed key really decides whether a pull gets in.
describeStorage('TAXII remotes: edit, enable, disable over HTTP', (backend) => {
  let hub: TestHub;
  let base: string;
  let url: string;
  let partner: TestMember;
  let member: TestMember;
  let analyst: TestMember;
  let partnerAdmin: TestMember;
  let id = '';

  const inject = (key: string, method: 'GET' | 'POST' | 'PATCH', path: string, payload?: object) => hub.server.inject({ method, url: path, headers: as(key), ...(payload ? { payload } : {}) });
  const patch = (body: object, ref = 'peer', key = hub.adminKey) => inject(key, 'PATCH', `/api/v1/taxii/remotes/${ref}`, body);
  const auditOf = (action: string) => hub.app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();
  // Whether the scheduler would pull the remote if it had never been pulled, asked inside a transaction that is
  // rolled back, so the scheduler running beside the test never sees the remote due.
  const dueIfNeverPulled = async (): Promise<boolean> => {
    let due = false;
    await hub.app.storage.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('taxii_remotes').set({ last_pull_at: null, interval_seconds: 60 }).where('id', '=', id).execute();
        due = (await dueRemotes(trx)).some((r) => r.id === id);
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).toBe('roll back'));
    return due;
  };
  const stored = () => hub.app.storage.db.selectFrom('taxii_remotes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    hub = await startHub(backend);
    base = await listen(hub);
    url = `${base}${API}/collections/${MEMBERS_COLLECTION_ID}/`;
    const sharer = await makeMember(hub, { name: 'Sharer Bank' });
    partner = await makeMember(hub, { name: 'Foreign CERT', kind: 'international_partner' });
    member = await makeMember(hub, { name: 'Plain Bank' });
    analyst = await makeMember(hub, { name: 'Hub Analysts', kind: 'hub' });
    // The partner organisation's own admin: an admin, but of another organisation than the hub.
    partnerAdmin = await makeMember(hub, { name: 'Other CERT', kind: 'international_partner', role: 'org_admin' });
    await share(hub, sharer, [indicator('edit remote one'), indicator('edit remote two')], 'green');
    const add = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes', { name: 'peer', url, partner_org_id: partner.org.id, username: partner.userId, key: partner.key, default_tlp: 'green', max_tlp: 'amber' });
    expect(add.statusCode, add.body).toBe(201);
    id = add.json().id;
    // Pulled once now, so a schedule set below is not due for a while: the server's scheduler runs in these tests.
    expect((await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/pull')).json().ok).toBe(true);
  }, 120_000);
  afterAll(async () => hub?.close());

  it('refuses a member, a hub analyst and another organisation’s admin, and changes nothing', async () => {
    const before = await stored();
    for (const who of [member, analyst, partnerAdmin]) {
      for (const res of [await patch({ interval_seconds: 60 }, 'peer', who.key), await inject(who.key, 'POST', '/api/v1/taxii/remotes/peer/disable'), await inject(who.key, 'POST', '/api/v1/taxii/remotes/peer/enable')]) {
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
      }
    }
    expect(await stored()).toEqual(before);
    expect(await auditOf('taxii.remote.update')).toHaveLength(0);
    expect(await auditOf('taxii.remote.disable')).toHaveLength(0);
  });

  it('changes the schedule and TLPs, answers the new settings and audits what changed', async () => {
    const res = await patch({ interval_seconds: 3600, default_tlp: 'clear', max_tlp: 'green' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'peer', interval_seconds: 3600, default_tlp: 'clear', max_tlp: 'green', auth: 'basic', credentials: 'set', enabled: true });
    const listed = (await inject(hub.adminKey, 'GET', '/api/v1/taxii/remotes')).json().items[0];
    expect(listed).toMatchObject({ interval_seconds: 3600, default_tlp: 'clear', max_tlp: 'green' });
    const audit = await auditOf('taxii.remote.update');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.target_id).toBe(id);
    expect(audit[0]!.details).toEqual({ name: 'peer', changes: { interval_seconds: { from: 0, to: 3600 }, default_tlp: { from: 'green', to: 'clear' }, max_tlp: { from: 'amber', to: 'green' } } });
    // The same values again change nothing and write no audit entry.
    expect((await patch({ interval_seconds: 3600 })).statusCode).toBe(200);
    expect(await auditOf('taxii.remote.update')).toHaveLength(1);
  });

  it('replaces the key write-only: never answered nor audited, and the pull uses the new one', async () => {
    const wrong = 'not-the-partner-key-' + 'x'.repeat(24);
    const res = await patch({ key: wrong });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain(wrong);
    expect(res.json().credentials).toBe('set');
    expect((await stored()).secret).toBe(wrong);
    const pulled = (await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/pull')).json();
    expect(pulled.ok, JSON.stringify(pulled)).toBe(false);
    expect(pulled.error).toMatch(/401/);

    expect((await patch({ key: partner.key, max_tlp: 'amber' })).statusCode).toBe(200);
    const again = (await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/pull')).json();
    expect(again.ok, JSON.stringify(again)).toBe(true);
    expect(again.remote.last_error).toBeNull();
    const audit = await auditOf('taxii.remote.update');
    expect(audit.slice(-2).map((a) => (a.details as { changes: { key?: string } }).changes.key)).toEqual(['replaced', 'replaced']);
    const text = JSON.stringify(audit);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(partner.key);
  });

  it('a new collection URL starts pull and push state again; a new partner must exist', async () => {
    await savePushCursor(hub.app.storage.db, id, MEMBERS_COLLECTION_ID, 'cursor-1', 3);
    expect((await stored()).added_after).not.toBeNull();
    const moved = `${base}${API}/collections/${MEMBERS_COLLECTION_ID}`; // the same collection, written without the slash
    expect((await patch({ url: moved })).json().added_after).not.toBeNull(); // normalised to the same URL: nothing restarts
    const other = 'https://peer.example/taxii2/api/collections/0c9d52c5-58a7-4e51-9d44-4a6cfb2b6d6a';
    // Manual pulls only from here: a new URL makes the remote due at once, and the scheduler runs beside the test.
    const res = await patch({ url: other, partner_org_id: member.org.id, interval_seconds: 0 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ collection_url: `${other}/`, partner_org_id: member.org.id, added_after: null, last_pull_at: null, last_pull_count: null, last_error: null });
    expect(await hub.app.storage.db.selectFrom('taxii_push_state').selectAll().where('remote_id', '=', id).execute()).toEqual([]);
    const back = await patch({ url, partner_org_id: partner.org.id });
    expect(back.json()).toMatchObject({ collection_url: url, partner_org_id: partner.org.id });
  });

  it('switches credentials: to none drops the key; back to basic or to bearer needs a new key', async () => {
    const none = await patch({ auth: 'none' });
    expect(none.json()).toMatchObject({ auth: 'none', credentials: 'none', username: null });
    expect((await stored()).secret).toBeNull();
    const needs = await patch({ auth: 'basic' });
    expect(needs.statusCode).toBe(400);
    expect(needs.json().error.message).toMatch(/auth basic needs a new key: the stored one was for none/);
    const basic = await patch({ auth: 'basic', username: partner.userId, key: partner.key });
    expect(basic.json()).toMatchObject({ auth: 'basic', credentials: 'set', username: partner.userId });
    const bearer = await patch({ auth: 'bearer' });
    expect(bearer.json().error.message).toMatch(/auth bearer needs a new key: the stored one was for basic/);
    expect((await stored()).auth).toBe('basic');
    const changes = (await auditOf('taxii.remote.update')).map((a) => (a.details as { changes: Record<string, unknown> }).changes);
    expect(changes.find((c) => c.key === 'removed')).toMatchObject({ auth: { from: 'basic', to: 'none' } });
  });

  it('names bad input with a clear 4xx and leaves the remote as it was', async () => {
    await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes', { name: 'second', url: 'https://second.example/taxii2/api/collections/x/', partner_org_id: partner.org.id });
    const before = await stored();
    const bad = async (body: object, status: number, code: string, message: RegExp, ref = 'peer') => {
      const r = await patch(body, ref);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().error.code, r.body).toBe(code);
      expect(r.json().error.message).toMatch(message);
    };
    await bad({}, 400, 'validation_failed', /fewer than 1 properties|minProperties|at least 1/i);
    await bad({ enabled: false }, 400, 'validation_failed', /additional/i);
    await bad({ url: 'ftp://peer.example/x/' }, 400, 'validation_failed', /not http or https/);
    await bad({ url: 'https://user:pw@peer.example/x/' }, 400, 'validation_failed', /credentials/);
    await bad({ url: 'not a url' }, 400, 'validation_failed', /not a URL/);
    await bad({ partner_org_id: '00000000-0000-4000-8000-000000000000' }, 400, 'validation_failed', /partner: no organisation/);
    await bad({ partner_org_id: 'Foreign CERT' }, 400, 'validation_failed', /partner_org_id/);
    await bad({ default_tlp: 'red' }, 400, 'validation_failed', /above the agreed maximum/);
    await bad({ default_tlp: 'purple' }, 400, 'validation_failed', /default_tlp/);
    await bad({ interval_seconds: -1 }, 400, 'validation_failed', /interval_seconds/);
    await bad({ interval_seconds: 604_801 }, 400, 'validation_failed', /interval_seconds/);
    await bad({ name: 'bad name!' }, 400, 'validation_failed', /name: 1 to 64/);
    await bad({ name: 'second' }, 409, 'conflict', /exists already/);
    await bad({ username: 'someone' }, 400, 'validation_failed', /auth none takes no user name/, 'second');
    await bad({ key: 'k'.repeat(20) }, 400, 'validation_failed', /auth none takes no key/, 'second');
    await bad({ interval_seconds: 60 }, 404, 'not_found', /no TAXII remote "missing"/, 'missing');
    expect(await stored()).toEqual(before);
    // Renaming works, and the new name is the reference from then on.
    expect((await patch({ name: 'peer-renamed' })).json().name).toBe('peer-renamed');
    expect((await patch({ name: 'peer' }, 'peer-renamed')).json().name).toBe('peer');
  });

  it('a disabled remote is kept but pulled neither on its schedule nor by hand; enabling it again restores both', async () => {
    expect(await dueIfNeverPulled()).toBe(true);
    const off = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/disable');
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ name: 'peer', enabled: false });
    expect((await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/disable')).json().enabled).toBe(false);
    expect(await dueIfNeverPulled()).toBe(false);
    const pull = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/pull');
    expect(pull.statusCode).toBe(409);
    expect(pull.json().error).toMatchObject({ code: 'conflict', message: 'the remote peer is disabled: enable it before pulling' });
    // Edits are still possible while disabled.
    expect((await patch({ default_tlp: 'green' })).json()).toMatchObject({ enabled: false, default_tlp: 'green' });

    const on = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/enable');
    expect(on.json()).toMatchObject({ name: 'peer', enabled: true });
    expect(await dueIfNeverPulled()).toBe(true);
    expect((await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/peer/pull')).json().ok).toBe(true);
    // One entry per real change: the second disable changed nothing.
    expect((await auditOf('taxii.remote.disable')).map((a) => a.target_id)).toEqual([id]);
    expect((await auditOf('taxii.remote.enable')).map((a) => a.target_id)).toEqual([id]);
    expect((await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/missing/enable')).statusCode).toBe(404);
  });
});
