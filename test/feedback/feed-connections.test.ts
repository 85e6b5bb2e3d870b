import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { openPostgres, type Storage } from '../../src/db/database.ts';
import type { AnyViewer } from '../../src/access/viewer.ts';
import { FeedsService } from '../../src/feedback/feeds/feeds.service.ts';
import { ingestStix, startFeedbackHub } from './support.ts';

const BULK = 12_000;
const now = new Date().toISOString();

function strictIndicator(domain: string): string {
  const id = `indicator--${crypto.randomUUID()}`;
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${crypto.randomUUID()}`,
    objects: [{ type: 'indicator', spec_version: '2.1', id, created: now, modified: now, pattern: `[domain-name:value = '${domain}']`, pattern_type: 'stix', valid_from: '2020-01-01T00:00:00Z' }],
  });
}

// A feed read holds one connection for its cursor; every page with an AMBER+STRICT entry writes an audit row.
// On a pool of ONE connection, a read that asked the pool for a second connection (to audit a page, to give
// signature ids) waits for ever, and so does every query after an aborted read that kept its connection: each
// of these tests then hangs instead of passing, whatever the machine's load (the CI's 9th read waited for ever
// once five readers held the five connections of the test pool and each waited for a sixth to audit a page).
describeStorage('feed back: feed reads and their database connection', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  let viewer: AnyViewer;
  let single: Storage;
  let feeds: FeedsService;

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    a = await makeMember(hub, { name: 'Contributor' });
    b = await makeMember(hub, { name: 'Recipient' });
    // Sorts before the bulk entries: the first page of the domain feed has an audited entry.
    await ingestStix(hub, a.key, strictIndicator('aaa-strict.example'), `tlp=amber%2Bstrict&orgs=${b.org.id}`);
    const db = hub.app.storage.db;
    await sql`insert into stix_objects_stored (id, type, owner_org_id, seq) select 'indicator--' || md5('conn' || g)::uuid, 'indicator', ${a.org.id}, nextval('change_seq') from generate_series(1, ${BULK}) g`.execute(db);
    await sql`insert into contributions_stored (object_id, org_id, tlp, tlp_rank, scope_key, first_seen, last_seen, seq, data, content_hash, owner_rank)
      select 'indicator--' || md5('conn' || g)::uuid, ${a.org.id}, 'green', 1, 'green|o:|g:|u:|a:0', now(), now(), nextval('change_seq'), jsonb_build_object('conn', g), md5('conn' || g), 1
      from generate_series(1, ${BULK}) g`.execute(db);
    await sql`insert into object_keys_stored (contribution_id, object_id, key)
      select c.id, c.object_id, 'domain-name:bulk-' || (c.data->>'conn') || '.example' from contributions c where c.data ? 'conn'`.execute(db);
    viewer = await hub.app.auth.authenticate(b.key);
    // PostgreSQL: a pool of one connection on the hub's database. PGlite has one connection anyway.
    single = backend.name === 'postgres' ? await openPostgres(hub.app.storage.location, 1) : hub.app.storage;
    feeds = new FeedsService(single.db, { kind: single.kind });
  });
  afterAll(async () => {
    if (single && single !== hub?.app.storage) await single.close();
    await hub?.close();
  });

  async function readAll(format: 'plain' | 'suricata' = 'plain'): Promise<string[]> {
    let text = '';
    for await (const chunk of feeds.stream(viewer, { format, types: ['domain-name'] })) text += chunk;
    return text.split('\n').filter((l) => l && !l.startsWith('#'));
  }

  async function openCursors(): Promise<number> {
    return Number((await sql<{ n: number }>`select count(*) as n from pg_cursors where name like 'kessetsu_feed%'`.execute(single.db)).rows[0]!.n);
  }

  it('a whole feed with audited entries is read on one connection, and audited', async () => {
    const lines = await readAll();
    expect(lines).toHaveLength(BULK + 1);
    expect(lines[0]).toBe('aaa-strict.example');
    // Suricata gives signature ids to values that have none: on the reading connection too.
    expect(await readAll('suricata')).toHaveLength(BULK + 1);
    const audit = await single.db.selectFrom('audit_log').select(['target_id', 'via']).where('target_id', '=', 'domain-name:aaa-strict.example').execute();
    expect(audit.map((r) => r.via).sort()).toEqual(['feed.plain', 'feed.suricata']);
    expect(await openCursors()).toBe(0);
  });

  const stages: readonly [string, (it: AsyncIterator<string>) => Promise<void>][] = [
    ['before the first chunk is asked for', async (it) => void (await it.return?.())],
    // The stop is asked for while the reader takes its connection and declares its cursor.
    ['while the cursor is being declared', async (it) => void (await Promise.all([it.next(), it.return?.()]))],
    ['after the first chunk', async (it) => void (await it.next(), await it.return?.())],
    ['between chunks, the reader pages ahead', async (it) => void (await it.next(), await it.next(), await it.return?.())],
  ];
  for (const [stage, stop] of stages)
    it(`a reader stopped ${stage} gives its connection back and leaves no cursor`, async () => {
      await stop(feeds.stream(viewer, { format: 'plain', types: ['domain-name'] })[Symbol.asyncIterator]());
      expect(await openCursors()).toBe(0);
      expect(await readAll()).toHaveLength(BULK + 1);
    });

  it('a response stream destroyed after its first data (the client went away) gives its connection back', async () => {
    for (let i = 0; i < 3; i++) {
      const s = Readable.from(feeds.stream(viewer, { format: 'plain', types: ['domain-name'] }));
      // 'close' comes once the generator has finished: the cursor closed, the connection back in the pool.
      await new Promise<void>((resolve) => {
        s.once('data', () => s.destroy());
        s.once('close', resolve);
      });
    }
    expect(await openCursors()).toBe(0);
    expect(await readAll()).toHaveLength(BULK + 1);
  });
});
