import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { down, up } from '../../src/db/migrations/2026-12-05T09-00-ingest-index-entries.ts';
import { STORED_ONLY } from '../support/feed-lines.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';

// Ingest write path (issue 17.1): migration T09-00 takes the index entries no reader uses out of every written
// row (NULLs in the trigram indexes, an object-id hash index the unique index covers, two sequence indexes
// nothing reads). A database at the previous version, with data in it, is carried over and answers the same.
const DROPPED = ['contributions_head_idx', 'contributions_object_hash', 'stix_objects_seq_idx'];
const PARTIAL = ['contributions_description_trgm', 'contributions_name_trgm', 'stix_objects_value_idx', 'stix_objects_value_trgm'];

describeStorage('ingest: index entries per written row', (backend) => {
  let hub: TestHub;
  let sakura: TestMember;
  let kaede: TestMember;
  const now = new Date().toISOString();
  const malware = { type: 'malware', spec_version: '2.1', id: `malware--${randomUUID()}`, created: now, modified: now, name: 'Hinoki loader', description: 'Beacons to its C2 over plain HTTP.', is_family: true };

  const csv = (rows: string[]) => hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(sakura.key), 'content-type': 'text/csv' }, payload: ['value,type,comment', ...rows, ''].join('\n') });
  const search = async (text: string, by = 'text') => {
    const res = await hub.server.inject({ method: 'GET', url: `/api/v1/objects?${by}=${encodeURIComponent(text)}&limit=100`, headers: as(kaede.key) });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: { id: string }[] }).items.map((o) => o.id).sort();
  };
  const words = ['hinoki', 'c2 over plain', 'evil-8.example.net/login', '10.9.8.', 'seen in the spam run'];
  const answers = async () => [...(await Promise.all(words.map((w) => search(w)))), await search('10.9.8.3', 'value')];
  const indexes = async () =>
    new Map(
      (await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where tablename in ('contributions', 'stix_objects', 'contributions_stored', 'stix_objects_stored')`.execute(hub.app.storage.db)).rows.map((r) => [r.indexname, r.indexdef]),
    );

  beforeAll(async () => {
    hub = await startHub(backend, STORED_ONLY);
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    kaede = await makeMember(hub, { name: 'Kaede Bank' });
    const rows = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? `10.9.8.${i},ipv4-addr,seen in the spam run` : i % 3 === 1 ? `hinoki-${i}.example.com,domain-name,` : `http://evil-${i}.example.net/login.php,url,`));
    expect((await csv(rows)).statusCode).toBe(200);
    const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [malware] };
    const res = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(sakura.key), 'content-type': 'application/json' }, payload: JSON.stringify(bundle) });
    expect(res.statusCode, res.body).toBe(200);
  }, 120_000);
  afterAll(async () => hub?.close());

  it('a database at the previous version, with data, is carried over: fewer indexes, the same answers', async () => {
    const db = hub.app.storage.db;
    const current = await answers();
    expect(current[0]).toContain(malware.id);
    expect(current[1]).toEqual([malware.id]);
    expect(current[2]).toHaveLength(2); // the url and its indicator
    expect(current[3]!.length).toBeGreaterThanOrEqual(10);
    expect(current[4]!.length).toBeGreaterThanOrEqual(10);
    expect(current[5]).toHaveLength(1); // the address (value = …); its indicator has no value
    const now = await indexes();
    for (const name of DROPPED) expect(now.has(name), name).toBe(false);
    for (const name of PARTIAL) expect(now.get(name), name).toMatch(/ WHERE .* IS NOT NULL/);

    // The indexes of the previous version, over the same rows: the same answers; then the migration again (the later
    // migration that renamed the tables goes down first and up last).
    await withLaterMigrationsDown(db, '2026-12-05T20-00-contribution-seen-key-set-wise', async () => {
      await down(db);
      try {
        const previous = await indexes();
        for (const name of DROPPED) expect(previous.has(name), name).toBe(true);
        for (const name of PARTIAL) expect(previous.get(name), name).not.toMatch(/ WHERE /);
        expect(await answers()).toEqual(current);
      } finally {
        await up(db);
      }
    });
    expect(await indexes()).toEqual(now);
    expect(await answers()).toEqual(current);

    // Rows written after it are found like the others.
    expect((await csv(['http://evil-7777.example.net/login.php,url,'])).statusCode).toBe(200);
    const after = await search('evil-7777.example.net/login');
    expect(after).toHaveLength(2);
    expect(await search('evil-8.example.net/login')).toEqual(current[2]);
  });
});
