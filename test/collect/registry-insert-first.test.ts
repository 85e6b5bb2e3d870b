import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { buildBatch, lockKnowledgeWrites, writeBuilt, type PreparedObject } from '../../src/store/knowledge.writer.ts';
import { objectRecord, type ContributionRecord } from '../../src/store/object-row.ts';
import type { StixObject } from '../../src/stix/stix.types.ts';

// The id registry (issue 17.1): a batch expected new is inserted first and only the ids the insert skipped are looked
// up; any other batch is looked up first. Both must answer the same: who owns each id (so the same owner ranks and
// head versions), what the batch created, and the ids registered before keep their owner and sequence number.
describeStorage('ingest: the id registry answers the same whether a batch is inserted first or looked up first', (backend) => {
  let hub: TestHub;
  let db: Kysely<Database>;
  let kaede: TestMember;
  let sumire: TestMember;

  const at = '2026-11-02T00:00:00.000Z';
  const indicator = (id: string): StixObject => ({
    type: 'indicator', spec_version: '2.1', id, created: at, modified: at, name: 'c2', pattern: `[domain-name:value = '${id.slice(11, 19)}.example.org']`, pattern_type: 'stix', valid_from: at,
  });
  const observable = (n: number): StixObject => ({ type: 'domain-name', spec_version: '2.1', id: `domain-name--${randomUUID()}`, value: `d${n}-${randomUUID().slice(0, 8)}.example.net` });
  const prepared = (obj: StixObject, orgId: string): PreparedObject => {
    const contribution: ContributionRecord = {
      objectId: obj.id, orgId, userId: null, ingestId: null, tlp: 'green', pap: null, anonymous: false, allowCount: true, confidence: null,
      recipientOrgs: [], recipientGroups: [], recipientUsers: [], firstSeen: at, lastSeen: at,
    };
    const value = 'value' in obj ? String(obj.value) : null;
    return { record: objectRecord(obj, { value, display: value, keys: value ? [`domain-name:${value}`] : [] }), contribution };
  };
  const write = (batch: PreparedObject[], expectNew: boolean) =>
    db.transaction().execute(async (trx) => {
      await lockKnowledgeWrites(trx);
      return writeBuilt(trx, buildBatch(batch, expectNew), { orgId: batch[0]!.contribution.orgId });
    });
  const registry = async (ids: readonly string[]) =>
    (await sql<{ id: string; owner_org_id: string | null; seq: string }>`select id, owner_org_id, seq from stix_objects where id = any(${sql.val([...ids])})`.execute(db)).rows;
  const contributions = async (ids: readonly string[]) =>
    (await sql<{ object_id: string; org_id: string; owner_rank: number; superseded: boolean }>`
      select object_id, org_id, owner_rank, superseded from contributions where object_id = any(${sql.val([...ids])})`.execute(db)).rows;

  beforeAll(async () => {
    hub = await startHub(backend);
    db = hub.app.storage.db;
    kaede = await makeMember(hub, { name: 'Kaede Securities' });
    sumire = await makeMember(hub, { name: 'Sumire University' });
  }, 120_000);
  afterAll(async () => hub?.close());

  // Kaede registers 60 objects; Sumire then sends a batch of those 60 and 60 new ones (indicators and observables).
  const scenario = async (expectNew: boolean) => {
    const theirs = [...Array.from({ length: 30 }, () => indicator(`indicator--${randomUUID()}`)), ...Array.from({ length: 30 }, (_, i) => observable(i))];
    const fresh = [...Array.from({ length: 30 }, () => indicator(`indicator--${randomUUID()}`)), ...Array.from({ length: 30 }, (_, i) => observable(100 + i))];
    await write(theirs.map((o) => prepared(o, kaede.org.id)), true);
    const before = new Map((await registry(theirs.map((o) => o.id))).map((r) => [r.id, r]));
    // Mixed order, with one object twice (the batch's own duplicate).
    const batch = theirs.flatMap((o, i) => [prepared(o, sumire.org.id), prepared(fresh[i]!, sumire.org.id)]);
    batch.push(prepared(fresh[0]!, sumire.org.id));
    const counts = await write(batch, expectNew);
    const reg = new Map((await registry([...theirs, ...fresh].map((o) => o.id))).map((r) => [r.id, r]));
    const rows = await contributions([...theirs, ...fresh].map((o) => o.id));
    const rank = (id: string, org: string) => rows.find((r) => r.object_id === id && r.org_id === org);
    return {
      counts: { created: counts.created, updated: counts.updated, unchanged: counts.unchanged },
      // Ids registered before keep their owner and sequence number.
      kept: theirs.every((o) => reg.get(o.id)!.owner_org_id === kaede.org.id && reg.get(o.id)!.seq === before.get(o.id)!.seq),
      registered: fresh.every((o) => reg.get(o.id)?.owner_org_id === sumire.org.id),
      theirs: theirs.map((o) => ({ kaede: rank(o.id, kaede.org.id), sumire: rank(o.id, sumire.org.id) })).map((x) => [x.kaede?.owner_rank, x.kaede?.superseded, x.sumire?.owner_rank, x.sumire?.superseded]),
      fresh: fresh.map((o) => rank(o.id, sumire.org.id)).map((x) => [x?.owner_rank, x?.superseded]),
    };
  };

  it('a batch mixing ids registered by another organisation and new ones: same owners, ranks and counts both ways', async () => {
    const first = await scenario(true);
    const probed = await scenario(false);
    expect(first).toEqual(probed);
    expect(first.counts).toEqual({ created: 120, updated: 0, unchanged: 1 });
    expect(first.kept).toBe(true);
    expect(first.registered).toBe(true);
    // Kaede owns the 60 she registered: her contribution leads, Sumire's ranks 0 and is superseded; Sumire owns the new ones.
    expect(first.theirs.every(([kr, ks, sr, ss]) => kr === 1 && ks === false && sr === 0 && ss === true)).toBe(true);
    expect(first.fresh.every(([r, s]) => r === 1 && s === false)).toBe(true);
  });
});
