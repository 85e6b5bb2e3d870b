import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

const now = '2026-11-01T00:00:00.000Z';
const indicator = (value: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, pattern: `[domain-name:value = '${value}']`, pattern_type: 'stix', valid_from: now });
const bundleOf = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
}

// Issue 10.5: per-organisation concurrency, a daily byte quota, and object size limits, each with a
// clear error naming the limit; one member's excess never costs another member its ingest.
describeStorage('ingest quotas and object limits', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_INGESTS_PER_ORG: '1', KESSETSU_INGEST_MAX_OBJECTS: '50' });
    a = await makeMember(hub, { name: 'Momiji Bank' });
    b = await makeMember(hub, { name: 'Sakura Bank' });
  });
  afterAll(() => hub.close());

  const post = (key: string, payload: string | PassThrough, qs = 'format=stix') =>
    hub.server.inject({ method: 'POST', url: `/api/v1/ingest?${qs}`, headers: { ...as(key), 'content-type': 'application/json' }, payload });

  it('a second concurrent ingest of one organisation answers 429 with Retry-After before its body is read; others go on', async () => {
    const slow = new PassThrough();
    const first = post(a.key, slow);
    await until(() => hub.app.guards.quota.running(a.org.id) === 1);
    const second = await post(a.key, bundleOf([indicator('second.example.com')]));
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('5');
    expect(second.json().error.message).toContain('KESSETSU_INGESTS_PER_ORG');
    const other = await post(b.key, bundleOf([indicator('other.example.com')]));
    expect(other.statusCode).toBe(200);
    slow.end(bundleOf([indicator('first.example.com')]));
    expect((await first).statusCode).toBe(200);
    await until(() => hub.app.guards.quota.running(a.org.id) === 0);
    expect((await post(a.key, bundleOf([indicator('third.example.com')]))).statusCode).toBe(200);
  });

  it('a refused or failed ingest gives its place back', async () => {
    expect((await post(a.key, '{"type": "bundle", "objects": [ oops ]}')).statusCode).toBe(422);
    expect((await post(a.key, bundleOf(Array.from({ length: 51 }, (_, i) => indicator(`n${i}.example.com`))))).statusCode).toBe(413);
    expect(hub.app.guards.quota.running()).toBe(0);
  });

  it('without a key the body is refused before it is read', async () => {
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix', headers: { 'content-type': 'application/json' }, payload: bundleOf([indicator('x.example.com')]) });
    expect(r.statusCode).toBe(401);
  });

  it('an object over 1 MiB is refused, naming its index, id and size; nothing of the file is stored', async () => {
    const big = { type: 'note', spec_version: '2.1', id: `note--${crypto.randomUUID()}`, created: now, modified: now, content: 'A'.repeat(3 * 1024 * 1024), object_refs: [`indicator--${crypto.randomUUID()}`] };
    const small = indicator('small-with-big.example.com');
    const r = await post(a.key, bundleOf([small, big]));
    expect(r.statusCode).toBe(422);
    expect(r.json().error.message).toContain(`objects[1] (${big.id}): 3.0 MiB serialized, over the 1 MiB limit per object`);
    const stored = await hub.app.storage.db.selectFrom('stix_objects').select('id').where('id', 'in', [small.id, big.id]).execute();
    expect(stored).toEqual([]);
    const lenient = await post(a.key, bundleOf([small, big]), 'format=stix&lenient=true');
    expect(lenient.statusCode).toBe(200);
    expect(lenient.json().counts.objects).toBe(1);
    const kept = await hub.app.storage.db.selectFrom('stix_objects').select('id').where('id', 'in', [small.id, big.id]).execute();
    expect(kept.map((k) => k.id)).toEqual([small.id]);
  });
});

describeStorage('daily ingest quota per organisation', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_INGEST_BYTES_PER_DAY: '1000' });
    a = await makeMember(hub);
  });
  afterAll(() => hub.close());

  const prefix = 'phish at hxxp://login-sakura[.]com/';
  const text = (n: number) => prefix + 'a'.repeat(n - prefix.length);
  const post = (key: string, payload: string) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=text', headers: { ...as(key), 'content-type': 'text/plain' }, payload });

  it('counts inflated bytes over 24 hours: over the rest is 413 naming the quota, nothing left is 429', async () => {
    expect(text(600)).toHaveLength(600);
    expect((await post(a.key, text(600))).statusCode).toBe(200);
    const over = await post(a.key, text(600));
    expect(over.statusCode).toBe(413);
    expect(over.json().error.message).toContain('KESSETSU_INGEST_BYTES_PER_DAY');
    expect((await post(a.key, text(400))).statusCode).toBe(200);
    const none = await post(a.key, text(100));
    expect(none.statusCode).toBe(429);
    expect(none.headers['retry-after']).toBe('3600');
    // The hub's own organisation has no daily quota.
    expect((await post(hub.adminKey, text(600))).statusCode).toBe(200);
  });
});
