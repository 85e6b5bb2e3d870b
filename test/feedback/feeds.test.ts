import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { hasTool } from '../support/tools.ts';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { derivedSid, SID_BASE, SID_RANGE } from '../../src/feedback/feeds/sid.assigner.ts';
import { ingestStix, startFeedbackHub } from './support.ts';
import { checkRule } from './suricata.grammar.ts';

const MD5 = '44d88612fea8a8f36de82e1278abb02f';
const SHA1 = '3395856ce81f2b7382dee72602f798b642f14140';
const SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';
const now = new Date().toISOString();

function indicator(pattern: string, extra: Record<string, unknown> = {}, patternType = 'stix'): Record<string, unknown> {
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, name: pattern.slice(0, 60), pattern, pattern_type: patternType, valid_from: '2020-01-01T00:00:00Z', ...extra };
}

function bundle(objects: Record<string, unknown>[]): string {
  return JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects });
}

const GOOD_YARA = 'rule kessetsu_test_eicar { strings: $a = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" condition: $a }';
const TWIN_YARA = 'rule kessetsu_test_eicar { condition: filesize < 100 }';
const BROKEN_YARA = 'rule broken_rule { strings: $a = "x" condition: $b }';
const INCLUDE_YARA = 'include "/etc/passwd"\nrule sneaky { condition: true }';
const PE_YARA = 'import "pe"\nrule two_sections { condition: pe.number_of_sections == 2 }';

async function get(hub: TestHub, key: string, url: string, headers: Record<string, string> = {}) {
  return hub.server.inject({ method: 'GET', url, headers: { ...as(key), ...headers } });
}

function lines(body: string): string[] {
  return body.split('\n').filter(Boolean);
}

