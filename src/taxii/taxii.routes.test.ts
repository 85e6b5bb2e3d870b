import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import { sharedData, sharedDataOrSkip } from '../../test/support/shared-data.ts';
import { TLP2_MARKING_IDS } from '../trust/tlp.ts';
import { deterministicId } from '../stix/deterministic-id.ts';
import { MEMBERS_COLLECTION_ID, PUBLIC_COLLECTION_ID, inboxCollectionId } from './taxii.collections.ts';
import { TAXII_MEDIA_TYPE } from './taxii.media.ts';
import { API, call, indicator, listen, type Answer } from '../../test/support/taxii.ts';

// The OASIS reference server's sample collection (medallion, trustgroup1 "High Value Indicator Collection"):
// 8 objects, among them three versions of indicator--6770298f…, a TLP 1.0 marking definition and a
// STIX 2.0 malware version without spec_version (invalid as 2.1).
const MEDALLION = 'stix/taxii21-medallion/taxii21-default_data.json';
const MULTI = 'indicator--6770298f-0fd8-471a-ab8c-1c658a46574e';
// The sample objects carry no TLP marking: stored with the level they are shared at, each is a new version
// (modified one millisecond later), so that no version has two contents.
const VERSIONS = ['2016-11-03T12:30:59.001Z', '2016-12-25T12:30:59.445Z', '2017-01-27T13:49:53.936Z'];

function medallionObjects(): Record<string, unknown>[] {
  const data = JSON.parse(readFileSync(sharedData(MEDALLION), 'utf8')) as { trustgroup1: { collections: { id: string; objects?: Record<string, unknown>[] }[] } };
  return data.trustgroup1.collections.find((c) => c.id === '91a7b528-80eb-42ed-a74d-c6fbd5a26116')!.objects!;
}

