import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { keepUnchanged, type KeepCandidate } from '../../src/store/contributions.repository.ts';
import { objectRecord, type ContributionRecord } from '../../src/store/object-row.ts';
import type { StixObject } from '../../src/stix/stix.types.ts';

// keepUnchanged (issue 17) finds the stored contributions a re-import leaves as they are. Its answer names who first
// made each one (written out by the database only when it is not the re-importing user), and the rows whose first_seen,
// confidence or PAP move are written in place by a statement of their own.
describeStorage('keepUnchanged: what a re-import keeps', (backend) => {
  let hub: TestHub;
  let member: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend);
    member = await makeMember(hub);
  });
  afterAll(async () => hub?.close());

  const T = '2026-11-01T00:00:00.000Z';
  const indicator = (n: number): StixObject => ({
    type: 'indicator', spec_version: '2.1', id: `indicator--0b7c8f0e-55d1-4c6a-9a53-2f0f3c6e9b${String(n).padStart(2, '0')}`, created: T, modified: T, valid_from: T,
    pattern_type: 'stix', pattern: `[domain-name:value = 'keep-${n}.example.org']`, name: `keep ${n}`,
  });
  const objects = [1, 2, 3].map(indicator);

  async function stored(id: string) {
    return hub.app.storage.db.selectFrom('contributions_stored').select(['id', 'user_id', 'confidence', 'first_seen']).where('org_id', '=', member.org.id).where('object_id', '=', id).executeTakeFirstOrThrow();
  }

  const candidate = (o: StixObject, userId: string | null, extra: Partial<ContributionRecord> = {}): KeepCandidate => {
    const now = new Date().toISOString();
    return {
      record: objectRecord({ ...o, object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'], modified: '2026-11-01T00:00:00.001Z' }, { keys: [], patternUsable: true }),
      contribution: {
        objectId: o.id, orgId: member.org.id, userId, ingestId: null, tlp: 'green', pap: null, anonymous: false, allowCount: true, confidence: null,
        recipientOrgs: [], recipientGroups: [], recipientUsers: [], firstSeen: now, lastSeen: now, ...extra,
      },
      ownerRank: null,
      keepContent: false,
    };
  };

  it('names who first made each kept contribution: the re-importing user, another user, nobody', async () => {
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(member.key), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: 'bundle--6f4f5d0a-91c1-4b7e-8f55-0c3c4a1b2d44', objects }) });
    expect(r.statusCode, r.body.slice(0, 300)).toBeLessThan(300);
    await hub.app.ingest.drain();
    const first = await Promise.all(objects.map((o) => stored(o.id)));
    expect(first.map((c) => c.user_id)).toEqual([member.userId, member.userId, member.userId]);
    // The third was made by nobody (a contribution whose user was removed).
    await sql`update contributions_stored set user_id = null where id = ${first[2]!.id}`.execute(hub.app.storage.db);
    const other = (await makeMember(hub)).userId;
    const asMember = await keepUnchanged(hub.app.storage.db, objects.map((o) => candidate(o, member.userId)));
    expect(asMember.rest).toEqual([]);
    expect(asMember.kept.map((k) => [k.id, k.user_id])).toEqual([[first[0]!.id, member.userId], [first[1]!.id, member.userId], [first[2]!.id, null]]);
    const asOther = await keepUnchanged(hub.app.storage.db, objects.map((o) => candidate(o, other)));
    expect(asOther.kept.map((k) => k.user_id)).toEqual([member.userId, member.userId, null]);
  });

  it('writes in place what moves (confidence, an earlier first_seen), and only that', async () => {
    const before = await Promise.all(objects.map((o) => stored(o.id)));
    const earlier = new Date(before[1]!.first_seen.getTime() - 86_400_000).toISOString();
    const got = await keepUnchanged(hub.app.storage.db, [candidate(objects[0]!, member.userId, { confidence: 85 }), candidate(objects[1]!, member.userId, { firstSeen: earlier }), candidate(objects[2]!, member.userId)]);
    expect(got.kept.map((k) => k.id)).toEqual(before.map((b) => b.id));
    const after = await Promise.all(objects.map((o) => stored(o.id)));
    expect(after.map((a) => a.confidence)).toEqual([85, before[1]!.confidence, before[2]!.confidence]);
    expect(after[1]!.first_seen.toISOString()).toBe(earlier);
    expect(after[0]!.first_seen.getTime()).toBe(before[0]!.first_seen.getTime());
  });
});