function checkZone(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-rpz-'));
  try {
    writeFileSync(path.join(dir, 'z'), text);
    return execFileSync('named-checkzone', ['rpz.kessetsu', path.join(dir, 'z')], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeStorage('feed back: council feeds', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  let c: TestMember;

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    a = await makeMember(hub, { name: 'Contributor' });
    b = await makeMember(hub, { name: 'Recipient' });
    c = await makeMember(hub, { name: 'Bystander' });
    await ingestStix(
      hub,
      a.key,
      bundle([
        indicator("[url:value = 'http://evil-green.example/x?a=1;b=\"2\"']", { confidence: 80 }),
        indicator("[domain-name:value = 'bad.example']", { confidence: 80 }),
        indicator("[ipv4-addr:value = '198.51.100.7']", { confidence: 80 }),
        indicator("[ipv4-addr:value = '203.0.113.0/24']", { confidence: 80 }),
        indicator("[ipv6-addr:value = '2001:db8::7']", { confidence: 80 }),
        indicator(`[file:hashes.MD5 = '${MD5}' OR file:hashes.'SHA-1' = '${SHA1}' OR file:hashes.'SHA-256' = '${SHA256}']`, { confidence: 90 }),
        indicator("[domain-name:value = 'low.example']", { confidence: 10 }),
        indicator("[domain-name:value = 'expired.example']", { valid_until: '2021-01-01T00:00:00Z' }),
        indicator("[domain-name:value = 'revoked.example']", { revoked: true }),
        indicator("[domain-name:value = 'dns.google']"),
        indicator("[url:value = 'https://docs.google.com/forms/d/phish']"),
        indicator(GOOD_YARA, {}, 'yara'),
        indicator(TWIN_YARA, {}, 'yara'),
        indicator(BROKEN_YARA, {}, 'yara'),
        indicator(INCLUDE_YARA, {}, 'yara'),
        indicator(PE_YARA, {}, 'yara'),
      ]),
    );
    await ingestStix(hub, a.key, bundle([indicator("[domain-name:value = 'strict.example']")]), `tlp=amber%2Bstrict&orgs=${b.org.id}`);
    hub.app.feedback.setWarninglist((k) => k === 'domain-name:dns.google' || k === 'domain-name:docs.google.com', () => 'test-1');
  });
  afterAll(async () => hub?.close());

  it('plain: current, visible, not warninglisted destinations; the policy decides per caller', async () => {
    const res = await get(hub, b.key, '/api/v1/export?format=plain');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(lines(res.body).sort()).toEqual(
      ['bad.example', 'low.example', 'strict.example', '198.51.100.7', '203.0.113.0/24', '2001:db8::7', 'http://evil-green.example/x?a=1;b=%222%22', 'https://docs.google.com/forms/d/phish'].sort(),
    );
    expect(lines((await get(hub, c.key, '/api/v1/export?format=plain')).body)).not.toContain('strict.example');
    expect(lines((await get(hub, b.key, '/api/v1/export?format=plain&min_confidence=50')).body)).not.toContain('low.example');
    expect(lines((await get(hub, b.key, '/api/v1/export?format=plain&type=domain-name')).body).sort()).toEqual(['bad.example', 'low.example', 'strict.example']);
    expect(lines((await get(hub, b.key, '/api/v1/export?format=plain&tlp=green')).body)).not.toContain('strict.example');
    expect((await get(hub, b.key, '/api/v1/export?format=plain&type=nonsense')).statusCode).toBe(400);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain' })).statusCode).toBe(401);
  });

  it('csv and json carry type, confidence, TLP and expiry', async () => {
    const rows = parseCsv((await get(hub, b.key, '/api/v1/feeds/csv')).body, { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.value === 'strict.example')).toMatchObject({ type: 'domain-name', tlp: 'amber+strict', valid_until: '' });
    expect(rows.find((r) => r.value === 'bad.example')).toMatchObject({ confidence: '80', tlp: 'green' });
    expect(rows.find((r) => r.type === 'url' && r.value?.startsWith('http://evil-green'))!.value).toBe('http://evil-green.example/x?a=1;b=%222%22');
    const json = JSON.parse((await get(hub, b.key, '/api/v1/export?format=json')).body);
    expect(json.items).toHaveLength(rows.length);
    const hashes = JSON.parse((await get(hub, b.key, '/api/v1/export?format=json&type=file')).body).items;
    expect(hashes.map((h: { type: string; value: string }) => `${h.type}=${h.value}`).sort()).toEqual([`file:md5=${MD5}`, `file:sha-1=${SHA1}`, `file:sha-256=${SHA256}`]);
  });

  it('hash lists for antivirus vendors, one algorithm per list', async () => {
    expect((await get(hub, b.key, '/api/v1/export?format=hashes')).body).toBe(`${SHA256}\n`);
    expect((await get(hub, b.key, '/api/v1/export?format=hashes&algo=md5')).body).toBe(`${MD5}\n`);
    expect((await get(hub, b.key, '/api/v1/export?format=hashes&algo=sha1')).body).toBe(`${SHA1}\n`);
  });

  it('Suricata rules follow the rule grammar, with stable, unique signature ids', async () => {
    // Ids are given when a Suricata feed first shows a value, not when it is ingested (issue 17).
    const given = async () => (await hub.app.storage.db.selectFrom('feed_sids').select(['key', 'sid']).where('key', 'like', 'domain-name:%.example').execute()).length;
    expect(await given()).toBe(0);
    const body = (await get(hub, b.key, '/api/v1/export?format=suricata')).body;
    expect(await given()).toBeGreaterThan(0);
    const rules = lines(body).filter((l) => !l.startsWith('#'));
    expect(rules).toHaveLength(7);
    const checked = rules.map(checkRule);
    for (const [i, r] of checked.entries()) expect(r, rules[i]).toMatchObject({ ok: true });
    const sids = checked.map((r) => (r.ok ? r.sid : 0));
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of sids) expect(s >= SID_BASE && s < SID_BASE + SID_RANGE).toBe(true);
    // Derived from the value: the domain's id is the hash-derived one (no collision among seven values).
    expect(body).toContain(`sid:${derivedSid('domain-name:bad.example')};`);
    expect(rules.find((r) => r.includes('evil-green'))).toContain('http.uri; content:"/x?a=1|3B|b=%222%22"');
    // A URL on a warninglisted host never becomes a rule on that host (for https, one on the whole host).
    expect(body).not.toContain('docs.google.com');
    // The same values keep their ids in every export, and the caller's view only removes rules.
    const again = (await get(hub, b.key, '/api/v1/export?format=suricata')).body;
    expect(lines(again).filter((l) => !l.startsWith('#'))).toEqual(rules);
    const forC = lines((await get(hub, c.key, '/api/v1/export?format=suricata')).body).filter((l) => !l.startsWith('#'));
    expect(forC).toEqual(rules.filter((r) => !r.includes('strict.example')));
  });

  it.runIf(hasTool('named-checkzone', 'bind9-utils'))('the RPZ zone passes named-checkzone', async () => {
    expect(checkZone((await get(hub, b.key, '/api/v1/export?format=rpz')).body)).toContain('OK');
  });

  it('the RPZ zone blocks hosts and ranges; URL hosts on warninglists are never blocked whole', async () => {
    const zone = (await get(hub, b.key, '/api/v1/export?format=rpz')).body;
    for (const owner of ['bad.example CNAME .', '*.bad.example CNAME .', '32.7.100.51.198.rpz-ip CNAME .', '24.0.113.0.203.rpz-ip CNAME .', '128.7.zz.db8.2001.rpz-ip CNAME .', 'evil-green.example CNAME .'])
      expect(zone.split('\n')).toContain(owner);
    expect(zone).not.toContain('docs.google.com');
    expect(zone).not.toContain('dns.google');
    expect(zone).not.toContain('expired.example');
    expect(zone).not.toContain('revoked.example');
  });

  it.runIf(hasTool('yara', 'yara') && hasTool('yarac', 'yara'))('YARA: the rules file compiles with the real yara; rules that do not are left out and reported', async () => {
    const res = await get(hub, b.key, '/api/v1/export?format=yara');
    expect(res.headers['x-kessetsu-yara-compiled']).toBe('true');
    expect(res.headers['x-kessetsu-yara-skipped']).toBe('2');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-yara-'));
    try {
      writeFileSync(path.join(dir, 'r.yar'), res.body);
      writeFileSync(path.join(dir, 'sample'), 'xx EICAR-STANDARD-ANTIVIRUS-TEST-FILE xx');
      const hits = execFileSync('yara', [path.join(dir, 'r.yar'), path.join(dir, 'sample')], { encoding: 'utf8' });
      // The EICAR rule matches; its namesake was renamed (not dropped) and matches the 40-byte file too.
      expect(hits).toMatch(/^kessetsu_test_eicar /m);
      expect(hits).toMatch(/^kessetsu_test_eicar_[0-9a-f]{12} /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(res.body).toMatch(/left out indicator--[0-9a-f-]+: does not compile: undefined string "\$b"/);
    expect(res.body).toMatch(/left out indicator--[0-9a-f-]+: include directives are not allowed/);
    expect(res.body).toContain('import "pe"');
  });

  it('YARA: the stored YARA indicators are not usable STIX patterns (the export tests that column before their JSON)', async () => {
    const rows = await sql<{ pattern_usable: boolean | null }>`select c.pattern_usable from contributions c where c.data->>'pattern_type' = 'yara'`.execute(hub.app.storage.db);
    expect(rows.rows.map((r) => r.pattern_usable)).toEqual([false, false, false, false, false]);
  });

  it('ETag and If-None-Match make polling cheap; since= gives what changed', async () => {
    const first = await get(hub, b.key, '/api/v1/export?format=plain');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const same = await get(hub, b.key, '/api/v1/export?format=plain', { 'if-none-match': etag });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    expect((await get(hub, c.key, '/api/v1/export?format=plain')).headers.etag).not.toBe(etag);
    const mark = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await ingestStix(hub, a.key, bundle([indicator("[domain-name:value = 'new.example']")]));
    const changed = await get(hub, b.key, '/api/v1/export?format=plain', { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(lines((await get(hub, b.key, `/api/v1/export?format=plain&since=${encodeURIComponent(mark.toISOString())}`)).body)).toEqual(['new.example']);
  });

  /** What the database of the hub is doing now (PostgreSQL): every other session and every lock not granted or advisory. */
  async function databaseActivity(): Promise<string> {
    if (backend.name !== 'postgres') return '';
    const client = new pg.Client({ connectionString: hub.app.storage.location });
    try {
      await client.connect();
      const activity = await client.query(
        `select pid, state, wait_event_type, wait_event, now() - query_start as running, left(query, 200) as query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      const locks = await client.query(`select pid, locktype, mode, granted, relation::regclass::text as rel, objid from pg_locks where not granted or locktype = 'advisory'`);
      return `database activity: ${JSON.stringify(activity.rows)}\nlocks: ${JSON.stringify(locks.rows)}`;
    } catch (err) {
      return `database activity unavailable: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => {});
    }
  }

  // Three CI runs (of about ten, each with a different order of files on the two workers) timed out here at 60 s
  // on PostgreSQL, with no trace of where; a run takes 2-8 s otherwise. The test now records each phase, and after
  // 45 s writes the phases, the event loop's worst delay and what the database is doing to the log while it keeps
  // waiting (up to 150 s): a slow run passes and leaves its trace, a stuck one fails with it.
  it('a client that goes away mid-feed gives its database connection back', { timeout: 150_000 }, async () => {
    const db = hub.app.storage.db;
    const t0 = performance.now();
    const phases: string[] = [];
    const phase = (what: string) => phases.push(`${what} at ${Math.round(performance.now() - t0)} ms`);
    const loop = monitorEventLoopDelay({ resolution: 20 });
    loop.enable();
    const trace = async () => `[${backend.name}] ${phases.join(', ')}; event loop delay max ${Math.round(loop.max / 1e6)} ms\n${await databaseActivity()}`;
    const watchdog = setTimeout(() => void trace().then((t) => console.error(`mid-feed test still running after 45 s: ${t}`)), 45_000);
    await sql`insert into stix_objects_stored (id, type, owner_org_id, seq) select 'indicator--' || md5('abort' || g)::uuid, 'indicator', ${a.org.id}, nextval('change_seq') from generate_series(1, 30000) g`.execute(db);
    await sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash, owner_rank)
      select 'indicator--' || md5('abort' || g)::uuid, ${a.org.id}, 'green', 1, 'green|o:|g:|u:|a:0', now(), now(), nextval('change_seq'), jsonb_build_object('abort', g), md5('abort' || g), 1
      from generate_series(1, 30000) g`.execute(db);
    phase('objects and contributions inserted');
    await sql`insert into object_keys_stored (contribution_id, object_id, key)
      select c.id, c.object_id, 'domain-name:abort-' || (c.data->>'abort') || '.example' from contributions c where c.data ? 'abort'`.execute(db);
    phase('keys inserted');
    const base = await hub.server.listen({ host: '127.0.0.1', port: 0 });
    // More aborted reads than the pool has connections: a leaked cursor would block the next read. Each read
    // ends in an outcome, whatever happens (data, an early end or error, or no data within 20 s), so that a stall
    // fails with where it stood and what the database was doing, not as a bare test timeout (one CI run with
    // three workers timed out here once, with no trace of which read or statement waited).
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      let stage = 'sent';
      outcomes.push(
        await new Promise<string>((resolve) => {
          const timer = setTimeout(() => done(`no data after 20 s (stage: ${stage})`), 20_000);
          const done = (outcome: string) => {
            clearTimeout(timer);
            req.destroy();
            resolve(outcome);
          };
          const req = http.get(`${base}/api/v1/export?format=plain`, { headers: as(b.key) }, (res) => {
            stage = `headers ${res.statusCode}`;
            res.once('data', () => done('data'));
            res.once('end', () => done(`ended without data (${stage})`));
            res.once('error', (err) => done(`response error: ${err.message} (${stage})`));
          });
          req.on('error', (err) => done(`request error: ${err.message} (${stage})`));
        }),
      );
      phase(`read ${i + 1}: ${outcomes[i]}`);
      if (outcomes[i] !== 'data') break;
    }
    if (outcomes.some((o) => o !== 'data')) outcomes.push(await trace());
    expect(outcomes, outcomes.join('\n')).toEqual(Array(8).fill('data'));
    const full = await get(hub, b.key, '/api/v1/export?format=plain&type=domain-name');
    phase('full read');
    clearTimeout(watchdog);
    loop.disable();
    expect(lines(full.body).filter((l) => l.startsWith('abort-'))).toHaveLength(30000);
    // PGlite's one session holds the feed's materialised cursor between pages: each aborted read closed its own.
    if (backend.name === 'pglite') expect(Number((await sql<{ n: number }>`select count(*) as n from pg_cursors where name like 'kessetsu_feed%'`.execute(db)).rows[0]!.n)).toBe(0);
  });

  it('reads of AMBER+STRICT entries are audited', async () => {
    await get(hub, b.key, '/api/v1/export?format=plain&type=domain-name');
    const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'target_id', 'via', 'actor_org_id']).where('via', '=', 'feed.plain').execute();
    expect(audit).toContainEqual({ action: 'object.read', target_id: 'domain-name:strict.example', via: 'feed.plain', actor_org_id: b.org.id });
  });
});
