import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../../test/support/app.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { collectionContribution, findCollection, MEMBERS_COLLECTION_ID } from './taxii.collections.ts';
import { pageEntries, type EntryQuery } from './entries.repository.ts';
import type { PageCursor } from './taxii.query.ts';
import { indicator, share } from '../../test/support/taxii.ts';

// The windowed scan: a sparse collection (one visible object in three) read with small pages and a small
// scan budget must give every visible entry once, in date_added order, and nothing else.
describeStorage('collection entries read in windows', (backend) => {
  let hub: TestHub;
  let sharer: TestMember;
  let reader: TestMember;
  const visible: StixObject[] = [];

  beforeAll(async () => {
    hub = await startHub(backend);
    sharer = await makeMember(hub);
    reader = await makeMember(hub, { sector: 'telecom' });
    for (let i = 0; i < 12; i++) {
      const shown = indicator(`visible ${i}`);
      visible.push(shown);
      await share(hub, sharer, [shown], 'green');
      await share(hub, sharer, [indicator(`hidden ${i} a`), indicator(`hidden ${i} b`)], 'amber');
    }
  });
  afterAll(() => hub.close());

  it('walks the visible entries with pages of 5 and a scan budget of 7, resuming where each scan stopped', async () => {
    const viewer = await hub.app.auth.authenticate(reader.key);
    const members = (await findCollection(hub.app.storage.db, viewer, MEMBERS_COLLECTION_ID, true))!;
    const base: Omit<EntryQuery, 'after'> = {
      viewer,
      inCollection: (alias) => collectionContribution(viewer, members, alias),
      filter: { addedAfter: undefined, ids: [], types: [], versions: { first: false, last: true, all: false, timestamps: [] }, specVersions: undefined },
      limit: 5,
      withJson: true,
      maxScan: 7,
    };
    const seen: string[] = [];
    let after: PageCursor | undefined;
    let requests = 0;
    let short = 0;
    for (; requests < 100; requests++) {
      const { rows, json, resume } = await pageEntries(hub.app.storage.db, { ...base, after });
      seen.push(...rows.map((r) => r.id));
      expect(rows.length ? (JSON.parse(`[${json}]`) as { id: string }[]).map((o) => o.id) : []).toEqual(rows.map((r) => r.id));
      if (rows.length < base.limit && resume) short++;
      if (!resume) break;
      after = resume;
    }
    expect(seen).toEqual(visible.map((v) => v.id));
    // 36 entries, 7 at most per request: the budget did stop some scans early.
    expect(short).toBeGreaterThan(0);
    expect(requests).toBeGreaterThanOrEqual(Math.ceil(36 / 7) - 1);
  });

  it('a filtered read never answers an empty first page with more to come (issue 11.6)', async () => {
    const viewer = await hub.app.auth.authenticate(reader.key);
    const members = (await findCollection(hub.app.storage.db, viewer, MEMBERS_COLLECTION_ID, true))!;
    // Only the last visible object matches: every scan window before it holds nothing for this filter.
    const wanted = visible[visible.length - 1]!.id;
    const q: EntryQuery = {
      viewer,
      inCollection: (alias) => collectionContribution(viewer, members, alias),
      filter: { addedAfter: undefined, ids: [wanted], types: [], versions: { first: false, last: true, all: false, timestamps: [] }, specVersions: undefined },
      after: undefined,
      limit: 5,
      withJson: true,
      maxScan: 3,
    };
    const first = await pageEntries(hub.app.storage.db, q);
    expect(first.rows.map((r) => r.id)).toEqual([wanted]);
    expect(first.resume).toBeUndefined();
    // A filter nothing matches: the first page is empty and says there is no more.
    const none = await pageEntries(hub.app.storage.db, { ...q, filter: { ...q.filter, ids: ['indicator--00000000-0000-4000-8000-000000000000'] } });
    expect(none.rows).toEqual([]);
    expect(none.resume).toBeUndefined();
  });

  it('match[version] all and first give only the versions whose contribution is in the collection', async () => {
    const db = hub.app.storage.db;
    const [d1, d2] = ['2026-02-01', '2026-03-01'];
    const [t1, t2] = [`${d1}T00:00:00.000Z`, `${d2}T00:00:00.000Z`];
    const shown = indicator('versioned shown', { created: t1, modified: t1 });
    const hidden = indicator('versioned hidden', { created: t1, modified: t1 });
    await share(hub, sharer, [shown], 'green');
    await share(hub, sharer, [{ ...shown, modified: t2 }], 'green');
    await share(hub, sharer, [hidden], 'amber');
    await share(hub, sharer, [{ ...hidden, modified: t2 }], 'amber');
    const read = async (key: string, versions: EntryQuery['filter']['versions']) => {
      const viewer = await hub.app.auth.authenticate(key);
      const members = (await findCollection(db, viewer, MEMBERS_COLLECTION_ID, true))!;
      const filter = { addedAfter: undefined, ids: [shown.id, hidden.id], types: [], versions, specVersions: undefined };
      const page = await pageEntries(db, { viewer, inCollection: (alias) => collectionContribution(viewer, members, alias), filter, after: undefined, limit: 10, withJson: true });
      // (the TLP marking the hub adds makes each a version a millisecond later, ingest/prepare.ts: the day tells them apart)
      return page.rows.map((r) => `${r.id === shown.id ? 'shown' : 'hidden'} ${r.version.slice(0, 10)}`);
    };
    const all = { first: false, last: false, all: true, timestamps: [] };
    const first = { first: true, last: false, all: false, timestamps: [] };
    expect(await read(reader.key, all)).toEqual([`shown ${d1}`, `shown ${d2}`]);
    expect(await read(reader.key, first)).toEqual([`shown ${d1}`]);
    // The contributor sees the AMBER object's versions too: they are in the stream, and the policy keeps them from the reader.
    expect((await read(sharer.key, all)).sort()).toEqual([`hidden ${d1}`, `hidden ${d2}`, `shown ${d1}`, `shown ${d2}`]);
    expect((await read(sharer.key, first)).sort()).toEqual([`hidden ${d1}`, `shown ${d1}`]);
  });
});
