import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import { API, indicator, listen, share } from '../../test/support/taxii.ts';
import { MEMBERS_COLLECTION_ID } from './taxii.collections.ts';

// The hub admin's TAXII remotes over HTTP (issue 13, admin screen): list, add, remove, pull now; admin only,
// audited, the key never answered. The remote pulled is this hub's own members collection, read with the key of
// a partner account, so a pull really crosses TAXII over loopback.
describeStorage('TAXII remotes over HTTP', (backend) => {
  let hub: TestHub;
  let base: string;
  let sharer: TestMember;
  let partner: TestMember;
  let member: TestMember;
  const secretKey = () => partner.key;

  const inject = (key: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => hub.server.inject({ method, url, headers: as(key), ...(payload ? { payload } : {}) });
  const auditOf = (action: string) => hub.app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();

  beforeAll(async () => {
    // The unreachable remote below is retried three times: 10 ms, 20 ms, 40 ms apart instead of 1 s, 2 s, 4 s.
    hub = await startHub(backend, { KESSETSU_TAXII_RETRY_BACKOFF_MS: '10' });
    base = await listen(hub);
    sharer = await makeMember(hub, { name: 'Sharer Bank' });
    partner = await makeMember(hub, { name: 'Foreign CERT', kind: 'international_partner' });
    member = await makeMember(hub, { name: 'Plain Bank' });
    await share(hub, sharer, [indicator('remote pull one'), indicator('remote pull two')], 'green');
  }, 120_000);
  afterAll(async () => hub?.close());

  it('refuses everyone but the hub admin', async () => {
    expect((await inject(member.key, 'GET', '/api/v1/taxii/remotes')).statusCode).toBe(403);
    const add = await inject(member.key, 'POST', '/api/v1/taxii/remotes', { name: 'sneaky', url: 'https://peer.example/taxii2/api/collections/x/', partner_org_id: partner.org.id });
    expect(add.statusCode).toBe(403);
    expect(add.json().error.code).toBe('forbidden');
    expect((await inject(member.key, 'POST', '/api/v1/taxii/remotes/sneaky/pull')).statusCode).toBe(403);
  });

  it('adds a remote, never answering or auditing its key; lists it; names bad input', async () => {
    const url = `${base}${API}/collections/${MEMBERS_COLLECTION_ID}`;
    const res = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes', { name: 'cert-peer', url, partner_org_id: partner.org.id, username: partner.userId, key: secretKey(), default_tlp: 'green', max_tlp: 'amber' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain(secretKey());
    expect(res.json()).toMatchObject({ name: 'cert-peer', collection_url: `${url}/`, auth: 'basic', credentials: 'set', partner_org_id: partner.org.id, default_tlp: 'green', last_pull_at: null });
    const list = await inject(hub.adminKey, 'GET', '/api/v1/taxii/remotes');
    expect(list.json().items.map((r: { name: string }) => r.name)).toEqual(['cert-peer']);
    expect(list.body).not.toContain(secretKey());
    const audit = await auditOf('taxii.remote.add');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain(secretKey());

    const bad = async (body: object, code: string, message: RegExp) => {
      const r = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes', { name: 'other', url, partner_org_id: partner.org.id, ...body });
      expect(r.json().error.code, r.body).toBe(code);
      expect(r.json().error.message).toMatch(message);
    };
    await bad({ name: 'cert-peer' }, 'conflict', /exists already/);
    await bad({ url: 'ftp://peer.example/x/' }, 'validation_failed', /not http or https/);
    await bad({ url: 'https://user:pw@peer.example/x/' }, 'validation_failed', /credentials/);
    await bad({ partner_org_id: '00000000-0000-4000-8000-000000000000' }, 'validation_failed', /partner: no organisation/);
    await bad({ default_tlp: 'red', max_tlp: 'amber' }, 'validation_failed', /above the agreed maximum/);
    await bad({ auth: 'bearer' }, 'validation_failed', /needs a key/);
    await bad({ name: 'bad name!' }, 'validation_failed', /name/);
  });

  it('pulls now over TAXII: the objects arrive as the partner’s contributions; a second pull fetches nothing new', async () => {
    const first = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/cert-peer/pull');
    expect(first.statusCode, first.body).toBe(200);
    const out = first.json();
    expect(out.ok, first.body).toBe(true);
    expect(out.report.stored).toBeGreaterThanOrEqual(2);
    expect(out.remote.last_pull_count).toBe(out.report.stored);
    expect(out.remote.last_error).toBeNull();
    const mine = await hub.app.storage.db.selectFrom('contributions').select('tlp').where('org_id', '=', partner.org.id).execute();
    expect(mine.length).toBe(out.report.stored);
    const again = (await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/cert-peer/pull')).json();
    expect(again.ok).toBe(true);
    expect(again.report.stored).toBe(0);
    expect((await auditOf('taxii.remote.pull')).map((a) => (a.details as { name: string }).name)).toEqual(['cert-peer', 'cert-peer']);
  });

  it('a remote that cannot be reached is an outcome kept on the remote, not a failed request', async () => {
    const add = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes', { name: 'gone-peer', url: 'http://127.0.0.1:9/taxii2/api/collections/x/', partner_org_id: partner.org.id });
    expect(add.statusCode, add.body).toBe(201);
    const res = await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/gone-peer/pull');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, remote: { name: 'gone-peer' } });
    expect(res.json().error).toBeTruthy();
    expect(res.json().remote.last_error).toBe(res.json().error);
  });

  it('removes a remote by name; an unknown one is 404', async () => {
    expect((await inject(hub.adminKey, 'DELETE', '/api/v1/taxii/remotes/gone-peer')).statusCode).toBe(204);
    expect((await inject(hub.adminKey, 'DELETE', '/api/v1/taxii/remotes/gone-peer')).statusCode).toBe(404);
    expect((await inject(hub.adminKey, 'POST', '/api/v1/taxii/remotes/gone-peer/pull')).json().error.code).toBe('not_found');
    expect((await inject(hub.adminKey, 'GET', '/api/v1/taxii/remotes')).json().items.map((r: { name: string }) => r.name)).toEqual(['cert-peer']);
    expect(await auditOf('taxii.remote.remove')).toHaveLength(1);
  });
});
