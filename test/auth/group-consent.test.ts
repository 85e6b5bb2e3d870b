import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';
import { uniqueBundle } from '../trust/world.ts';

describeStorage('issue 10.7: taking another organisation into a sharing group needs its consent', (backend) => {
  let hub: TestHub;
  let owner: TestMember;
  let n = 0;

  beforeAll(async () => {
    hub = await startHub(backend);
    owner = await makeMember(hub, { name: 'Owner Bank' });
  });
  afterAll(async () => hub?.close());

  async function colleague(of: TestMember, role: 'member' | 'org_admin'): Promise<TestMember> {
    const user = await hub.app.orgs.addUser(null, of.org.id, { name: `colleague-${role}-${++n}`, role });
    const key = await hub.app.orgs.createKey(null, user.id, 'test');
    return { org: of.org, userId: user.id, key: key.key };
  }
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string, payload?: object) => hub.server.inject({ method, url, headers: as(key), ...(payload ? { payload: payload as Record<string, unknown> } : {}) });
  async function shareToGroup(groupId: string): Promise<string> {
    const { bundle, indicatorId } = uniqueBundle(`10.77.${++n % 250}.${n % 200}`);
    const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&tlp=amber&groups=${groupId}`, headers: { ...as(owner.key), 'content-type': 'application/json' }, payload: JSON.stringify(bundle) });
    expect(r.statusCode, r.body).toBe(200);
    return indicatorId;
  }

  it('naming an organisation only invites it: it is no member, sees nothing shared to the group, until its admin accepts', async () => {
    const target = await makeMember(hub, { name: 'Target Telecom', sector: 'telecom' });
    const targetAdmin = await colleague(target, 'org_admin');
    const created = await call('POST', '/api/v1/groups', owner.key, { name: 'pushed', members: [owner.org.id, target.org.id] });
    expect(created.statusCode, created.body).toBe(201);
    const group = created.json();
    expect(group.members.map((m: { id: string }) => m.id)).toEqual([owner.org.id]);
    expect(group.invited.map((m: { id: string }) => m.id)).toEqual([target.org.id]);
    const indicator = await shareToGroup(group.id);

    // Before consent: not a member anywhere, the content stays out of reach.
    hub.app.auth.invalidate();
    expect((await hub.app.auth.authenticate(target.key)).groupIds).not.toContain(group.id);
    expect((await call('GET', `/api/v1/objects/${indicator}`, target.key)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/groups', target.key)).json().items.map((g: { id: string }) => g.id)).not.toContain(group.id);
    expect((await call('GET', `/api/v1/groups/${group.id}`, target.key)).statusCode).toBe(404);
    // The invitation is what the target sees, with who asks.
    const inbox = (await call('GET', '/api/v1/invitations?status=pending', target.key)).json().items;
    expect(inbox).toEqual([expect.objectContaining({ group_id: group.id, group_name: 'pushed', owner_org_name: 'Owner Bank', status: 'pending' })]);
    // Adding it "again" through the members route is still only an invitation.
    const again = await call('POST', `/api/v1/groups/${group.id}/members`, owner.key, { orgs: [target.org.id] });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().members.map((m: { id: string }) => m.id)).toEqual([owner.org.id]);

    // Nobody but the target's own admin answers: not a plain member, not the owner, not the hub admin.
    expect((await call('POST', `/api/v1/groups/${group.id}/invitation`, target.key, { answer: 'accept' })).statusCode).toBe(403);
    expect((await call('POST', `/api/v1/groups/${group.id}/invitation`, owner.key, { answer: 'accept' })).statusCode).toBe(404);
    expect((await call('POST', `/api/v1/groups/${group.id}/invitation`, hub.adminKey, { answer: 'accept' })).statusCode).toBe(404);
    hub.app.auth.invalidate();
    expect((await hub.app.auth.authenticate(target.key)).groupIds).not.toContain(group.id);

    const accepted = await call('POST', `/api/v1/groups/${group.id}/invitation`, targetAdmin.key, { answer: 'accept' });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', org_id: target.org.id });
    expect((await call('GET', `/api/v1/objects/${indicator}`, target.key)).statusCode).toBe(200);
    expect((await call('POST', `/api/v1/groups/${group.id}/invitation`, targetAdmin.key, { answer: 'decline' })).statusCode).toBe(409);

    // Consent can be withdrawn: the target's admin takes its organisation out.
    expect((await call('DELETE', `/api/v1/groups/${group.id}/members/${target.org.id}`, target.key)).statusCode).toBe(403);
    const left = await call('DELETE', `/api/v1/groups/${group.id}/members/${target.org.id}`, targetAdmin.key);
    expect(left.statusCode, left.body).toBe(200);
    expect((await call('GET', `/api/v1/objects/${indicator}`, target.key)).statusCode).toBe(404);

    const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('target_id', '=', group.id).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['group.create', 'group.invite', 'group.invitation_accepted', 'group.remove_member']);
    expect(audit[2]!.actor_user_id).toBe(targetAdmin.userId);
  });

  it('a declined or withdrawn invitation never makes a member; a hub-owned group asks consent too', async () => {
    const a = await makeMember(hub, { name: 'Declining Shop', sector: 'ecommerce' });
    const aAdmin = await colleague(a, 'org_admin');
    const b = await makeMember(hub, { name: 'Withdrawn Grid', sector: 'critical_infrastructure' });
    const bAdmin = await colleague(b, 'org_admin');
    const g = (await call('POST', '/api/v1/groups', owner.key, { name: 'declined', members: [a.org.id, b.org.id] })).json();
    expect((await call('POST', `/api/v1/groups/${g.id}/invitation`, aAdmin.key, { answer: 'decline' })).json().status).toBe('declined');
    expect((await call('POST', `/api/v1/groups/${g.id}/invitation`, aAdmin.key, { answer: 'accept' })).statusCode).toBe(409);
    expect((await call('DELETE', `/api/v1/groups/${g.id}/invitations/${b.org.id}`, a.key)).statusCode).toBe(404);
    const withdrawn = await call('DELETE', `/api/v1/groups/${g.id}/invitations/${b.org.id}`, owner.key);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json().invited).toEqual([]);
    expect((await call('POST', `/api/v1/groups/${g.id}/invitation`, bAdmin.key, { answer: 'accept' })).statusCode).toBe(409);
    const view = (await call('GET', `/api/v1/groups/${g.id}`, owner.key)).json();
    expect(view.members).toEqual([]);

    const hubGroup = await call('POST', '/api/v1/groups', hub.adminKey, { name: 'hub circle', members: [a.org.id] });
    expect(hubGroup.statusCode).toBe(201);
    expect(hubGroup.json().members).toEqual([]);
    expect(hubGroup.json().invited.map((m: { id: string }) => m.id)).toEqual([a.org.id]);
  });
});
