import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/database.ts';
import { sql } from 'kysely';
import { camelCaseKeys } from '../support/casing.ts';
import { kessetsu as cli, kessetsuProcess } from '../support/cli.ts';

const MAIN = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

/** Starts `kessetsu serve` and resolves with its URL and first output once it listens. */
function serve(dir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data', dir, '--quiet'], { env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const started = Date.now();
  const ready = new Promise<{ url: string; output: string; ms: number }>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m && err.includes('kessetsu: ready')) resolve({ url: m[1]!, output: err, ms: Date.now() - started });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { child, ready, stop: () => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.on('exit', () => r()), child.kill('SIGTERM')))) };
}

describe('the kessetsu CLI', () => {
  let dir: string;
  let adminKey: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // How fast a restart answers /healthz is measured by bench/startup.bench.ts, not here (no timed tests).
  // The restarted server also shows that no other process may open a folder it serves (one serve less: test speed, issue 11.7).
  it('serve on an empty folder prints the URL and the first admin key once; a restart on the folder answers /healthz; no other process opens a served folder', { timeout: 300_000 }, async () => {
    const first = serve(dir);
    try {
      const { url, output } = await first.ready;
      const key = /admin API key \(shown once\): (\S+)/.exec(output)?.[1];
      expect(key).toMatch(/^ks_[a-z0-9]{10}_/);
      adminKey = key!;
      const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(me.status).toBe(200);
    } finally {
      await first.stop();
    }

    const second = serve(dir);
    try {
      const { url: url2, output: out2 } = await second.ready;
      const health = await fetch(`${url2}/healthz`);
      expect(health.status).toBe(200);
      expect(out2).not.toContain('admin API key');
      const ready = await fetch(`${url2}/readyz`);
      expect(((await ready.json()) as { status: string }).status).toBe('ready');
      const inUse = await cli(['org', 'list', '--data', dir]);
      expect(inUse.code).toBe(1);
      expect(inUse.err).toMatch(/in use by process \d+/);
    } finally {
      await second.stop();
    }
  });

  it('admin commands work on the folder: org add/list, user add, key create/revoke, with clear errors', { timeout: 300_000 }, async () => {
    const org = await cli(['org', 'add', 'Sakura Bank', '--kind', 'industry', '--sector', 'finance', '--data', dir]);
    expect(org.code, org.err).toBe(0);
    const orgId = JSON.parse(org.out).id;
    expect((await cli(['org', 'list', '--data', dir])).out).toContain('Sakura Bank');
    const user = await cli(['user', 'add', 'analyst', '--org', 'Sakura Bank', '--role', 'member', '--data', dir]);
    expect(user.code, user.err).toBe(0);
    const userId = JSON.parse(user.out).id;
    expect(JSON.parse(user.out).org_id).toBe(orgId);
    // The NDA names its version and its signer (issue 10.7).
    const nda = await cli(['org', 'nda', 'Sakura Bank', '--signer', userId, '--data', dir]);
    expect(nda.code, nda.err).toBe(0);
    expect(JSON.parse(nda.out)).toMatchObject({ nda_accepted_by: userId, nda_version: '2026-1' });
    const key = await cli(['key', 'create', '--user', userId, '--data', dir]);
    expect(key.code, key.err).toBe(0);
    const keyId = JSON.parse(key.out).id;
    expect(JSON.parse(key.out).key).toMatch(/^ks_/);
    expect(JSON.parse(key.out)).toMatchObject({ user_id: userId, created_at: expect.any(String) });
    expect(camelCaseKeys(JSON.parse(key.out))).toEqual([]);
    expect((await cli(['key', 'revoke', keyId, '--user', userId, '--data', dir])).code).toBe(0);
    // The installed binary (bin/kessetsu.js in a new process): its exit code and stderr for a bad flag.
    const badKind = await kessetsuProcess(['org', 'add', 'X', '--kind', 'bank', '--data', dir]);
    expect(badKind.code).toBe(2);
    expect(badKind.err).toContain('--kind must be one of');
    const noOrg = await cli(['user', 'add', 'x', '--org', 'Nobody', '--role', 'member', '--data', dir]);
    expect(noOrg.code).toBe(1);
    expect(noOrg.err).toContain('no organisation "Nobody"');
    for (const cmd of [[], ['serve'], ['import'], ['org', 'add'], ['audit', 'verify'], ['key', 'revoke']]) {
      const help = await cli([...cmd, '--help']);
      expect(help.code, cmd.join(' ')).toBe(0);
      expect(help.out).toMatch(/Usage: kessetsu/);
    }
  });

  it('audit verify passes on an untouched log and names the broken entry after a row is changed with SQL', { timeout: 300_000 }, async () => {
    const ok = await cli(['audit', 'verify', '--data', dir]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/audit chain intact: \d+ entries/);
    const storage = await openPglite(dir);
    const row = await storage.db.selectFrom('audit_log').select('seq').where('action', '=', 'user.create').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    await sql`update audit_log set details = '{"tampered": true}' where seq = ${row.seq}`.execute(storage.db);
    await storage.close();
    const broken = await cli(['audit', 'verify', '--data', dir]);
    expect(broken.code).toBe(1);
    expect(broken.err).toContain(`audit chain broken at entry ${row.seq}`);
  });
});
