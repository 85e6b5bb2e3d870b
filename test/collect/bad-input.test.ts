import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { gzipOfZeros } from '../support/gzip-bomb.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

function bundleOf(objects: unknown[]): string {
  return JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects });
}

const now = '2026-11-01T00:00:00.000Z';
const goodIndicator = () => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, pattern: "[domain-name:value = 'bad.example.com']", pattern_type: 'stix', valid_from: now });

describeStorage('ingest refuses bad input clearly and writes nothing half', (backend) => {
  let hub: TestHub;
  let m: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_INGEST_LIMIT: String(150 * 1024 * 1024) });
    m = await makeMember(hub);
  });
  afterAll(() => hub.close());

  const post = (qs: string, payload: string | Buffer, type = 'application/json') => hub.server.inject({ method: 'POST', url: `/api/v1/ingest?${qs}`, headers: { ...as(m.key), 'content-type': type }, payload });
  const count = async () => Number((await hub.app.storage.db.selectFrom('stix_objects').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('malformed and truncated JSON name the line and column', async () => {
    const r = await post('format=stix', '{"type": "bundle",\n "objects": [ {"type": "indicator",, } ]}');
    expect(r.statusCode).toBe(422);
    expect(r.json().error.message).toMatch(/line 2 column \d+/);
    const t = await post('format=stix', bundleOf([goodIndicator()]).slice(0, 80));
    expect(t.statusCode).toBe(422);
    expect(t.json().error.message).toMatch(/truncated|ends too early/);
  });

  it('an invalid object rejects the whole bundle by default, naming its index; lenient imports the rest', async () => {
    const before = await count();
    const bad = { ...goodIndicator(), pattern: "[ipv4-addr:value = '1.2.3.4'", modified: '2020-01-01T00:00:00Z' };
    const objects = [goodIndicator(), bad, { type: 'x-unknown-thing', id: `x-unknown-thing--${crypto.randomUUID()}` }, { type: 'weird', id: 'weird--1' }];
    const strict = await post('format=stix', bundleOf(objects));
    expect(strict.statusCode).toBe(422);
    const details = strict.json().error.details;
    expect(details.errors.some((e: { where: string }) => e.where.startsWith('objects[1]'))).toBe(true);
    expect(details.errors.some((e: { where: string }) => e.where.startsWith('objects[3]'))).toBe(true);
    expect(await count()).toBe(before);
    const lenient = await post('format=stix&lenient=true', bundleOf(objects));
    expect(lenient.statusCode).toBe(200);
    expect(lenient.json().counts.rejected).toBeGreaterThan(0);
    expect(await count()).toBeGreaterThan(before);
  });

  it('a dangling reference is reported with the object index', async () => {
    const rel = { type: 'relationship', spec_version: '2.1', id: `relationship--${crypto.randomUUID()}`, created: now, modified: now, relationship_type: 'indicates', source_ref: `indicator--${crypto.randomUUID()}`, target_ref: `malware--${crypto.randomUUID()}` };
    const r = await post('format=stix&lenient=true', bundleOf([rel]));
    expect([200, 422]).toContain(r.statusCode);
    const body = r.json();
    const issues = [...(body.warnings ?? []), ...(body.errors ?? []), ...(body.error?.details?.errors ?? [])];
    expect(issues.some((i: { where: string; reason: string }) => i.where.startsWith('objects[0]'))).toBe(true);
  });

  it('a failure inside the transaction leaves nothing of the ingest', async () => {
    const other = await startHub(backend);
    try {
      const mm = await makeMember(other);
      let armed = true;
      other.app.ingest.addHooks({
        begin: () => ({
          finish: async () => {
            if (armed) throw new Error('simulated crash after the objects were written');
          },
        }),
      });
      const objs = Array.from({ length: 3000 }, () => goodIndicator());
      const r = await other.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix', headers: { ...as(mm.key), 'content-type': 'application/json' }, payload: bundleOf(objs) });
      expect(r.statusCode).toBe(500);
      const n = await other.app.storage.db.selectFrom('stix_objects').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(0);
      const ingest = await other.app.storage.db.selectFrom('ingests').select(['status']).executeTakeFirstOrThrow();
      expect(ingest.status).toBe('failed');
      armed = false;
    } finally {
      await other.close();
    }
  });

  it('a gzip bomb is refused, a good gzip body is taken', async () => {
    const bomb = await gzipOfZeros(200 * 1024 * 1024);
    const r = await post('format=text', bomb, 'application/gzip');
    expect(r.statusCode).toBe(413);
    expect(r.json().error.message).toMatch(/bomb|limit/);
    const ok = await post('format=text', gzipSync(Buffer.from('phish at hxxp://login-sakura[.]com/verify')), 'application/gzip');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().counts.objects).toBeGreaterThan(0);
  });

  // One line of 32 MiB, three times the 10 MiB over which an ingest is a job: a scan that backtracks on a long
  // line would not finish at this length either (was 100 MB: test speed, issue 11.7).
  it('a 32 MiB single-line file runs as a job and finishes without hanging', { timeout: 300_000 }, async () => {
    const line = Buffer.alloc(32 * 1024 * 1024, 'a');
    line.write(' 203.0.113.99 ', 16 * 1024 * 1024);
    const r = await post('format=text', line, 'text/plain');
    expect(r.statusCode).toBe(202);
    const id = r.json().id;
    await hub.app.ingest.drain();
    const s = await hub.server.inject({ method: 'GET', url: `/api/v1/ingests/${id}`, headers: as(m.key) });
    expect(s.json().status).toBe('done');
    expect(s.json().counts.objects).toBeGreaterThan(0);
  });

  it('a dry run reports what would be created and stores nothing', async () => {
    const before = await count();
    const r = await post('format=stix&dry_run=true', bundleOf([goodIndicator(), goodIndicator()]));
    expect(r.statusCode).toBe(200);
    expect(r.json().dry_run).toBe(true);
    expect(r.json().by_type.indicator).toBe(2);
    expect(await count()).toBe(before);
  });

  it('wrong parameters are 400 with the field named', async () => {
    for (const [qs, field] of [['tlp=purple', 'tlp'], ['orgs=not-an-id', 'orgs'], ['orgs=00000000-0000-4000-8000-000000000000', 'orgs'], ['format=docx', 'format'], ['groups=00000000-0000-4000-8000-000000000000', 'groups']] as const) {
      const r = await post(qs, bundleOf([goodIndicator()]));
      expect(r.statusCode, qs).toBe(400);
      expect(r.json().error.message, qs).toContain(field);
    }
    const empty = await post('format=stix', '');
    expect(empty.statusCode).toBe(400);
  });
});
