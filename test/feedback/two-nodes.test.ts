import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Storage } from '../../src/db/database.ts';
import { buildServer } from '../../src/http/server.ts';
import { backends } from '../support/storage.ts';
import { declareAssets, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { openStream, phishingBundle, waitFor } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BOOTSTRAP_KEY = 'kessetsu-two-nodes-test-bootstrap-key';

/** Starts `kessetsu serve --port 0` against the database; resolves with its base URL once it listens. */
function serve(databaseUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'serve', '--host', '127.0.0.1', '--port', '0', '--quiet'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, KESSETSU_BOOTSTRAP_KEY: BOOTSTRAP_KEY, KESSETSU_RATE_LIMIT: '1000000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${err}`)), 60_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      err += s;
      const m = /listening on (http:\/\/[0-9.:]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`node exited with ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

// Two API nodes on one PostgreSQL: an alert raised by an ingest on one reaches a stream client on
// the other through LISTEN/NOTIFY. Node 2 is a `kessetsu serve` process; node 1 runs in this process
// with its safety poll (which would also find the alert, a minute later) set to an hour, so an alert
// that reaches its stream came by NOTIFY, however long the machine takes. PGlite is one process's
// database, so this runs on PostgreSQL only.
const pg = backends().find((b) => b.name === 'postgres');
describe.skipIf(!pg)('feed back: two server processes on one PostgreSQL', () => {
  let storage: Storage;
  let app: App;
  let server: FastifyInstance;
  let n1: { base: string };
  let n2: { child: ChildProcess; base: string } | undefined;
  let a: TestMember;
  let b: TestMember;

  beforeAll(async () => {
    storage = await pg!.open();
    n2 = await serve(storage.location);
    app = await createApp(loadConfig({}, { dataDir: '/nonexistent' }), { storage, feedback: { stream: { pollMs: 3_600_000 } } });
    server = await buildServer(app, { logger: false });
    n1 = { base: await server.listen({ host: '127.0.0.1', port: 0 }) };
    // Members are made directly in the shared database (what an admin would do on either node).
    const fake = { app } as TestHub;
    a = await makeMember(fake, { name: 'Momiji Bank' });
    b = await makeMember(fake, { name: 'Sakura Bank' });
    await declareAssets(fake, b, { keywords: ['sakura'] });
  }, 120_000);
  afterAll(async () => {
    await stop(n2?.child);
    await server?.close();
    await app?.close();
    await storage?.close();
  });

  it('B listens on node 1; A ingests on node 2; the alert reaches B on node 1', async () => {
    const sub = await fetch(`${n1.base}/api/v1/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] } }),
    });
    expect(sub.status).toBe(201);
    expect(((await sub.json()) as { enabled: boolean }).enabled).toBe(true);
    const stream = openStream(n1.base, b.key);
    expect(await stream.status).toBe(200);
    // The stream is registered once the answer has begun; give the node a moment to add the client.
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${n2!.base}/api/v1/ingest?format=stix&tlp=amber&orgs=${b.org.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
      body: phishingBundle('http://sakura-two-nodes.example/login'),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const ev = await waitFor(() => stream.events[0], 30_000, 'the alert on the other node');
    const alert = JSON.parse(ev.data);
    expect(alert.alert.matches[0].value).toBe('http://sakura-two-nodes.example/login');
    expect(alert.alert.contributor.name).toBe('Momiji Bank');
    stream.close();
  });
});
