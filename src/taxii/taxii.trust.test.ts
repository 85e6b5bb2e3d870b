import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { joinGroup, makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { TLP2_MARKING_IDS } from '../trust/tlp.ts';
import { MEMBERS_COLLECTION_ID, PUBLIC_COLLECTION_ID, groupCollectionId, inboxCollectionId } from './taxii.collections.ts';
import { API, call, indicator, listen, share } from '../../test/support/taxii.ts';

// Who receives what through TAXII. One sharer shares at every level; the expectations are the rule of
// DESIGN.md narrowed for machines: partners nothing above AMBER, AMBER+STRICT only to named organisations,
// RED only to named people.
describeStorage('TAXII collections under the trust model', (backend) => {
  let hub: TestHub;
  let base: string;
  let sharer: TestMember;
  let partner: TestMember;
  let named: TestMember;
  let bystander: TestMember;
  let noNda: TestMember;
  let groupId: string;
  const o: Record<string, StixObject> = {};

  beforeAll(async () => {
    hub = await startHub(backend);
    base = await listen(hub);
    sharer = await makeMember(hub, { name: 'Sharer Bank' });
    partner = await makeMember(hub, { name: 'Foreign CERT', kind: 'international_partner' });
    named = await makeMember(hub, { name: 'Named Telecom', sector: 'telecom' });
    bystander = await makeMember(hub, { name: 'Bystander Shop', sector: 'ecommerce' });
    noNda = await makeMember(hub, { name: 'No NDA Lab', kind: 'academia', nda: false });
    const group = await hub.app.groups.create(await hub.app.auth.authenticate(sharer.key), { name: 'ISAC', members: [named.org.id, partner.org.id] });
    groupId = group.id;
    await joinGroup(hub, groupId, named);
    await joinGroup(hub, groupId, partner);
    for (const label of ['clear', 'green', 'amber', 'amberNamedOnly', 'strict', 'red', 'amberGroup', 'strictGroup']) o[label] = indicator(label);
    await share(hub, sharer, [o.clear!], 'clear');
    await share(hub, sharer, [o.green!], 'green');
    await share(hub, sharer, [o.amber!], 'amber', { orgs: [partner.org.id, named.org.id] });
    await share(hub, sharer, [o.amberNamedOnly!], 'amber', { orgs: [named.org.id] });
    await share(hub, sharer, [o.strict!], 'amber+strict', { orgs: [partner.org.id, named.org.id] });
    await share(hub, sharer, [o.red!], 'red', { users: [named.userId, partner.userId] });
    await share(hub, sharer, [o.amberGroup!], 'amber', { groups: [groupId] });
    await share(hub, sharer, [o.strictGroup!], 'amber+strict', { groups: [groupId] });
  });
  afterAll(() => hub.close());

  async function labels(collection: string, key?: string): Promise<string[]> {
    const r = await call(base, `${API}/collections/${collection}/objects/`, key ? { key } : {});
    expect(r.status).toBe(200);
    const ids = new Set(((r.json.objects ?? []) as { id: string }[]).map((x) => x.id));
    return Object.entries(o)
      .filter(([, obj]) => ids.has(obj.id))
      .map(([label]) => label)
      .sort();
  }

  it('the public collection holds CLEAR only, with or without an account', async () => {
    expect(await labels(PUBLIC_COLLECTION_ID)).toEqual(['clear']);
    expect(await labels(PUBLIC_COLLECTION_ID, partner.key)).toEqual(['clear']);
    expect(await labels(PUBLIC_COLLECTION_ID, hub.adminKey)).toEqual(['clear']);
  });

  it('a federation peer (international partner) gets nothing above AMBER, even when named in AMBER+STRICT or RED', async () => {
    expect(await labels(MEMBERS_COLLECTION_ID, partner.key)).toEqual(['amber', 'amberGroup', 'clear', 'green']);
    expect(await labels(groupCollectionId(groupId), partner.key)).toEqual(['amberGroup']);
    for (const label of ['strict', 'red', 'strictGroup']) {
      const r = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/${o[label]!.id}/`, { key: partner.key });
      expect(r.status, label).toBe(404);
      const m = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/manifest/?match[id]=${o[label]!.id}`, { key: partner.key });
      expect(m.json.objects, label).toBeUndefined();
    }
  });

  it('AMBER+STRICT reaches its named organisations only (never through a group); RED only its named people', async () => {
    expect(await labels(MEMBERS_COLLECTION_ID, named.key)).toEqual(['amber', 'amberGroup', 'amberNamedOnly', 'clear', 'green', 'red', 'strict']);
    expect(await labels(groupCollectionId(groupId), named.key)).toEqual(['amberGroup']);
    expect(await labels(MEMBERS_COLLECTION_ID, bystander.key)).toEqual(['clear', 'green']);
    expect(await labels(MEMBERS_COLLECTION_ID, noNda.key)).toEqual(['clear']);
    // The hub sees every AMBER through TAXII, but AMBER+STRICT and RED stay with those they name.
    expect(await labels(MEMBERS_COLLECTION_ID, hub.adminKey)).toEqual(['amber', 'amberGroup', 'amberNamedOnly', 'clear', 'green']);
    // The sharer reads back all it shared in its inbox.
    expect(await labels(inboxCollectionId(sharer.org.id), sharer.key)).toEqual(Object.keys(o).sort());
    // A group collection exists only for the group's members and owner.
    const outsider = await call(base, `${API}/collections/${groupCollectionId(groupId)}/objects/`, { key: bystander.key });
    expect(outsider.status).toBe(404);
  });

  it('objects carry the TLP marking at which the caller receives them; AMBER+STRICT and RED reads are audited', async () => {
    const r = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/?match[type]=indicator`, { key: named.key });
    const byId = new Map((r.json.objects as StixObject[]).map((x) => [x.id, x.object_marking_refs]));
    expect(byId.get(o.green!.id)).toEqual([TLP2_MARKING_IDS.green]);
    expect(byId.get(o.amber!.id)).toEqual([TLP2_MARKING_IDS.amber]);
    expect(byId.get(o.strict!.id)).toEqual([TLP2_MARKING_IDS['amber+strict']]);
    expect(byId.get(o.red!.id)).toEqual([TLP2_MARKING_IDS.red]);
    const audited = await hub.app.storage.db
      .selectFrom('audit_log')
      .select(['target_id', 'via'])
      .where('action', '=', 'object.read')
      .where('actor_user_id', '=', named.userId)
      .where('via', '=', 'taxii.objects')
      .execute();
    expect(new Set(audited.map((a) => a.target_id))).toEqual(new Set([o.strict!.id, o.red!.id]));
  });

  it('the collections list shows each caller its own inbox and groups', async () => {
    const list = await call(base, `${API}/collections/`, { key: named.key });
    const ids = (list.json.collections as { id: string; title: string }[]).map((c) => c.id);
    expect(ids).toEqual([PUBLIC_COLLECTION_ID, MEMBERS_COLLECTION_ID, groupCollectionId(groupId), inboxCollectionId(named.org.id)]);
    const bystanderList = await call(base, `${API}/collections/`, { key: bystander.key });
    expect((bystanderList.json.collections as { id: string }[]).map((c) => c.id)).toEqual([PUBLIC_COLLECTION_ID, MEMBERS_COLLECTION_ID, inboxCollectionId(bystander.org.id)]);
  });
});
