import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/storage.ts';
import { call, memberOf, serveHub, type ServedHub } from '../support/serve.ts';

// Issue 10.6: PostgreSQL restarted under load. Two hub nodes run as their own processes on a throwaway
// PostgreSQL cluster of this test (never the shared test server); one is kept busy with ingests and
// lookups while the cluster restarts. Both stay up, answer 503 (never 500) while the database is away,
// are ready again after, and their LISTEN connections come back: an ingest on one node after the
// restart reaches the other node's lookup index, which only a notification brings.

const BIN = '/usr/lib/postgresql/15/bin';
const usable = existsSync(path.join(BIN, 'pg_ctl')) && existsSync(path.join(BIN, 'initdb')) && (process.getuid?.() !== 0 || existsSync('/usr/sbin/runuser'));
if (!usable) console.log('pg-restart: PostgreSQL 15 server binaries not found; skipped');

/** Runs a PostgreSQL tool as the postgres user (it refuses to run as root). */
function asPostgres(tool: string, args: string[]): string {
  const cmd = path.join(BIN, tool);
  return process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) : execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!usable)('PostgreSQL restarted under load: nodes log, answer 503, recover, and LISTEN again', () => {
  let dir = '';
  let data = '';
  let url = '';
  let a: ServedHub | null = null;
  let b: ServedHub | null = null;
  const pgctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-w', '-t', '120', ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pgrestart-'));
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
    data = path.join(dir, 'data');
    const port = await freePort();
    asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
    pgctl('-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=60`, 'start');
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const backend = backends().find((x) => x.name === 'postgres') ?? backends()[0]!;
    a = await serveHub(backend, { KESSETSU_PARSE_WORKERS: '0' }, { databaseUrl: url });
    // The second node joins the first one's database (already migrated and bootstrapped).
    b = await serveHub(backend, { KESSETSU_PARSE_WORKERS: '0' }, { databaseUrl: url, adminKey: a.adminKey });
  }, 300_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    if (data && existsSync(path.join(data, 'postmaster.pid'))) {
      try {
        pgctl('-m', 'immediate', 'stop');
      } catch {
        // already stopped
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Backends of the cluster that last ran a LISTEN (the nodes' listener connections). */
  async function listeners(): Promise<number> {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      const r = await c.query<{ n: string }>(`select count(*) as n from pg_stat_activity where query like 'LISTEN %' and pid <> pg_backend_pid()`);
      return Number(r.rows[0]!.n);
    } catch {
      return -1;
    } finally {
      await c.end().catch(() => {});
    }
  }

  async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, tries = 300): Promise<T> {
    let v = await probe();
    for (let i = 0; i < tries && !ok(v); i++) {
      await sleep(200);
      v = await probe();
    }
    if (!ok(v)) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    return v;
  }

  it('both nodes stay up through a restart under load, then see each other’s new data', { timeout: 600_000 }, async () => {
    const hubA = a!;
    const hubB = b!;
    const bank = await memberOf(hubA, 'Momiji Bank');
    const reader = await memberOf(hubA, 'Sakura Bank');
    expect(await until('listeners before', listeners, (n) => n >= 2)).toBeGreaterThanOrEqual(2);

    // Load on node A: small ingests and lookups, one after the other, while the cluster restarts.
    const statuses: (number | string)[] = [];
    let stop = false;
    let n = 0;
    const load = (async () => {
      while (!stop) {
        n++;
        for (const [method, url2, body, type] of [
          ['POST', `/api/v1/ingest?format=text&tlp=green`, `C2 at 203.0.113.${n % 250} during restart`, 'text/plain'],
          ['POST', '/api/v1/lookup', JSON.stringify({ values: ['203.0.113.1'] }), 'application/json'],
        ] as const) {
          try {
            const res = await fetch(hubA.base + url2, { method, headers: { authorization: `Bearer ${bank.key}`, 'content-type': type }, body, signal: AbortSignal.timeout(60_000) });
            await res.arrayBuffer();
            statuses.push(res.status);
          } catch (err) {
            statuses.push((err as Error).name);
          }
        }
      }
    })();
    await until('load started', async () => statuses.length, (k) => k >= 4);
    // With its log file again: without -l the restarted server would write to (and hold open) this
    // process's pipes, and execFileSync would wait for them to close for ever (why this test hung).
    pgctl('-l', path.join(dir, 'log'), '-m', 'fast', 'restart');
    await sleep(1_000);
    stop = true;
    await load;

    // Both processes are alive and ready again.
    expect([hubA.child.exitCode, hubB.child.exitCode]).toEqual([null, null]);
    for (const h of [hubA, hubB]) await until('ready', async () => (await fetch(h.base + '/readyz')).status, (s) => s === 200);
    // Nothing was an internal error or a dropped connection; what the database could not do said 503.
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    console.log(`pg-restart: ${statuses.length} requests during the restart: ${statuses.filter((s) => s === 200).length} × 200, ${statuses.filter((s) => s === 503).length} × 503`);

    // The LISTEN connections came back, and carry notifications again.
    expect(await until('listeners after', listeners, (k) => k >= 2)).toBeGreaterThanOrEqual(2);
    const ingested = await call(hubA, bank.key, 'POST', '/api/v1/lookup', { values: ['198.51.100.250'] });
    expect(ingested.json.found).toBe(0);
    const res = await fetch(`${hubA.base}/api/v1/ingest?format=text&tlp=green`, { method: 'POST', headers: { authorization: `Bearer ${bank.key}`, 'content-type': 'text/plain' }, body: 'new C2 after the restart: 198.51.100.250' });
    expect(res.status).toBe(200);
    const seen = await until('node B sees the new value', async () => (await call(hubB, reader.key, 'POST', '/api/v1/lookup', { values: ['198.51.100.250'] })).json.found as number, (f) => f === 1);
    expect(seen).toBe(1);
    for (const h of [hubA, hubB]) expect(h.stderr()).toContain('LISTEN connection to PostgreSQL is back');
  });
});
