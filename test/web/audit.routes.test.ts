import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

describeStorage('audit log for the admin page', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend);
    member = await makeMember(hub, { name: 'Sakura Bank' });
  });
  afterAll(() => hub?.close());

  it('lists entries newest first for admins only, pages by sequence, and verifies the chain', async () => {
    const page = await hub.server.inject({ method: 'GET', url: '/api/v1/audit?limit=2', headers: as(hub.adminKey) });
    expect(page.statusCode, page.body).toBe(200);
    const items = page.json().items as { seq: number; action: string }[];
    expect(items).toHaveLength(2);
    expect(items[0]!.seq).toBeGreaterThan(items[1]!.seq);
    const next = await hub.server.inject({ method: 'GET', url: `/api/v1/audit?limit=2&before=${page.json().next}`, headers: as(hub.adminKey) });
    expect((next.json().items as { seq: number }[])[0]!.seq).toBeLessThan(items[1]!.seq);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/audit', headers: as(member.key) })).statusCode).toBe(403);
    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/audit/verify', headers: as(member.key) })).statusCode).toBe(403);
    const verdict = await hub.server.inject({ method: 'POST', url: '/api/v1/audit/verify', headers: as(hub.adminKey) });
    expect(verdict.json()).toMatchObject({ ok: true });
    expect(verdict.json().entries).toBeGreaterThan(2);
  });
});
