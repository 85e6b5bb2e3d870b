import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';

describeStorage('issue 10.7: only an organisation’s admin or the hub records its NDA, by version and signer, kept as history', (backend) => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startHub(backend);
  });
  afterAll(async () => hub?.close());

  async function colleague(of: TestMember, role: 'member' | 'org_admin' = 'member'): Promise<TestMember> {
    const user = await hub.app.orgs.addUser(null, of.org.id, { name: `colleague-${role}`, role });
    const key = await hub.app.orgs.createKey(null, user.id, 'test');
    return { org: of.org, userId: user.id, key: key.key };
  }
  const post = (key: string, orgId: string, payload: unknown) => hub.server.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/nda`, headers: as(key), payload: payload as Record<string, unknown> });
  const ndaOf = async (orgId: string) => (await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}`, headers: as(hub.adminKey) })).json();

  it('a plain member cannot record its organisation’s NDA, nor give a free-text signer; another organisation cannot at all', async () => {
    const m = await makeMember(hub, { nda: false });
    const self = await post(m.key, m.org.id, {});
    expect(self.statusCode).toBe(403);
    const freeText = await post(m.key, m.org.id, { accepted_by: 'CISO Tanaka' });
    expect(freeText.statusCode).toBe(400);
    const stranger = await makeMember(hub, { role: 'org_admin' });
    expect((await post(stranger.key, m.org.id, { signer_user_id: stranger.userId })).statusCode).toBe(404);
    expect((await ndaOf(m.org.id)).nda_accepted_at).toBeNull();
    // Still no NDA: the member reads CLEAR only.
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(m.key) })).json().nda_accepted).toBe(false);
  });

  it('the organisation’s org_admin records it (signer: itself by default, version: the newest); a new version is a new record, the old one kept', async () => {
    const admin = await makeMember(hub, { nda: false, role: 'org_admin' });
    const member = await colleague(admin);
    const first = await post(admin.key, admin.org.id, {});
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ nda_accepted_by: admin.userId, nda_version: '2026-1' });
    hub.app.auth.invalidate();
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(member.key) })).json().nda_accepted).toBe(true);

    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/ndas', headers: as(admin.key), payload: { version: '2027-1', title: 'v2' } })).statusCode).toBe(403);
    const published = await hub.server.inject({ method: 'POST', url: '/api/v1/ndas', headers: as(hub.adminKey), payload: { version: '2027-1', title: 'Kessetsu member NDA, second edition' } });
    expect(published.statusCode).toBe(201);
    const second = await post(admin.key, admin.org.id, { version: '2027-1', signer_user_id: member.userId });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ nda_accepted_by: member.userId, nda_version: '2027-1' });
    const history = await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${admin.org.id}/nda`, headers: as(member.key) });
    expect(history.json().items.map((h: { version: string; signer_user_id: string; recorded_by: string }) => [h.version, h.signer_user_id, h.recorded_by])).toEqual([
      ['2027-1', member.userId, admin.userId],
      ['2026-1', admin.userId, admin.userId],
    ]);
    const audit = await hub.app.storage.db.selectFrom('audit_log').select(['actor_user_id', 'details']).where('action', '=', 'org.nda_accept').where('target_id', '=', admin.org.id).orderBy('seq').execute();
    expect(audit.map((a) => [a.actor_user_id, (a.details as { version: string }).version, (a.details as { signerUserId: string }).signerUserId])).toEqual([
      [admin.userId, '2026-1', admin.userId],
      [admin.userId, '2027-1', member.userId],
    ]);
  });

  it('the signer must be an enabled user of that organisation, and the version a published one', async () => {
    const admin = await makeMember(hub, { nda: false, role: 'org_admin' });
    const outsider = await makeMember(hub);
    expect((await post(admin.key, admin.org.id, { signer_user_id: outsider.userId })).json().error.details).toMatchObject({ field: 'signer_user_id' });
    expect((await post(admin.key, admin.org.id, { version: 'no-such-version' })).json().error.details).toMatchObject({ field: 'version' });
    expect((await ndaOf(admin.org.id)).nda_accepted_at).toBeNull();
  });

  it('the hub’s admin records any organisation’s NDA, naming its signer', async () => {
    const m = await makeMember(hub, { nda: false });
    const noSigner = await post(hub.adminKey, m.org.id, {});
    expect(noSigner.statusCode).toBe(400);
    expect(noSigner.json().error.details).toMatchObject({ field: 'signer_user_id' });
    const ok = await post(hub.adminKey, m.org.id, { signer_user_id: m.userId, version: '2026-1' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ nda_accepted_by: m.userId, nda_version: '2026-1' });
  });
});
