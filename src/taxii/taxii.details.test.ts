import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import { TLP2_MARKING_IDS } from '../trust/tlp.ts';
import { MEMBERS_COLLECTION_ID, PUBLIC_COLLECTION_ID } from './taxii.collections.ts';
import { API, call, indicator, listen, marked, share } from '../../test/support/taxii.ts';

// Issue 11.6: the TLP marking definitions served objects reference are in the collection, and credentials the
// hub cannot read are refused rather than answered as an anonymous view.
describeStorage('TAXII details', (backend) => {
  let hub: TestHub;
  let base: string;
  let sharer: TestMember;
  let reader: TestMember;

  beforeAll(async () => {
    hub = await startHub(backend);
    base = await listen(hub);
    sharer = await makeMember(hub);
    reader = await makeMember(hub, { sector: 'telecom' });
    await share(hub, sharer, [marked(indicator('marked green'), 'green')], 'green');
    await share(hub, sharer, [marked(indicator('marked clear'), 'clear')], 'clear');
  });
  afterAll(() => hub.close());

  it('every TLP marking a page references resolves by id in the collection; the manifest lists only shared entries', async () => {
    const page = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/`, { key: reader.key });
    expect(page.status).toBe(200);
    const objects = page.json.objects as { id: string; type: string; object_marking_refs?: string[] }[];
    const referenced = new Set(objects.flatMap((o) => o.object_marking_refs ?? []));
    expect(referenced.has(TLP2_MARKING_IDS.green)).toBe(true);
    for (const ref of referenced) {
      const one = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/${ref}/`, { key: reader.key });
      expect(one.status, ref).toBe(200);
      const def = one.json.objects[0] as { id: string; type: string; extensions: Record<string, { tlp_2_0: string }> };
      expect(def.type).toBe('marking-definition');
      expect(Object.values(def.extensions)[0]!.tlp_2_0, ref).toMatch(/^(clear|green|amber|amber\+strict|red)$/);
    }
    const manifest = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/manifest/`, { key: reader.key });
    expect((manifest.json.objects as { id: string }[]).some((o) => o.id.startsWith('marking-definition--'))).toBe(false);
    for (const collection of [MEMBERS_COLLECTION_ID, PUBLIC_COLLECTION_ID]) {
      const one = await call(base, `${API}/collections/${collection}/objects/${TLP2_MARKING_IDS.amber}/`, { key: reader.key });
      expect(one.status, collection).toBe(200);
      expect(one.json.objects.map((o: { id: string }) => o.id)).toEqual([TLP2_MARKING_IDS.amber]);
      const versions = await call(base, `${API}/collections/${collection}/objects/${TLP2_MARKING_IDS.amber}/versions/`, { key: reader.key });
      expect(versions.json.versions).toEqual(['2022-10-01T00:00:00.000Z']);
    }
  });

  it('Authorization: Token …, an unknown scheme or an empty header answer 401 on the API and on TAXII, never an anonymous view', async () => {
    for (const header of [`Token ${reader.key}`, `Digest username="x"`, `ApiKey ${reader.key}`, 'Bearer', ' ']) {
      for (const path of [`${API}/collections/${PUBLIC_COLLECTION_ID}/objects/`, '/api/v1/objects', `/taxii2/`]) {
        const res = await fetch(`${base}${path}`, { headers: { authorization: header, accept: 'application/taxii+json;version=2.1' } });
        expect(res.status, `${header} on ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate'), `${header} on ${path}`).toBeTruthy();
        await res.text();
      }
    }
    // Basic stays accepted by TAXII (its own credentials form), and the right bearer key still works.
    expect((await call(base, `${API}/collections/`, { key: reader.key, basic: reader.userId })).status).toBe(200);
    expect((await call(base, '/api/v1/objects', { key: reader.key, accept: 'application/json' })).status).toBe(200);
  });
});
