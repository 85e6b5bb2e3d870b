import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { appendAudit } from '../../src/audit/audit.repository.ts';

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

  it('narrows by the start of an action, a target id or the acting organisation; wildcards are literal; bad filters are refused', async () => {
    await appendAudit(hub.app.storage.db, [
      { action: 'filter_test.read', actorOrgId: member.org.id, targetType: 'stix_object', targetId: 'indicator--one' },
      { action: 'filter_test.read', targetType: 'stix_object', targetId: 'indicator--two' },
      { action: 'filterXtest.read', targetType: 'stix_object', targetId: 'indicator--one' },
    ]);
    const list = async (query: string) => {
      const res = await hub.server.inject({ method: 'GET', url: `/api/v1/audit?${query}`, headers: as(hub.adminKey) });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as { action: string; target_id: string }[]).map((e) => `${e.action} ${e.target_id}`);
    };
    // "_" in an action is a character, not a wildcard: filterXtest is not filter_test.
    expect(await list('action=filter_test.')).toEqual(['filter_test.read indicator--two', 'filter_test.read indicator--one']);
    expect(await list('action=filter%25')).toEqual([]);
    expect(await list('target=indicator--one')).toEqual(['filterXtest.read indicator--one', 'filter_test.read indicator--one']);
    expect(await list(`org=${member.org.id}&action=filter`)).toEqual(['filter_test.read indicator--one']);
    const paged = await hub.server.inject({ method: 'GET', url: '/api/v1/audit?action=filter&limit=1', headers: as(hub.adminKey) });
    const next = await list(`action=filter&limit=5&before=${paged.json().next}`);
    expect(next).toEqual(['filter_test.read indicator--two', 'filter_test.read indicator--one']);
    for (const bad of ['org=not-a-uuid', `action=${'a'.repeat(101)}`, 'action=', 'actor=x']) {
      const res = await hub.server.inject({ method: 'GET', url: `/api/v1/audit?${bad}`, headers: as(hub.adminKey) });
      expect(res.statusCode, bad).toBe(400);
    }
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/audit?action=filter', headers: as(member.key) })).statusCode).toBe(403);
  });
});
