import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { withLaterMigrationsDown } from '../support/migrations.ts';
import { relatedObjects } from '../../src/feedback/history/history.repository.ts';
import { keysOfObjects } from '../../src/store/keyed-contributions.query.ts';

// Ingest write path (issue 17): migrations 2026-12-06T12-00 and T13-00 take one index out of two writes an import makes
// for each value — the warninglist hits keep their primary key alone, now (key, list), and object_keys loses its index
// by object id (the readers of an object's keys go through its contributions). A database at the previous version,
// with stored objects and feed lines in it, is carried over and answers the same.
const BEFORE = '2026-12-06T09-00-contribution-seen-runs';

describeStorage('ingest: one index fewer for hits and keys', (backend) => {
  let hub: TestHub;
  let sakura: TestMember;
  let analyst: TestMember;
  const now = new Date().toISOString();
  const stixIndicator = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: now, modified: now, name: 'resolver abuse', pattern: "[ipv4-addr:value = '8.8.8.8']", pattern_type: 'stix', valid_from: now };
  let lineIds: { ind_id: string; sco_id: string }[] = [];

  const indexes = async () =>
    new Map(
      (await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where tablename in ('object_keys_stored', 'analysis_warninglist_hits')`.execute(hub.app.storage.db)).rows.map((r) => [r.indexname, r.indexdef]),
    );
  const suppressed = async (list?: string) => {
    const res = await hub.server.inject({ method: 'GET', url: `/api/v1/warninglists/suppressed?limit=1000${list ? `&list=${list}` : ''}`, headers: as(analyst.key) });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: { key: string; lists: { slug: string }[] }[] }).items.map((i) => `${i.key} ${i.lists.map((l) => l.slug).join(',')}`);
  };
  const answers = async () => {
    const db = hub.app.storage.db;
    const objects = [stixIndicator.id, ...lineIds.flatMap((l) => [l.ind_id, l.sco_id])];
    const keys = (await db.selectFrom(keysOfObjects(db).as('k')).select(['k.object_id', 'k.key']).where('k.object_id', 'in', objects).orderBy('k.object_id').orderBy('k.key').execute()).map((r) => `${r.object_id} ${r.key}`);
    return {
      keys,
      related: (await relatedObjects(db, stixIndicator.id)).sort(),
      listed: (await hub.app.warninglists.ofObjects(objects)).map((v) => `${v.key} ${v.lists.map((l) => l.slug).join(',')}`),
      suppressed: await suppressed(),
      resolvers: await suppressed('kessetsu-public-resolvers'),
    };
  };

  beforeAll(async () => {
    hub = await startHub(backend);
    await hub.app.analysis.updateSettings(['autoRun=false']);
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    analyst = await makeMember(hub, { kind: 'hub', role: 'hub_analyst' });
    const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [stixIndicator] };
    const stix = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=stix&tlp=green', headers: { ...as(sakura.key), 'content-type': 'application/json' }, payload: JSON.stringify(bundle) });
    expect(stix.statusCode, stix.body).toBe(200);
    // Feed lines: the resolver again (its observable is the STIX indicator's), a documentation domain, an unlisted name.
    const csv = ['value,type,comment', '8.8.8.8,ipv4-addr,resolver', 'c2.example.org,domain-name,docs', 'kaede-login-check.net,domain-name,phish', ''].join('\n');
    const lines = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=csv&tlp=green', headers: { ...as(sakura.key), 'content-type': 'text/csv' }, payload: csv });
    expect(lines.statusCode, lines.body).toBe(200);
    lineIds = (await sql<{ ind_id: string; sco_id: string }>`select ind_id, sco_id from feed_lines order by id`.execute(hub.app.storage.db)).rows;
  }, 120_000);
  afterAll(async () => hub?.close());

  it('a database at the previous version, with data, is carried over: one index fewer on each, the same answers', async () => {
    const db = hub.app.storage.db;
    expect(lineIds).toHaveLength(3);
    const current = await answers();
    // The stored indicator's key, and each line's indicator and observable: the resolver's value three times.
    expect(current.keys).toContain(`${stixIndicator.id} ipv4-addr:8.8.8.8`);
    expect(current.keys.filter((k) => k.endsWith(' ipv4-addr:8.8.8.8'))).toHaveLength(3);
    expect(current.keys.filter((k) => k.endsWith(' domain-name:c2.example.org'))).toHaveLength(2);
    expect(current.related).toEqual([stixIndicator.id, lineIds[0]!.ind_id, lineIds[0]!.sco_id].sort());
    expect(current.listed.map((l) => l.split(' ')[0])).toEqual(['domain-name:c2.example.org', 'ipv4-addr:8.8.8.8']);
    expect(current.suppressed.map((l) => l.split(' ')[0])).toEqual(['domain-name:c2.example.org', 'ipv4-addr:8.8.8.8']);
    expect(current.resolvers).toEqual(current.suppressed.filter((l) => l.startsWith('ipv4-addr:8.8.8.8 ')));
    const now = await indexes();
    expect(now.has('object_keys_object_idx')).toBe(false);
    expect(now.has('analysis_warninglist_hits_key_idx')).toBe(false);
    expect(now.get('analysis_warninglist_hits_pk')).toMatch(/\(key, list\)/);

    // The previous version's indexes over the same rows: the same answers; then the migrations again.
    await withLaterMigrationsDown(db, BEFORE, async () => {
      const previous = await indexes();
      expect(previous.get('object_keys_object_idx')).toMatch(/\(object_id\)/);
      expect(previous.get('analysis_warninglist_hits_key_idx')).toMatch(/\(key\)/);
      expect(previous.get('analysis_warninglist_hits_pk')).toMatch(/\(list, key\)/);
      expect(await answers()).toEqual(current);
    });
    expect(await indexes()).toEqual(now);
    expect(await answers()).toEqual(current);
  });
});
