import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Storage } from '../../src/db/database.ts';
import type { Backend } from './storage.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A `kessetsu serve` process on a fresh database of a backend, listening on 127.0.0.1. */
export interface ServedHub {
  readonly base: string;
  readonly adminKey: string;
  readonly child: ChildProcess;
  /** The PGlite folder, or the PostgreSQL URL. */
  readonly where: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and drops its database. */
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

/**
 * Starts `kessetsu serve --port 0` as its own process (so probes measure it from outside its event
 * loop) on a fresh PGlite folder or PostgreSQL database (or on `databaseUrl`, left to the caller);
 * resolves once it listens.
 * @example const hub = await serveHub(backend, { KESSETSU_PARSE_WORKERS: '1' })
 */
export async function serveHub(backend: Backend, env: Record<string, string> = {}, opts: { databaseUrl?: string; adminKey?: string } = {}): Promise<ServedHub> {
  const adminKey = opts.adminKey ?? `test-bootstrap-${randomBytes(12).toString('hex')}`;
  let storage: Storage | null = null;
  let dir: string | null = null;
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), KESSETSU_BOOTSTRAP_KEY: adminKey, KESSETSU_RATE_LIMIT: '1000000', ...env };
  delete childEnv.DATABASE_URL;
  let where: string;
  if (opts.databaseUrl) {
    // A database the caller owns (and drops): several nodes on one database.
    where = opts.databaseUrl;
    childEnv.DATABASE_URL = where;
  } else if (backend.name === 'postgres') {
    storage = await backend.open();
    where = storage.location;
    childEnv.DATABASE_URL = where;
  } else {
    dir = mkdtempSync(path.join(inject('testTmp'), 'serve-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
    where = dir;
  }
  const args = [path.join(ROOT, 'src/cli/main.ts'), 'serve', '--host', '127.0.0.1', '--port', '0', '--quiet', ...(dir ? ['--data', dir] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    err += s;
  });
  const cleanup = async (): Promise<void> => {
    await stopChild(child);
    if (storage) await storage.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kessetsu serve did not start: ${err}`)), 90_000);
      const onData = (): void => {
        const m = /listening on (http:\/\/[0-9.:]+)/.exec(err);
        if (m && err.includes('kessetsu: ready')) {
          clearTimeout(timer);
          child.stderr!.off('data', onData);
          resolve(m[1]!);
        }
      };
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`kessetsu serve exited with ${code}: ${err}`)));
    });
    return { base, adminKey, child, where, stderr: () => err, stop: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Calls a served hub's API as a key; answers status and JSON body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reads answers field by field, as with inject().json()
export async function call(hub: ServedHub, key: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(hub.base + url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/**
 * Factory over the API: an organisation (finance, NDA accepted) with one member and its key.
 * @example const bank = await memberOf(hub, 'Sakura Bank')
 */
export async function memberOf(hub: ServedHub, name: string): Promise<{ orgId: string; userId: string; key: string }> {
  const org = await call(hub, hub.adminKey, 'POST', '/api/v1/orgs', { name: `${name} ${randomBytes(3).toString('hex')}`, kind: 'industry', sector: 'finance' });
  if (org.status !== 201) throw new Error(`org: ${org.status} ${JSON.stringify(org.json)}`);
  const user = await call(hub, hub.adminKey, 'POST', `/api/v1/orgs/${org.json.id}/users`, { name: `analyst-${randomBytes(3).toString('hex')}`, role: 'member' });
  if (user.status !== 201) throw new Error(`user: ${user.status} ${JSON.stringify(user.json)}`);
  // The hub's admin records the NDA the member signed (the current version).
  const nda = await call(hub, hub.adminKey, 'POST', `/api/v1/orgs/${org.json.id}/nda`, { signer_user_id: user.json.id });
  if (nda.status !== 200) throw new Error(`nda: ${nda.status} ${JSON.stringify(nda.json)}`);
  const key = await call(hub, hub.adminKey, 'POST', `/api/v1/users/${user.json.id}/keys`, {});
  if (key.status !== 201) throw new Error(`key: ${key.status} ${JSON.stringify(key.json)}`);
  return { orgId: org.json.id, userId: user.json.id, key: key.json.key };
}
