import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { S3BlobStore } from '../../src/evidence/s3.blob-store.ts';
import { buildServer } from '../../src/http/server.ts';
import { bootstrap } from '../../src/orgs/bootstrap.ts';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { describeStorage } from '../support/storage.ts';
import { kessetsu, migratedFolder } from '../support/cli.ts';

// Issue 12 point 2: evidence files in an S3-compatible store (s3rver on 127.0.0.1) through the API, the
// custody log, the server's check and `kessetsu evidence check`; a misconfigured store answers a clear
// 503 (never 500) and the secret appears in no answer and no log line.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A hub whose JSON log lines are kept (to look for the secret in them). */
async function hubWithLogs(storage: App['storage'], env: Record<string, string>, log: string[]): Promise<{ app: App; server: FastifyInstance }> {
  const app = await createApp(loadConfig({ KESSETSU_RATE_LIMIT: '1000000', KESSETSU_LOG_LEVEL: 'debug', ...env }, { dataDir: '/nonexistent' }), { storage, index: false });
  const logStream = new PassThrough();
  logStream.on('data', (c: Buffer) => log.push(c.toString('utf8')));
  const server = await buildServer(app, { logStream });
  await server.ready();
  return { app, server };
}

/** `kessetsu evidence check` on the folder, in this process (test/support/cli.ts), with the S3 settings in its environment. */
async function cli(dir: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await kessetsu(['evidence', 'check', '--data', dir], env);
  return { status: r.code, stdout: r.out, stderr: r.err };
}

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
}, 60_000);
afterAll(async () => {
  await s3?.close();
});

