import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';
import { ingestStix, phishingBundle } from '../feedback/support.ts';

const DATA_COUNTS = /kessetsu_ingested_objects_total/;

describeStorage('issue 10.9: /metrics needs a hub key unless opened, and never shows data counts to the public', (backend) => {
  let closed: TestHub;
  let open: TestHub;
  let member: TestMember;

  beforeAll(async () => {
    closed = await startHub(backend);
    open = await startHub(backend, { KESSETSU_METRICS_PUBLIC: 'true' });
    member = await makeMember(closed);
    const sharer = await makeMember(open);
    await ingestStix(closed, member.key, phishingBundle('http://metrics-closed.example/a'));
    await ingestStix(open, sharer.key, phishingBundle('http://metrics-open.example/a'));
  });
  afterAll(async () => {
    await closed?.close();
    await open?.close();
  });

  it('closed by default: no key 401, a member 403, the hub’s admin gets everything including data counts', async () => {
    const anon = await closed.server.inject({ method: 'GET', url: '/metrics' });
    expect(anon.statusCode).toBe(401);
    expect(anon.body).not.toMatch(DATA_COUNTS);
    const byMember = await closed.server.inject({ method: 'GET', url: '/metrics', headers: as(member.key) });
    expect(byMember.statusCode).toBe(403);
    const byAdmin = await closed.server.inject({ method: 'GET', url: '/metrics', headers: as(closed.adminKey) });
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.body).toMatch(/kessetsu_ingested_objects_total\{source="ingest"\} 1/);
  });

  it('opened by KESSETSU_METRICS_PUBLIC: anyone reads request metrics, but counts of shared data only the hub', async () => {
    const anon = await open.server.inject({ method: 'GET', url: '/metrics' });
    expect(anon.statusCode).toBe(200);
    expect(anon.body).toContain('kessetsu_http_requests_total');
    expect(anon.body).not.toMatch(DATA_COUNTS);
    const byAdmin = await open.server.inject({ method: 'GET', url: '/metrics', headers: as(open.adminKey) });
    expect(byAdmin.body).toMatch(DATA_COUNTS);
  });
});
