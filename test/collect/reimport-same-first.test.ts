import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { buildBatch, lockKnowledgeWrites, writeBuilt, type PreparedObject } from '../../src/store/knowledge.writer.ts';
import { objectRecord, type ContributionRecord } from '../../src/store/object-row.ts';
import type { StixObject } from '../../src/stix/stix.types.ts';

// Re-import (issue 17.1): a batch built as "expected unchanged" looks for the contributions that stay as they are
// first and asks the id registry only about the rest. The outcome must be the one the registry-first path gives:
// the same counts, versions, history, touches and owner ranks, whatever the batch mixes.
describeStorage('ingest: a re-import finds unchanged contributions before asking the registry', (backend) => {
  let hub: TestHub;
  let db: Kysely<Database>;
  let kaede: TestMember;
  let sumire: TestMember;

  const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  const indicator = (id: string, modified: string, name = 'c2'): StixObject => ({
    type: 'indicator', spec_version: '2.1', id, created: at(1), modified, name, pattern: `[domain-name:value = '${id.slice(11, 19)}.example.org']`, pattern_type: 'stix', valid_from: at(1),
  });
  const prepared = (obj: StixObject, orgId: string, seen: string): PreparedObject => {
    const contribution: ContributionRecord = {
      objectId: obj.id, orgId, userId: null, ingestId: null, tlp: 'green', pap: null, anonymous: false, allowCount: true, confidence: null,
      recipientOrgs: [], recipientGroups: [], recipientUsers: [], firstSeen: seen, lastSeen: seen,
    };
    return { record: objectRecord(obj, { keys: [`domain-name:${obj.id.slice(11, 19)}.example.org`] }), contribution };
  };
  const write = (batch: PreparedObject[], expectNew: boolean, hubOverride = false) =>
    db.transaction().execute(async (trx) => {
      await lockKnowledgeWrites(trx);
      return writeBuilt(trx, buildBatch(batch, expectNew), { orgId: batch[0]!.contribution.orgId, hubOverride });
    });
  const row = async (objectId: string, orgId: string) =>
    (await sql<{ modified_text: string; owner_rank: number; last_seen: Date; seen: Date | null; name: string }>`
      select c.modified_text, c.owner_rank, c.last_seen, (select max(s.last_seen) from contribution_seen_runs s where s.ids @> c.id) as seen, c.name from contributions c
      where c.object_id = ${objectId} and c.org_id = cast(${orgId} as uuid)`.execute(db)).rows[0]!;
  const count = async (q: ReturnType<typeof sql>) => Number((await sql<{ n: string }>`select count(*) as n from (${q}) q`.execute(db)).rows[0]!.n);

  beforeAll(async () => {
    hub = await startHub(backend);
    db = hub.app.storage.db;
    kaede = await makeMember(hub, { name: 'Kaede Securities' });
    sumire = await makeMember(hub, { name: 'Sumire University' });
  }, 120_000);
  afterAll(async () => hub?.close());

  it('a batch of unchanged, newer and new objects gives the counts, versions and touches of a first write', async () => {
    const ids = Array.from({ length: 150 }, () => `indicator--${randomUUID()}`);
    const first = await write(ids.slice(0, 130).map((id) => prepared(indicator(id, at(2)), kaede.org.id, at(2))), true);
    expect(first).toMatchObject({ created: 130, updated: 0, unchanged: 0 });

    // 100 as they were (seen again later), 30 in a newer version, 20 never seen.
    const again = [
      ...ids.slice(0, 100).map((id) => prepared(indicator(id, at(2)), kaede.org.id, at(5))),
      ...ids.slice(100, 130).map((id) => prepared(indicator(id, at(4), 'c2 v2'), kaede.org.id, at(5))),
      ...ids.slice(130).map((id) => prepared(indicator(id, at(4)), kaede.org.id, at(5))),
    ];
    const r = await write(again, false);
    expect(r).toMatchObject({ created: 20, updated: 30, unchanged: 100 });
    expect(r.contributions).toHaveLength(150);
    expect(new Set(r.contributions.map((c) => c.object_id))).toEqual(new Set(ids));

    const kept = await row(ids[0]!, kaede.org.id);
    expect(kept.modified_text).toBe(at(2));
    expect(kept.seen?.toISOString()).toBe(at(5)); // the touch: the later sighting, kept beside the row
    const newer = await row(ids[100]!, kaede.org.id);
    expect(newer).toMatchObject({ modified_text: at(4), name: 'c2 v2' });
    expect(await count(sql`select 1 from stix_versions where object_id = any(cast(${`{${ids.slice(100, 130).join(',')}}`} as text[]))`)).toBe(30);
    expect(await count(sql`select 1 from stix_objects where id = any(cast(${`{${ids.join(',')}}`} as text[]))`)).toBe(150);
    // Keys of the new ones and of the newer versions are there, once per contribution.
    expect(await count(sql`select distinct object_id from object_keys where object_id = any(cast(${`{${ids.join(',')}}`} as text[]))`)).toBe(150);

    // All unchanged now: nothing written but the touch.
    const third = await write(again, false);
    expect(third).toMatchObject({ created: 0, updated: 0, unchanged: 150 });
  });

  it("another organisation's contribution takes the owner's rank when the object loses its owner, as the registry would say", async () => {
    const ids = Array.from({ length: 120 }, () => `indicator--${randomUUID()}`);
    await write(ids.map((id) => prepared(indicator(id, at(2)), kaede.org.id, at(2))), true);
    await write(ids.map((id) => prepared(indicator(id, at(2)), sumire.org.id, at(2))), true);
    expect((await row(ids[0]!, sumire.org.id)).owner_rank).toBe(0);
    expect((await row(ids[0]!, kaede.org.id)).owner_rank).toBe(1);

    // The registry forgets the owner of one object (its organisation left): Sumire's next import ranks 1 there.
    await sql`update stix_objects_stored set owner_org_id = null where id = ${ids[0]!}`.execute(db);
    const r = await write(ids.map((id) => prepared(indicator(id, at(2)), sumire.org.id, at(3))), false);
    expect(r).toMatchObject({ created: 0, updated: 0, unchanged: 120 });
    expect((await row(ids[0]!, sumire.org.id)).owner_rank).toBe(1);
    expect((await row(ids[1]!, sumire.org.id)).owner_rank).toBe(0);

    // A hub override ranks 2, unchanged content or not.
    await write(ids.map((id) => prepared(indicator(id, at(2)), sumire.org.id, at(3))), false, true);
    expect((await row(ids[1]!, sumire.org.id)).owner_rank).toBe(2);
  });

  it('the contributions it keeps are given back as stored, whatever the batch shares or not', async () => {
    const ids = Array.from({ length: 120 }, () => `indicator--${randomUUID()}`);
    // An audience with recipients, a user, no counting; confidence differing per object (an array, not one value).
    // The re-import comes from another of its users, asking to be counted: what was stored first stays (and is said).
    const audience = (p: PreparedObject, i: number, first: boolean): PreparedObject => ({
      ...p,
      contribution: { ...p.contribution, userId: first ? kaede.userId : null, tlp: 'amber', allowCount: !first, recipientOrgs: [sumire.org.id], confidence: i % 2 ? 50 : null },
    });
    await write(ids.map((id, i) => audience(prepared(indicator(id, at(2)), kaede.org.id, at(2)), i, true)), true);
    const r = await write(ids.map((id, i) => audience(prepared(indicator(id, at(2)), kaede.org.id, at(6)), i, false)), false);
    expect(r).toMatchObject({ created: 0, updated: 0, unchanged: 120 });
    const stored = await sql<Record<string, unknown>>`
      select id, object_id, org_id, user_id, tlp, anonymous, allow_count, recipient_orgs, recipient_groups, recipient_users, scope_key
      from contributions where object_id = any(cast(${`{${ids.join(',')}}`} as text[])) and org_id = cast(${kaede.org.id} as uuid)`.execute(db);
    const byId = new Map(stored.rows.map((x) => [x.object_id, { ...x, id: Number(x.id), inserted: false, changed: false }]));
    expect(r.contributions.map((c) => ({ ...c }))).toEqual(r.contributions.map((c) => byId.get(c.object_id)));
    expect(r.contributions[0]).toMatchObject({ user_id: kaede.userId, allow_count: false, recipient_orgs: [sumire.org.id] });
    expect((await row(ids[0]!, kaede.org.id)).seen?.toISOString()).toBe(at(6));
  });

  it('a batch expected unchanged that is all new is written whole', async () => {
    const ids = Array.from({ length: 110 }, () => `indicator--${randomUUID()}`);
    const r = await write(ids.map((id) => prepared(indicator(id, at(2)), kaede.org.id, at(2))), false);
    expect(r).toMatchObject({ created: 110, updated: 0, unchanged: 0 });
    expect(await count(sql`select 1 from contributions where object_id = any(cast(${`{${ids.join(',')}}`} as text[]))`)).toBe(110);
  });
});