describeStorage('evidence in the S3-compatible store, through the API', (backend) => {
  let storage: App['storage'];
  let hub: TestHub;
  let police: TestMember;
  let caseId: string;
  const log: string[] = [];
  const prefix = `hub-${randomBytes(3).toString('hex')}`;
  const api = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown, expected = method === 'POST' ? [200, 201] : [200]) => {
    const r = await hub.server.inject({ method, url, headers: as(key), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    if (!expected.includes(r.statusCode)) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 500)}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of free-form JSON
    return r.json() as Record<string, any>;
  };

  beforeAll(async () => {
    storage = await backend.open();
    const { app, server } = await hubWithLogs(storage, { ...s3.env, KESSETSU_EVIDENCE_S3_PREFIX: prefix }, log);
    const first = await bootstrap(storage.db, app.orgs, undefined);
    hub = { app, server, adminKey: first!.key, hubOrgId: first!.orgId, close: async () => {} };
    police = await makeMember(hub, { name: `Police ${prefix}`, kind: 'law_enforcement', role: 'investigator' });
    const indicator = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: '2026-12-01T00:00:00.000Z', modified: '2026-12-01T00:00:00.000Z', pattern: "[domain-name:value = 'lure-bank.example']", pattern_type: 'stix', valid_from: '2026-12-01T00:00:00Z' };
    const ingest = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(hub.adminKey), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: [indicator] }) });
    expect(ingest.statusCode, ingest.body).toBeLessThan(300);
    caseId = (await api(hub.adminKey, 'POST', '/api/v1/cases', { title: 'Lure domain', le_org_id: police.org.id, object_ids: [indicator.id] })).id;
  }, 300_000);
  afterAll(async () => {
    await hub?.server.close();
    await hub?.app.close();
    await storage?.close();
  });

  it('an item is stored in the bucket by its SHA-256, read back, packaged and checked; its custody log grows', async () => {
    expect(hub.app.neutralise.evidence.store).toBeInstanceOf(S3BlobStore);
    const eml = Buffer.from(`From: bank <noreply@lure-bank.example>\r\nSubject: verify ${prefix}\r\n\r\nhttps://lure-bank.example/login\r\n`);
    const empty = await hub.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/evidence?kind=email`, headers: { ...as(hub.adminKey), 'content-type': 'message/rfc822' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    const added = await hub.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/evidence?kind=email&filename=lure.eml&method=gateway%20export`, headers: { ...as(hub.adminKey), 'content-type': 'message/rfc822' }, payload: eml });
    expect(added.statusCode, added.body).toBe(201);
    const ev = added.json() as { id: string; sha256: string; size: number };
    expect(ev).toMatchObject({ sha256: sha(eml), size: eml.length });
    const key = `${prefix}/sha256/${ev.sha256.slice(0, 2)}/${ev.sha256.slice(2, 4)}/${ev.sha256}`;
    expect(await s3.keys()).toContain(key);

    const got = await hub.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/evidence/${ev.id}`, headers: as(police.key) });
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload).toEqual(eml);
    expect(got.headers['x-content-sha256']).toBe(ev.sha256);
    await api(hub.adminKey, 'POST', `/api/v1/cases/${caseId}/packages`, undefined, [201]);
    const custody = await api(hub.adminKey, 'GET', `/api/v1/cases/${caseId}/evidence/${ev.id}/custody`);
    expect(custody.custody.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['collected', 'transferred']));
    expect((await api(hub.adminKey, 'POST', '/api/v1/evidence/check')).ok).toBe(true);

    // Replaced in the bucket behind the hub's back: refused (409, in the custody log) and found by the check.
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from('replaced in the bucket') }));
    const refused = await hub.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/evidence/${ev.id}`, headers: as(police.key) });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/no longer matches its SHA-256/);
    const check = await api(hub.adminKey, 'POST', '/api/v1/evidence/check');
    expect(check.ok).toBe(false);
    expect(check.failures).toContainEqual(expect.objectContaining({ id: ev.id, expected: ev.sha256, actual: sha(Buffer.from('replaced in the bucket')) }));
    const after = await api(hub.adminKey, 'GET', `/api/v1/cases/${caseId}/evidence/${ev.id}/custody`);
    expect(after.custody.map((e: { action: string }) => e.action)).toContain('integrity-failure');
    // Adding the genuine file again does not overwrite the altered object (409); removing it lets it back in.
    const again = await hub.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/evidence?kind=email&filename=lure.eml`, headers: { ...as(hub.adminKey), 'content-type': 'message/rfc822' }, payload: eml });
    expect(again.statusCode, again.body).toBe(409);
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/evidence?kind=email&filename=lure.eml`, headers: { ...as(hub.adminKey), 'content-type': 'message/rfc822' }, payload: eml })).statusCode).toBe(201);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/evidence/${ev.id}`, headers: as(police.key) })).rawPayload).toEqual(eml);
    expect(log.join('')).not.toContain(s3.secret);
  });

  it('a 12 MiB file is streamed through the API into the bucket in parts (no staging key left) and read back whole', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    const before = new Set(await s3.keys());
    const added = await hub.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/evidence?kind=file&filename=disk.img`, headers: { ...as(hub.adminKey), 'content-type': 'application/octet-stream' }, payload: big });
    expect(added.statusCode, added.body).toBe(201);
    const ev = added.json() as { id: string; sha256: string; size: number };
    expect(ev).toMatchObject({ sha256: sha(big), size: big.length });
    expect((await s3.keys()).filter((k) => !before.has(k))).toEqual([`${prefix}/sha256/${ev.sha256.slice(0, 2)}/${ev.sha256.slice(2, 4)}/${ev.sha256}`]);
    const got = await hub.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/evidence/${ev.id}`, headers: as(hub.adminKey) });
    expect(got.statusCode).toBe(200);
    expect(sha(got.rawPayload)).toBe(ev.sha256);
  }, 120_000);

  it('a store that refuses the credentials, or whose bucket is gone, answers 503 with the reason, never 500, and the secret is in no log line', async () => {
    const item = (await api(hub.adminKey, 'GET', `/api/v1/cases/${caseId}/evidence`)).items[0] as { id: string };
    const cases: [Record<string, string>, RegExp, string][] = [
      [{ KESSETSU_EVIDENCE_S3_SECRET_ACCESS_KEY: `wrong-${s3.secret}` }, /refused the credentials .*SignatureDoesNotMatch/, 'SignatureDoesNotMatch'],
      [{ KESSETSU_EVIDENCE_S3_BUCKET: 'evidence-bucket-gone' }, /the S3 bucket "evidence-bucket-gone" at http:\/\/127\.0\.0\.1:\d+ does not exist/, 'NoSuchBucket'],
    ];
    for (const [over, reason, code] of cases) {
      const log2: string[] = [];
      const bad = await hubWithLogs(storage, { ...s3.env, KESSETSU_EVIDENCE_S3_PREFIX: prefix, ...over }, log2);
      try {
        const answers = [
          await bad.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/evidence?kind=file&filename=x.bin`, headers: { ...as(hub.adminKey), 'content-type': 'application/octet-stream' }, payload: randomBytes(64) }),
          await bad.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/evidence/${item.id}`, headers: as(police.key) }),
          await bad.server.inject({ method: 'POST', url: '/api/v1/evidence/check', headers: as(hub.adminKey) }),
        ];
        for (const a of answers) {
          expect(a.statusCode, a.body).toBe(503);
          expect(a.json()).toMatchObject({ error: { code: 'unavailable', message: expect.stringMatching(reason) } });
          expect(a.body).not.toContain(s3.secret);
        }
        const lines = log2.join('');
        expect(lines).toContain(`"store_error":"${code}"`);
        expect(lines).not.toContain(s3.secret);
      } finally {
        await bad.server.close();
        await bad.app.close();
      }
    }
  }, 120_000);
});

describe('`kessetsu evidence check` on the S3 store', () => {
  it('finds every item intact, then the one replaced in the bucket (exit 1)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-s3cli-'));
    const env = { ...s3.env, KESSETSU_EVIDENCE_S3_PREFIX: `cli-${randomBytes(3).toString('hex')}` };
    try {
      // A migrated folder, not a new one: this test is not about initialising it (test speed, issue 11.7).
      migratedFolder(dir);
      const config = loadConfig({ ...env }, { dataDir: dir });
      const app = await createApp(config, { index: false });
      const first = await bootstrap(app.storage.db, app.orgs, undefined);
      const admin = await app.auth.authenticate(first!.key);
      const bytes = Buffer.from(`memory image excerpt ${randomBytes(8).toString('hex')}`);
      const row = await app.neutralise.evidence.add(admin as Parameters<typeof app.neutralise.evidence.add>[0], null, { kind: 'file', filename: 'dump.bin', mediaType: 'application/octet-stream', content: bytes, method: 'FTK' });
      await app.close();
      const ok = await cli(dir, env);
      expect(ok.stdout + ok.stderr).toMatch(/1 evidence item\(s\), 0 failing; custody chain intact \(1 entries\)/);
      expect(ok.status).toBe(0);
      const key = `${env.KESSETSU_EVIDENCE_S3_PREFIX}/sha256/${row.sha256.slice(0, 2)}/${row.sha256.slice(2, 4)}/${row.sha256}`;
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from('swapped') }));
      const bad = await cli(dir, env);
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain(`- ${row.id}: recorded ${row.sha256}, found ${sha(Buffer.from('swapped'))}`);
      expect(bad.stdout + bad.stderr).not.toContain(s3.secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