describeStorage('TAXII 2.1 server over HTTP', (backend) => {
  if (!sharedDataOrSkip()) return;
  let hub: TestHub;
  let base: string;
  let poster: TestMember;
  let other: TestMember;
  let inbox: string;
  let postStatus: Answer["json"];

  beforeAll(async () => {
    hub = await startHub(backend);
    base = await listen(hub);
    poster = await makeMember(hub, { name: 'Poster Bank' });
    other = await makeMember(hub, { name: 'Other Telecom', sector: 'telecom' });
    inbox = inboxCollectionId(poster.org.id);
    const res = await call(base, `${API}/collections/${inbox}/objects/`, { key: poster.key, basic: poster.userId, body: { objects: medallionObjects() } });
    expect(res.status).toBe(202);
    postStatus = res.json;
  });
  afterAll(() => hub.close());

  describe('discovery, API root, collections', () => {
    it('answers discovery and the API root with the TAXII media type', async () => {
      const d = await call(base, '/taxii2/', { key: poster.key });
      expect(d.status).toBe(200);
      expect(d.headers.get('content-type')).toBe(TAXII_MEDIA_TYPE);
      expect(d.json.title).toBeTypeOf('string');
      expect(d.json.api_roots).toEqual([`${base}/taxii2/api/`]);
      expect(d.json.default).toBe(`${base}/taxii2/api/`);
      const r = await call(base, `${API}/`, { key: poster.key });
      expect(r.status).toBe(200);
      expect(r.json.versions).toEqual([TAXII_MEDIA_TYPE]);
      expect(r.json.max_content_length).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    });

    it('lists public, members and the inbox of the caller; a collection by id; unknown ids are TAXII 404s', async () => {
      const list = await call(base, `${API}/collections/`, { key: poster.key });
      expect(list.status).toBe(200);
      const byId = new Map((list.json.collections as { id: string; can_read: boolean; can_write: boolean; media_types: string[] }[]).map((c) => [c.id, c]));
      expect([...byId.keys()].sort()).toEqual([PUBLIC_COLLECTION_ID, MEMBERS_COLLECTION_ID, inbox].sort());
      expect(byId.get(inbox)).toMatchObject({ can_read: true, can_write: true, media_types: ['application/stix+json;version=2.1'] });
      expect(byId.get(MEMBERS_COLLECTION_ID)).toMatchObject({ can_read: true, can_write: false });
      const one = await call(base, `${API}/collections/${inbox}/`, { key: poster.key });
      expect(one.status).toBe(200);
      expect(one.json.id).toBe(inbox);
      // Another organisation's inbox does not exist for this caller.
      const foreign = await call(base, `${API}/collections/${inboxCollectionId(other.org.id)}/`, { key: poster.key });
      expect(foreign.status).toBe(404);
      expect(foreign.json).toMatchObject({ title: 'Not Found', http_status: '404' });
      for (const bad of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "'; drop table stix_objects; --"]) {
        const r = await call(base, `${API}/collections/${encodeURIComponent(bad)}/objects/`, { key: poster.key });
        expect(r.status).toBe(404);
        expect(r.headers.get('content-type')).toBe(TAXII_MEDIA_TYPE);
        expect(r.json.http_status).toBe('404');
      }
      const route = await call(base, `${API}/nothing-here/`, { key: poster.key });
      expect(route.status).toBe(404);
      expect(route.json.title).toBe('Not Found');
      expect(route.json.error).toBeUndefined();
    });
  });

  describe('POST objects and status', () => {
    it('stores valid objects, reports the invalid one per object, and keeps the status for the poster only', async () => {
      expect(postStatus).toMatchObject({ status: 'complete', total_count: 8, success_count: 7, failure_count: 1, pending_count: 0 });
      expect(postStatus.failures[0].id).toBe('malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec');
      expect(postStatus.failures[0].version).toBe('2018-02-23T18:30:00.000Z');
      expect(postStatus.failures[0].message).toMatch(/spec_version/);
      expect(postStatus.successes).toHaveLength(7);
      expect(postStatus.pendings).toBeUndefined();
      const again = await call(base, `${API}/status/${postStatus.id}/`, { key: poster.key });
      expect(again.status).toBe(200);
      expect(again.json).toEqual(postStatus);
      const notYours = await call(base, `${API}/status/${postStatus.id}/`, { key: other.key });
      expect(notYours.status).toBe(404);
      const anonymous = await call(base, `${API}/status/${postStatus.id}/`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    });
  });

  describe('GET objects and filters', () => {
    const objects = (q = '') => call(base, `${API}/collections/${inbox}/objects/${q}`, { key: poster.key });

    it('serves the last version of each object, marked at the TLP it was stored at (AMBER, the default)', async () => {
      const r = await objects();
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(TAXII_MEDIA_TYPE);
      const ids = (r.json.objects as { id: string }[]).map((o) => o.id).sort();
      // relationship, indicator cd98…, indicator 6770… (last version), malware (its 2.1 version); the TLP 1.0 marking is not stored.
      expect(ids).toEqual([MULTI, 'indicator--cd981c25-8042-4166-8945-51178443bdac', 'malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec', 'relationship--2f9a9aa9-108a-4333-83e2-4fb25add0463']);
      const multi = (r.json.objects as { id: string; modified: string; object_marking_refs: string[] }[]).find((o) => o.id === MULTI)!;
      expect(multi.modified).toBe(VERSIONS[2]);
      expect(multi.object_marking_refs).toEqual([TLP2_MARKING_IDS.amber]);
      expect(r.json.more).toBe(false);
      expect(r.json.next).toBeUndefined();
      expect(r.headers.get('x-taxii-date-added-first')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(r.headers.get('x-taxii-date-added-last')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    });

    it('match[version]: all, first, a timestamp, first,last', async () => {
      const all = await objects(`?match[version]=all&match[id]=${MULTI}`);
      expect((all.json.objects as { modified: string }[]).map((o) => o.modified)).toEqual(VERSIONS);
      const first = await objects(`?match[version]=first&match[id]=${MULTI}`);
      expect((first.json.objects as { modified: string }[]).map((o) => o.modified)).toEqual([VERSIONS[0]]);
      const exact = await objects(`?match[version]=${VERSIONS[1]}`);
      expect((exact.json.objects as { id: string; modified: string }[]).map((o) => [o.id, o.modified])).toEqual([[MULTI, VERSIONS[1]]]);
      const both = await objects(`?match[version]=first,last&match[id]=${MULTI}`);
      expect((both.json.objects as { modified: string }[]).map((o) => o.modified)).toEqual([VERSIONS[0], VERSIONS[2]]);
      const repeated = await objects(`?match[version]=first&match[version]=last&match[id]=${MULTI}`);
      expect(repeated.json.objects).toEqual(both.json.objects);
      const everything = await objects('?match[version]=all');
      expect(everything.json.objects).toHaveLength(6);
    });

    it('match[type], match[id], match[spec_version]', async () => {
      const types = await objects('?match[type]=indicator');
      expect((types.json.objects as { type: string }[]).map((o) => o.type)).toEqual(['indicator', 'indicator']);
      const two = await objects('?match[type]=relationship,malware');
      expect((two.json.objects as { type: string }[]).map((o) => o.type).sort()).toEqual(['malware', 'relationship']);
      const id = await objects('?match[id]=indicator--cd981c25-8042-4166-8945-51178443bdac');
      expect(id.json.objects).toHaveLength(1);
      const none = await objects('?match[spec_version]=2.0');
      expect(none.status).toBe(200);
      expect(none.json).toEqual({ more: false });
      expect(none.headers.get('x-taxii-date-added-first')).toBeNull();
      const v21 = await objects('?match[spec_version]=2.0,2.1');
      expect(v21.json.objects).toHaveLength(4);
      const unknownType = await objects('?match[type]=x-nothing');
      expect(unknownType.json.objects).toBeUndefined();
    });

    it('added_after keeps entries added strictly later', async () => {
      const late = await makeMember(hub);
      const lateInbox = `${API}/collections/${inboxCollectionId(late.org.id)}`;
      const first = await call(base, `${lateInbox}/objects/`, { key: late.key, body: { objects: [indicator('early one'), indicator('early two')] } });
      expect(first.json.success_count).toBe(2);
      const before = await call(base, `${lateInbox}/manifest/`, { key: late.key });
      const pivot = before.headers.get('x-taxii-date-added-last')!;
      const newer = indicator('late one');
      await call(base, `${lateInbox}/objects/`, { key: late.key, body: { objects: [newer] } });
      const after = await call(base, `${lateInbox}/objects/?added_after=${pivot}`, { key: late.key });
      expect((after.json.objects as { id: string }[]).map((o) => o.id)).toEqual([newer.id]);
      expect(after.headers.get('x-taxii-date-added-first')! > pivot).toBe(true);
      const future = await objects('?added_after=2999-01-01T00:00:00Z');
      expect(future.json).toEqual({ more: false });
    });

    it('pages with limit and next; headers give the first and last date_added of each page', async () => {
      const manifest = await call(base, `${API}/collections/${inbox}/manifest/?match[version]=all`, { key: poster.key });
      const expected = (manifest.json.objects as { id: string; version: string; date_added: string }[]).map((m) => `${m.id}@${m.version}`);
      const seen: string[] = [];
      let next: string | undefined;
      for (let i = 0; i < 10; i++) {
        const r = await objects(`?match[version]=all&limit=4${next ? `&next=${encodeURIComponent(next)}` : ''}`);
        expect(r.status).toBe(200);
        const page = r.json.objects as { id: string; modified: string }[];
        seen.push(...page.map((o) => `${o.id}@${o.modified}`));
        const m = manifest.json.objects as { date_added: string }[];
        expect(r.headers.get('x-taxii-date-added-first')).toBe(m[i * 4]!.date_added);
        expect(r.headers.get('x-taxii-date-added-last')).toBe(m[i * 4 + page.length - 1]!.date_added);
        if (!r.json.more) break;
        next = r.json.next;
        expect(next).toBeTypeOf('string');
      }
      expect(seen).toEqual(expected);
    });

    it('caps huge limits and refuses malformed parameters with TAXII 400s', async () => {
      const huge = await objects('?limit=99999999999999999999');
      expect(huge.status).toBe(200);
      expect(huge.json.objects).toHaveLength(4);
      for (const q of ['?limit=0', '?limit=-1', '?limit=ten', '?added_after=yesterday', '?match[version]=newest', '?match[id]=not-an-id', "?match[type]=x'or'1'='1", '?next=garbage', '?added_after=2020-01-01T00:00:00Z&added_after=2021-01-01T00:00:00Z']) {
        const r = await objects(q);
        expect(r.status, q).toBe(400);
        expect(r.json, q).toMatchObject({ title: 'Bad Request', http_status: '400' });
        expect(r.json.description, q).toBeTypeOf('string');
      }
    });

    it('refuses a next token of another query, endpoint or collection', async () => {
      const first = await objects('?match[version]=all&limit=2');
      const token = encodeURIComponent(first.json.next as string);
      const ok = await objects(`?match[version]=all&limit=3&next=${token}`);
      expect(ok.status).toBe(200);
      const cases = [
        `${API}/collections/${inbox}/objects/?match[version]=last&limit=2&next=${token}`,
        `${API}/collections/${inbox}/objects/?match[version]=all&match[type]=indicator&next=${token}`,
        `${API}/collections/${inbox}/manifest/?match[version]=all&limit=2&next=${token}`,
        `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/?match[version]=all&limit=2&next=${token}`,
      ];
      for (const path of cases) {
        const r = await call(base, path, { key: poster.key });
        expect(r.status, path).toBe(400);
        expect(r.json.description, path).toMatch(/another query/);
      }
    });
  });

  describe('observables (SCOs have no versions)', () => {
    it('an SCO is one entry whose version is its date_added, under every match[version]', async () => {
      const ip = { type: 'ipv4-addr', spec_version: '2.1', id: deterministicId('ipv4-addr', { value: '203.0.113.9' })!, value: '203.0.113.9' };
      const posted = await call(base, `${API}/collections/${inbox}/objects/`, { key: poster.key, body: { objects: [ip] } });
      expect(posted.json.success_count).toBe(1);
      const m = await call(base, `${API}/collections/${inbox}/manifest/?match[type]=ipv4-addr`, { key: poster.key });
      expect(m.json.objects).toHaveLength(1);
      const { date_added, version } = m.json.objects[0] as { date_added: string; version: string };
      expect(version).toBe(date_added);
      for (const v of ['all', 'first', 'last', 'first,last', date_added]) {
        const r = await call(base, `${API}/collections/${inbox}/objects/?match[type]=ipv4-addr&match[version]=${v}`, { key: poster.key });
        expect((r.json.objects as { id: string }[]).map((o) => o.id), v).toEqual([ip.id]);
      }
      const none = await call(base, `${API}/collections/${inbox}/objects/?match[type]=ipv4-addr&match[version]=2001-01-01T00:00:00.000Z`, { key: poster.key });
      expect(none.json.objects).toBeUndefined();
      const versions = await call(base, `${API}/collections/${inbox}/objects/${ip.id}/versions/`, { key: poster.key });
      expect(versions.json.versions).toEqual([date_added]);
    });
  });

  describe('manifest, one object, versions', () => {
    it('manifest records: id, date_added, version, media_type', async () => {
      const r = await call(base, `${API}/collections/${inbox}/manifest/?match[id]=${MULTI}&match[version]=all`, { key: poster.key });
      expect(r.status).toBe(200);
      expect(r.json.objects).toHaveLength(3);
      for (const [i, m] of (r.json.objects as Record<string, string>[]).entries()) {
        expect(Object.keys(m).sort()).toEqual(['date_added', 'id', 'media_type', 'version']);
        expect(m).toMatchObject({ id: MULTI, version: VERSIONS[i], media_type: 'application/stix+json;version=2.1' });
      }
      // The current version has one date_added, whichever way it is asked for.
      const last = await call(base, `${API}/collections/${inbox}/manifest/?match[id]=${MULTI}`, { key: poster.key });
      expect(last.json.objects).toEqual([r.json.objects[2]]);
    });

    it('an object by id (last version unless asked), its versions, and 404 for objects not in the collection', async () => {
      const r = await call(base, `${API}/collections/${inbox}/objects/${MULTI}/`, { key: poster.key });
      expect(r.status).toBe(200);
      expect(r.json.objects).toHaveLength(1);
      expect(r.json.objects[0].modified).toBe(VERSIONS[2]);
      expect(r.headers.get('x-taxii-date-added-last')).toBeTypeOf('string');
      const all = await call(base, `${API}/collections/${inbox}/objects/${MULTI}/?match[version]=all&limit=2`, { key: poster.key });
      expect(all.json.objects).toHaveLength(2);
      expect(all.json.more).toBe(true);
      const versions = await call(base, `${API}/collections/${inbox}/objects/${MULTI}/versions/`, { key: poster.key });
      expect(versions.status).toBe(200);
      expect(versions.json).toEqual({ more: false, versions: VERSIONS });
      expect(versions.headers.get('x-taxii-date-added-first')).toBeTypeOf('string');
      const paged = await call(base, `${API}/collections/${inbox}/objects/${MULTI}/versions/?limit=1`, { key: poster.key });
      expect(paged.json.versions).toEqual([VERSIONS[0]]);
      const rest = await call(base, `${API}/collections/${inbox}/objects/${MULTI}/versions/?next=${encodeURIComponent(paged.json.next)}`, { key: poster.key });
      expect(rest.json.versions).toEqual(VERSIONS.slice(1));
      const typeFilter = await call(base, `${API}/collections/${inbox}/objects/${MULTI}/?match[type]=indicator`, { key: poster.key });
      expect(typeFilter.status).toBe(400);
      for (const id of ['indicator--00000000-0000-4000-8000-000000000000', 'nonsense']) {
        const missing = await call(base, `${API}/collections/${inbox}/objects/${id}/`, { key: poster.key });
        expect(missing.status).toBe(404);
        expect(missing.json.http_status).toBe('404');
      }
      // AMBER objects of another organisation are not in this caller's view of the members collection.
      const foreign = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/${MULTI}/`, { key: other.key });
      expect(foreign.status).toBe(404);
    });
  });
});
