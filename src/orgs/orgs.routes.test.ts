import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { as, makeMember, startHub, type TestHub } from '../../test/support/app.ts';

describeStorage('organisations, users and keys over the API', (backend) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub(backend);
  });
  afterAll(() => hub.close());

  it('creates an organisation, a user and a key with the bootstrap key; revoking the key makes the next request 401', async () => {
    const org = await hub.server.inject({ method: 'POST', url: '/api/v1/orgs', headers: as(hub.adminKey), payload: { name: 'Sakura Bank', kind: 'industry', sector: 'finance', country: 'JP' } });
    expect(org.statusCode).toBe(201);
    const orgId = org.json().id as string;
    const user = await hub.server.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/users`, headers: as(hub.adminKey), payload: { name: 'analyst', role: 'member', email: 'a@sakura.example' } });
    expect(user.statusCode).toBe(201);
    const userId = user.json().id as string;
    const key = await hub.server.inject({ method: 'POST', url: `/api/v1/users/${userId}/keys`, headers: as(hub.adminKey), payload: { name: 'laptop' } });
    expect(key.statusCode).toBe(201);
    const { key: secret, id: keyId, prefix } = key.json() as { key: string; id: string; prefix: string };
    expect(secret.startsWith(`${prefix}_`)).toBe(true);

    const me = await hub.server.inject({ method: 'GET', url: `/api/v1/users/${userId}`, headers: as(secret) });
    expect(me.statusCode).toBe(200);
    expect(me.json().org_id).toBe(orgId);

    const listed = await hub.server.inject({ method: 'GET', url: `/api/v1/users/${userId}/keys`, headers: as(secret) });
    expect(JSON.stringify(listed.json())).not.toContain(secret.slice('ks_0123456789_'.length));
    expect(listed.json().items[0]).not.toHaveProperty('hash');

    const revoked = await hub.server.inject({ method: 'DELETE', url: `/api/v1/users/${userId}/keys/${keyId}`, headers: as(secret) });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).not.toBeNull();
    const after = await hub.server.inject({ method: 'GET', url: `/api/v1/users/${userId}`, headers: as(secret) });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthorized');
  });

  it('refuses members on admin endpoints and hides other organisations\' users as 404', async () => {
    const a = await makeMember(hub);
    const b = await makeMember(hub);
    const create = await hub.server.inject({ method: 'POST', url: '/api/v1/orgs', headers: as(a.key), payload: { name: 'Evil', kind: 'academia' } });
    expect(create.statusCode).toBe(403);
    const other = await hub.server.inject({ method: 'GET', url: `/api/v1/users/${b.userId}`, headers: as(a.key) });
    expect(other.statusCode).toBe(404);
    const keyOfOther = await hub.server.inject({ method: 'POST', url: `/api/v1/users/${b.userId}/keys`, headers: as(a.key), payload: {} });
    expect(keyOfOther.statusCode).toBe(404);
    const usersOfOther = await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${b.org.id}/users`, headers: as(a.key) });
    expect(usersOfOther.statusCode).toBe(404);
  });

  it('answers bad input with 4xx and a clear error body', async () => {
    const cases = [
      { payload: '{"name": "x", ', type: 'application/json', status: 400, code: 'bad_request' },
      { payload: JSON.stringify({ name: 'x', kind: 'industry' }), type: 'application/json', status: 400, code: 'validation_failed' },
      { payload: JSON.stringify({ name: 'x', kind: 'bank' }), type: 'application/json', status: 400, code: 'validation_failed' },
      { payload: JSON.stringify({ name: 'x', kind: 'academia', surprise: true }), type: 'application/json', status: 400, code: 'validation_failed' },
      { payload: JSON.stringify({ name: 42, kind: 'academia' }), type: 'application/json', status: 400, code: 'validation_failed' },
      { payload: JSON.stringify({ name: 'x'.repeat(2_000_000), kind: 'academia' }), type: 'application/json', status: 413, code: 'payload_too_large' },
    ];
    for (const c of cases) {
      const r = await hub.server.inject({ method: 'POST', url: '/api/v1/orgs', headers: { ...as(hub.adminKey), 'content-type': c.type }, payload: c.payload });
      expect(r.statusCode, c.payload.slice(0, 60)).toBe(c.status);
      expect(r.json().error.code).toBe(c.code);
      expect(r.json().error.message.length).toBeGreaterThan(5);
    }
    const noKey = await hub.server.inject({ method: 'GET', url: '/api/v1/orgs' });
    expect(noKey.statusCode).toBe(401);
    const badKey = await hub.server.inject({ method: 'GET', url: '/api/v1/orgs', headers: as('ks_aaaaaaaaaa_' + 'b'.repeat(43)) });
    expect(badKey.statusCode).toBe(401);
    const unknown = await hub.server.inject({ method: 'GET', url: '/api/v1/orgs/00000000-0000-4000-8000-000000000000', headers: as(hub.adminKey) });
    expect(unknown.statusCode).toBe(404);
    const notUuid = await hub.server.inject({ method: 'GET', url: "/api/v1/orgs/1'%20or%201=1--", headers: as(hub.adminKey) });
    expect(notUuid.statusCode).toBe(400);
  });

  it('stores injection strings as plain text', async () => {
    const name = `Robert'); DROP TABLE orgs;-- <script>alert(1)</script>`;
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/orgs', headers: as(hub.adminKey), payload: { name, kind: 'academia' } });
    expect(r.statusCode).toBe(201);
    const back = await hub.server.inject({ method: 'GET', url: `/api/v1/orgs/${r.json().id}`, headers: as(hub.adminKey) });
    expect(back.json().name).toBe(name);
    expect(back.headers['content-type']).toContain('application/json');
  });

  it('records NDA acceptance with date, version and signer (the full rule: test/auth/nda.test.ts)', async () => {
    const m = await makeMember(hub, { nda: false });
    expect(m.org.nda_accepted_at).toBeNull();
    // Whole seconds: the stored time may be rounded; the acceptance is dated while the request ran.
    const before = Math.floor(Date.now() / 1000) * 1000;
    const r = await hub.server.inject({ method: 'POST', url: `/api/v1/orgs/${m.org.id}/nda`, headers: as(hub.adminKey), payload: { signer_user_id: m.userId } });
    const after = Date.now();
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ nda_accepted_by: m.userId, nda_version: '2026-1' });
    const at = Date.parse(r.json().nda_accepted_at);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
  });
});
