import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openPostgres, type Storage } from '../../src/db/database.ts';
import { buildServer } from '../../src/http/server.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { backends, describeStorage } from '../support/storage.ts';
import { openStream, waitFor } from '../feedback/support.ts';

async function secondKey(hub: TestHub, m: TestMember): Promise<{ id: string; key: string }> {
  const res = await hub.server.inject({ method: 'POST', url: `/api/v1/users/${m.userId}/keys`, headers: as(m.key), payload: { name: 'second' } });
  expect(res.statusCode).toBe(201);
  return res.json();
}

/** A check that turns true once the promise settles. */
function settled(p: Promise<unknown>): () => boolean {
  let done = false;
  void p.then(() => (done = true));
  return () => done;
}

async function keyIdOf(hub: TestHub, m: TestMember): Promise<string> {
  const v = await hub.app.auth.authenticate(m.key);
  return v.keyId!;
}

describeStorage('issue 10.7: revoking a key ends its live streams at once', (backend) => {
  let hub: TestHub;
  let base: string;

  beforeAll(async () => {
    hub = await startHub(backend);
    base = await hub.server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => hub?.close());

  it("ends the revoked key's open stream, keeps the user's other key streaming, and refuses the key afterwards", async () => {
    const m = await makeMember(hub);
    const other = await secondKey(hub, m);
    const revoked = openStream(base, m.key);
    const kept = openStream(base, other.key);
    expect(await revoked.status).toBe(200);
    expect(await kept.status).toBe(200);
    await waitFor(() => hub.app.feedback.stream.clients === 2, 5_000, 'both streams registered');
    const keptEnded = settled(kept.ended);
    const revokedEnded = settled(revoked.ended);

    const res = await hub.server.inject({ method: 'DELETE', url: `/api/v1/users/${m.userId}/keys/${await keyIdOf(hub, m)}`, headers: as(other.key) });
    expect(res.statusCode).toBe(200);
    // The safety poll runs once a minute; the stream must end long before, on the access notification.
    await waitFor(revokedEnded, 5_000, 'the revoked key’s stream to end');
    await hub.app.feedback.stream.settled();
    expect(hub.app.feedback.stream.clients).toBe(1);
    expect(keptEnded()).toBe(false);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(m.key) })).statusCode).toBe(401);
    const again = openStream(base, m.key);
    expect(await again.status).toBe(401);
    kept.close();
    again.close();
  });

  it('disabling a user ends all of their streams', async () => {
    const m = await makeMember(hub);
    const s = openStream(base, m.key);
    expect(await s.status).toBe(200);
    const ended = settled(s.ended);
    await waitFor(() => hub.app.feedback.stream.clients >= 1, 5_000, 'the stream registered');
    const res = await hub.server.inject({ method: 'PATCH', url: `/api/v1/users/${m.userId}`, headers: as(hub.adminKey), payload: { disabled: true } });
    expect(res.statusCode).toBe(200);
    await waitFor(ended, 5_000, 'the disabled user’s stream to end');
  });
});

// Two API nodes on one PostgreSQL: the key is revoked through node 1; the stream held by node 2 ends,
// told by the LISTEN/NOTIFY auth channel. PGlite is one process's database, so PostgreSQL only.
const pg = backends().find((b) => b.name === 'postgres');
describe.skipIf(!pg)('issue 10.7: a revocation on one node ends the stream on another', () => {
  let hub: TestHub;
  let storage2: Storage;
  let app2: App;
  let server2: FastifyInstance;
  let base2: string;

  beforeAll(async () => {
    hub = await startHub(pg!);
    storage2 = await openPostgres(hub.app.storage.location, 3);
    app2 = await createApp(loadConfig({ KESSETSU_RATE_LIMIT: '1000000' }, { dataDir: '/nonexistent' }), { storage: storage2, migrate: false });
    server2 = await buildServer(app2, { logger: false });
    base2 = await server2.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server2?.close();
    await app2?.close();
    await storage2?.close();
    await hub?.close();
  });

  it('node 2 ends the stream of a key node 1 revoked', async () => {
    const m = await makeMember(hub);
    const s = openStream(base2, m.key);
    expect(await s.status).toBe(200);
    const ended = settled(s.ended);
    await waitFor(() => app2.feedback.stream.clients === 1, 5_000, 'the stream on node 2');
    const res = await hub.server.inject({ method: 'DELETE', url: `/api/v1/users/${m.userId}/keys/${await keyIdOf(hub, m)}`, headers: as(hub.adminKey) });
    expect(res.statusCode).toBe(200);
    await waitFor(ended, 5_000, 'node 2 to end the stream');
    expect(app2.feedback.stream.clients).toBe(0);
    // Node 2's key cache heard of it too.
    expect((await fetch(`${base2}/api/v1/me`, { headers: as(m.key) })).status).toBe(401);
  });
});
