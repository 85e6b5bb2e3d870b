import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import { createApp } from '../app.ts';
import { buildServer } from '../http/server.ts';
import { MEMBERS_COLLECTION_ID, PUBLIC_COLLECTION_ID, inboxCollectionId } from './taxii.collections.ts';
import { TAXII_MEDIA_TYPE } from './taxii.media.ts';
import { API, call, indicator, listen, marked, share } from '../../test/support/taxii.ts';

// The edges of the protocol: media types, authentication, hostile envelopes, DELETE, status after a restart.
describeStorage('TAXII 2.1 server: media types, auth, bad input, delete', (backend) => {
  let hub: TestHub;
  let base: string;
  let member: TestMember;
  let inbox: string;

  beforeAll(async () => {
    hub = await startHub(backend);
    base = await listen(hub);
    member = await makeMember(hub);
    inbox = `${API}/collections/${inboxCollectionId(member.org.id)}`;
  });
  afterAll(() => hub.close());

  describe('media types', () => {
    it('406 when the Accept header does not allow TAXII 2.1 JSON; absent, wildcard or unversioned is fine', async () => {
      for (const accept of ['application/json', 'application/taxii+json;version=2.0', 'text/html', 'application/taxii+json;version=2.1;q=0']) {
        const r = await call(base, `${API}/collections/`, { key: member.key, accept });
        expect(r.status, accept).toBe(406);
        expect(r.headers.get('content-type')).toBe(TAXII_MEDIA_TYPE);
        expect(r.json, accept).toMatchObject({ title: 'Not Acceptable', http_status: '406' });
      }
      for (const accept of [null, '*/*', 'application/taxii+json', 'application/taxii+json; version=2.1', 'text/html, application/*;q=0.5']) {
        const r = await call(base, `${API}/collections/`, { key: member.key, accept });
        expect(r.status, String(accept)).toBe(200);
      }
    });

    it('415 when a POST body is not application/taxii+json;version=2.1', async () => {
      const body = JSON.stringify({ objects: [indicator('media type')] });
      for (const contentType of ['application/json', 'application/taxii+json;version=2.0', 'text/plain', 'application/stix+json;version=2.1']) {
        const r = await call(base, `${inbox}/objects/`, { key: member.key, body, contentType });
        expect(r.status, contentType).toBe(415);
        expect(r.json, contentType).toMatchObject({ title: 'Unsupported Media Type', http_status: '415' });
      }
      const ok = await call(base, `${inbox}/objects/`, { key: member.key, body, contentType: 'application/taxii+json' });
      expect(ok.status).toBe(202);
    });
  });

  describe('authentication', () => {
    it('accepts HTTP basic with the API key as password (any username) and bearer keys; refuses the rest with TAXII 401s', async () => {
      for (const basic of ['whoever', member.userId, '']) {
        const r = await call(base, `${API}/collections/`, { key: member.key, basic });
        expect(r.status, basic).toBe(200);
        expect((r.json.collections as { id: string }[]).map((c) => c.id)).toContain(MEMBERS_COLLECTION_ID);
      }
      const bearer = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/`, { key: member.key });
      expect(bearer.status).toBe(200);
      const wrong = await call(base, `${API}/collections/`, { key: `${member.key}x`, basic: 'u' });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toMatchObject({ title: 'Unauthorized', http_status: '401' });
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      const badBearer = await call(base, `${API}/collections/`, { key: 'ks_nope_nope' });
      expect(badBearer.status).toBe(401);
      expect(badBearer.json.http_status).toBe('401');
      expect(badBearer.json.error).toBeUndefined();
      for (const header of ['Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Basic ' + Buffer.from('user:').toString('base64')]) {
        const res = await fetch(`${base}${API}/collections/`, { headers: { authorization: header, accept: TAXII_MEDIA_TYPE } });
        expect(res.status, header).toBe(401);
      }
      const anonymousMembers = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/`);
      expect(anonymousMembers.status).toBe(401);
      const anonymousPublic = await call(base, `${API}/collections/${PUBLIC_COLLECTION_ID}/objects/`);
      expect(anonymousPublic.status).toBe(200);
      const anonymousList = await call(base, `${API}/collections/`);
      expect((anonymousList.json.collections as { id: string }[]).map((c) => c.id)).toEqual([PUBLIC_COLLECTION_ID]);
      const anonymousPost = await call(base, `${API}/collections/${PUBLIC_COLLECTION_ID}/objects/`, { body: { objects: [] } });
      expect(anonymousPost.status).toBe(401);
    });

    it('a deployment without a public collection wants credentials everywhere', async () => {
      const closed = await startHub(backend, { KESSETSU_PUBLIC_TAXII: 'false' });
      try {
        const url = await listen(closed);
        for (const path of ['/taxii2/', `${API}/`, `${API}/collections/`, `${API}/collections/${PUBLIC_COLLECTION_ID}/objects/`]) {
          const r = await call(url, path);
          expect(r.status, path).toBe(401);
        }
        const withKey = await call(url, `${API}/collections/${PUBLIC_COLLECTION_ID}/objects/`, { key: closed.adminKey });
        expect(withKey.status).toBe(200);
      } finally {
        await closed.close();
      }
    });
  });

  describe('bad envelopes', () => {
    it('refuses bodies that are not envelopes, and reports each unusable object in the status', async () => {
      for (const body of ['[]', '{"objects": {}}', '{"objects": [', '', 'null', '"objects"', '{"objects": "many"}']) {
        const r = await call(base, `${inbox}/objects/`, { key: member.key, body });
        expect(r.status, body).toBe(400);
        expect(r.json, body).toMatchObject({ title: 'Bad Request', http_status: '400' });
      }
      const good = indicator('kept');
      const badTime = { ...indicator('bad time'), valid_from: 'tomorrow' };
      const r = await call(base, `${inbox}/objects/`, {
        key: member.key,
        body: { objects: [1, null, 'x', {}, { type: 'indicator', id: 'indicator--nope' }, badTime, good, { ...indicator('no version'), spec_version: '2.0' }] },
      });
      expect(r.status).toBe(202);
      expect(r.json).toMatchObject({ status: 'complete', total_count: 8, success_count: 1, failure_count: 7, pending_count: 0 });
      const failures = r.json.failures as { id: string; message: string }[];
      expect(failures.slice(0, 4).map((f) => f.id)).toEqual(['objects[0]', 'objects[1]', 'objects[2]', 'objects[3]']);
      expect(failures[4]!.id).toBe('indicator--nope');
      expect(failures[5]!.id).toBe(badTime.id);
      expect(failures[5]!.message).toMatch(/valid_from/);
      expect(failures[6]!.message).toMatch(/spec_version/);
      expect(r.json.successes).toEqual([{ id: good.id, version: good.modified, message: expect.stringContaining('added') }]);
      const empty = await call(base, `${inbox}/objects/`, { key: member.key, body: { objects: [] } });
      expect(empty.json).toMatchObject({ status: 'complete', total_count: 0, success_count: 0 });
    });

    it('413 above max_content_length; 403 when posting to a collection that is not the caller’s inbox', async () => {
      const root = await call(base, `${API}/`, { key: member.key });
      const max = root.json.max_content_length as number;
      const huge = `{"objects":[${'"x",'.repeat(Math.ceil(max / 4))}"x"]}`;
      const big = await call(base, `${inbox}/objects/`, { key: member.key, body: huge });
      expect(big.status).toBe(413);
      expect(big.json.http_status).toBe('413');
      const ro = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/`, { key: member.key, body: { objects: [indicator('read only')] } });
      expect(ro.status).toBe(403);
      expect(ro.json.title).toBe('Forbidden');
    });
  });

  describe('DELETE', () => {
    it('withdraws the caller organisation’s contribution; the object goes with the last one', async () => {
      const other = await makeMember(hub, { sector: 'telecom' });
      const both = marked(indicator('shared by two'), 'green');
      const posted = await call(base, `${inbox}/objects/`, { key: member.key, body: { objects: [both] } });
      expect(posted.json.success_count).toBe(1);
      await share(hub, other, [both], 'green');
      const path = `${inbox}/objects/${both.id}/`;
      expect((await call(base, path, { key: member.key, method: 'DELETE' })).status).toBe(200);
      expect((await call(base, path, { key: member.key })).status).toBe(404);
      // Still there through the other organisation's contribution.
      const stillThere = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/${both.id}/`, { key: member.key });
      expect(stillThere.status).toBe(200);
      const again = await call(base, path, { key: member.key, method: 'DELETE' });
      expect(again.status).toBe(404);
      const fromMembers = await call(base, `${API}/collections/${MEMBERS_COLLECTION_ID}/objects/${both.id}/`, { key: other.key, method: 'DELETE' });
      expect(fromMembers.status).toBe(403);
      const otherInbox = `${API}/collections/${inboxCollectionId(other.org.id)}/objects/${both.id}/`;
      expect((await call(base, otherInbox, { key: member.key, method: 'DELETE' })).status).toBe(404);
      expect((await call(base, `${otherInbox}?match[version]=first`, { key: other.key, method: 'DELETE' })).status).toBe(400);
      expect((await call(base, `${otherInbox}?match[version]=all`, { key: other.key, method: 'DELETE' })).status).toBe(200);
      const row = await hub.app.storage.db.selectFrom('stix_objects').select('id').where('id', '=', both.id).executeTakeFirst();
      expect(row).toBeUndefined();
      const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'taxii.object.delete').where('target_id', '=', both.id).execute();
      expect(audit).toHaveLength(2);
    });
  });

  describe('status resources', () => {
    it('survive a restart of the app on the same database', async () => {
      const r = await call(base, `${inbox}/objects/`, { key: member.key, body: { objects: [indicator('before restart'), { type: 'nope' }] } });
      expect(r.status).toBe(202);
      const again = await createApp(hub.app.config, { storage: hub.app.storage });
      const server = await buildServer(again, { logger: false });
      try {
        const res = await server.inject({ method: 'GET', url: `${API}/status/${r.json.id}/`, headers: { authorization: `Bearer ${member.key}`, accept: TAXII_MEDIA_TYPE } });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(r.json);
      } finally {
        await server.close();
        await again.close();
      }
      for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
        const missing = await call(base, `${API}/status/${id}/`, { key: member.key });
        expect(missing.status).toBe(404);
      }
    });
  });
});
