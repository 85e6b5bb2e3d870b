import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openPglite } from '../../src/db/database.ts';
import { checkPgliteFolder } from '../../src/db/pglite.folder.ts';
import { insertIngest } from '../../src/ingest/ingests.repository.ts';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

// Issue 10.6: faults. A damaged PGlite folder is refused, never initialised over; a node starting never
// fails another live node's running ingest (lease and heartbeat); a full disk is a clear 507 and a
// readiness answer, and the hub recovers once space is back. (PostgreSQL restarts: pg-restart.test.ts.)

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every file under a folder with its size: what "left as it was" is checked against. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('a damaged PGlite folder is refused naming it, never initialised over', () => {
  const dirs: string[] = [];
  const copyOfDatabase = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-damaged-'));
    dirs.push(dir);
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
    return dir;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('missing PG_VERSION: open refuses naming the folder, and no file is touched', async () => {
    const dir = copyOfDatabase();
    rmSync(path.join(dir, 'PG_VERSION'));
    const before = listing(dir);
    expect(before.length).toBeGreaterThan(100);
    await expect(openPglite(dir)).rejects.toThrow(`the PGlite data folder ${dir} is not empty but has no PG_VERSION`);
    expect(listing(dir)).toEqual(before);
  });

  it('missing global/pg_control: refused as damaged, naming what is missing', async () => {
    const dir = copyOfDatabase();
    rmSync(path.join(dir, 'global/pg_control'));
    await expect(openPglite(dir)).rejects.toThrow(`the PGlite data folder ${dir} is damaged (missing global/pg_control)`);
  });

  // That such a folder is then initialised (PG_VERSION written, the hub started) is shown end to end by
  // test/cli/cli.test.ts: \`serve\` writes its pid file into an empty folder before it opens the database there.
  // Not initialising one here saves a PGlite initdb (test speed, issue 11.7).
  it('a folder of other files is refused too; an empty one (or one with only the pid file) is a new database', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-other-'));
    dirs.push(other);
    writeFileSync(path.join(other, 'notes.txt'), 'not a database');
    await expect(openPglite(other)).rejects.toThrow(/has no PG_VERSION .*notes\.txt/);
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-fresh-'));
    dirs.push(fresh);
    expect(checkPgliteFolder(fresh)).toBe('new');
    writeFileSync(path.join(fresh, 'kessetsu.pid'), String(process.pid));
    expect(checkPgliteFolder(fresh)).toBe('new');
    expect(checkPgliteFolder(path.join(fresh, 'not-made-yet'))).toBe('new');
  });

  it('kessetsu serve refuses to start on it, naming the folder, and exits', { timeout: 120_000 }, () => {
    const dir = copyOfDatabase();
    rmSync(path.join(dir, 'PG_VERSION'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0', '--quiet', '--data', dir], { cwd: ROOT, encoding: 'utf8', timeout: 100_000, env: { ...process.env, DATABASE_URL: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`kessetsu: the PGlite data folder ${dir} is not empty but has no PG_VERSION`);
    expect(r.stderr).not.toContain('listening');
    expect(readdirSync(dir)).not.toContain('PG_VERSION');
  });
});

describeStorage('a node never fails another live node’s running ingest (lease and heartbeat)', (backend) => {
  let hub: TestHub;
  let second: App | null = null;
  let m: TestMember;
  const LEASE = { KESSETSU_INGEST_LEASE_SECONDS: '2', KESSETSU_RATE_LIMIT: '1000000' };
  beforeAll(async () => {
    hub = await startHub(backend, LEASE);
    m = await makeMember(hub);
  });
  afterAll(async () => {
    await second?.close();
    await hub.close();
  });

  const statusOf = async (id: string) => hub.app.storage.db.selectFrom('ingests').select(['status', 'errors', 'node_id']).where('id', '=', id).executeTakeFirstOrThrow();
  const row = { format: 'stix', source: 'api', filename: null, dry_run: false, params: {}, bytes: 1, status: 'running' as const };

  it('a second node starting leaves the first node’s running ingest alone; it fails only once the first node stops renewing', { timeout: 120_000 }, async () => {
    const db = hub.app.storage.db;
    const running = await insertIngest(db, { ...row, org_id: m.org.id, user_id: m.userId }, hub.app.guards.lease);
    // An ingest of a process that stopped before this release: no lease at all.
    const orphan = await insertIngest(db, { ...row, org_id: m.org.id, user_id: m.userId });
    second = await createApp(loadConfig(LEASE, { dataDir: '/nonexistent' }), { storage: hub.app.storage });
    expect((await statusOf(running)).status).toBe('running');
    expect((await statusOf(running)).node_id).toBe(hub.app.guards.lease.nodeId);
    expect((await statusOf(orphan)).status).toBe('failed');

    // Longer than the lease: the first node's heartbeat keeps it.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await second.guards.lease.tick()).toBe(0);
    expect((await statusOf(running)).status).toBe('running');

    // The first node stops renewing (as if its process were gone): after the lease, any node fails it.
    await hub.app.guards.lease.close();
    let failed = 0;
    for (let i = 0; i < 100 && failed === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      failed = await second.guards.lease.tick();
    }
    const after = await statusOf(running);
    expect(after.status).toBe('failed');
    expect(JSON.stringify(after.errors)).toContain('interrupted: the process running it stopped before it committed');
  });

  it('an ingest through the API is held by its node’s lease and finishes done', async () => {
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=text&tlp=green', headers: { ...as(m.key), 'content-type': 'text/plain' }, payload: 'C2 at 198.51.100.23' });
    expect(r.statusCode).toBe(200);
    const s = await statusOf(r.json().id);
    expect([s.status, s.node_id]).toEqual(['done', hub.app.guards.lease.nodeId]);
  });
});

describeStorage('a full disk is a clear error and a readiness answer, and the hub recovers', (backend) => {
  let hub: TestHub;
  let m: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend);
    m = await makeMember(hub);
  });
  afterAll(() => hub.close());

  const ingest = (value: string) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=text&tlp=green', headers: { ...as(m.key), 'content-type': 'text/plain' }, payload: `C2 at ${value}` });

  it('a write that finds the disk full answers 507 naming the cause; /readyz says so; /healthz and reads still answer; space back, all is well', async () => {
    const db = hub.app.storage.db;
    // The database's own refusal, as PostgreSQL raises it when it cannot extend a file.
    await sql`create function kessetsu_test_disk_full() returns trigger language plpgsql as $$
      begin raise exception 'could not extend file "base/16384/16385": No space left on device' using errcode = 'disk_full'; end $$`.execute(db);
    // Whichever table the ingest writes (feed lines with KESSETSU_INGEST_FEED_LINES).
    for (const t of ['contributions_stored', 'feed_lines']) await sql`create trigger kessetsu_test_disk_full before insert on ${sql.table(t)} for each row execute function kessetsu_test_disk_full()`.execute(db);

    const r = await ingest('198.51.100.77');
    expect(r.statusCode).toBe(507);
    expect(r.json().error.code).toBe('insufficient_storage');
    expect(r.json().error.message).toContain("the hub's database is out of disk space: nothing was stored");
    const ready = await hub.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toMatch(/^database out of disk space since .*: writes are refused until space is freed$/);
    expect((await hub.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/objects?limit=5', headers: as(m.key) })).statusCode).toBe(200);
    const rec = await db.selectFrom('ingests').select(['status', 'errors']).where('org_id', '=', m.org.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(rec.status).toBe('failed');
    expect(JSON.stringify(rec.errors)).toContain('out of disk space');
    const stored = await db.selectFrom('object_keys').select('key').where('key', 'like', '%198.51.100.77%').execute();
    expect(stored).toEqual([]);

    for (const t of ['contributions_stored', 'feed_lines']) await sql`drop trigger kessetsu_test_disk_full on ${sql.table(t)}`.execute(db);
    const ok = await ingest('198.51.100.78');
    expect(ok.statusCode).toBe(200);
    expect((await hub.server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
