import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Tlp } from '../../src/db/schema.ts';
import { describeStorage } from '../support/storage.ts';
import { as, startHub, type TestHub } from '../support/app.ts';
import { buildTrustWorld, EXPECTED, EXPECTED_BY_PATH, uniqueBundle, VIEWPOINTS, type TrustWorld, type Viewpoint } from './world.ts';
import { READ_PATHS, type Probe } from './read-paths.ts';

const LEVELS: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

describeStorage('trust table: every TLP × viewpoint × read path', (backend) => {
  let hub: TestHub;
  let world: TrustWorld;
  const probes = new Map<Tlp, Probe>();

  beforeAll(async () => {
    hub = await startHub(backend);
    world = await buildTrustWorld(hub);
    const { contributor, namedOrg } = world.members;
    for (const [i, tlp] of LEVELS.entries()) {
      const ip = `203.0.113.${10 + i}`;
      const { bundle, indicatorId, malwareId } = uniqueBundle(ip);
      const qs = new URLSearchParams({ format: 'stix', tlp, orgs: namedOrg.org.id, groups: world.groupId, users: namedOrg.userId });
      const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?${qs}`, headers: { ...as(contributor.key), 'content-type': 'application/json' }, payload: JSON.stringify(bundle) });
      if (r.statusCode !== 200) throw new Error(`ingest ${tlp}: ${r.statusCode} ${r.body}`);
      probes.set(tlp, { indicatorId, malwareId, ip });
    }
  });
  afterAll(() => hub.close());

  const keyOf = (v: Viewpoint): string | undefined => (v === 'public' ? undefined : world.members[v].key);

  for (const [pathName, read] of Object.entries(READ_PATHS)) {
    for (const tlp of LEVELS) {
      it(`${pathName} at TLP:${tlp.toUpperCase()}`, async () => {
        const seen: Viewpoint[] = [];
        const asked: Viewpoint[] = [];
        for (const v of VIEWPOINTS) {
          const r = await read(hub, keyOf(v), probes.get(tlp)!);
          if (r === null) continue;
          asked.push(v);
          if (r) seen.push(v);
        }
        const expected = EXPECTED_BY_PATH[pathName]?.[tlp] ?? EXPECTED[tlp];
        expect(seen.sort()).toEqual(expected.filter((v) => asked.includes(v)).sort());
      });
    }
  }

  it('reads of AMBER+STRICT and RED objects are audited with who, what and the path', async () => {
    const red = probes.get('red')!;
    await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${red.indicatorId}`, headers: as(world.members.hubAnalyst.key) });
    const rows = await hub.app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'object.read').where('target_id', '=', red.indicatorId).execute();
    expect(rows.some((r) => r.actor_user_id === world.members.hubAnalyst.userId && r.via === 'api.objects.get')).toBe(true);
    const green = probes.get('green')!;
    await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${green.indicatorId}`, headers: as(world.members.otherMember.key) });
    const none = await hub.app.storage.db.selectFrom('audit_log').select('seq').where('action', '=', 'object.read').where('target_id', '=', green.indicatorId).execute();
    expect(none).toHaveLength(0);
  });

  it('counts do not leak: a RED report by another organisation is never counted', async () => {
    const shared = '198.51.100.77';
    for (const [who, tlp] of [['sameSector', 'green'], ['otherMember', 'red']] as const) {
      const { bundle } = uniqueBundle(shared);
      const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&tlp=${encodeURIComponent(tlp)}`, headers: { ...as(world.members[who].key), 'content-type': 'application/json' }, payload: JSON.stringify(bundle) });
      expect(r.statusCode).toBe(200);
    }
    const look = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(world.members.investigator.key), payload: { values: [shared] } });
    const item = look.json().items[0];
    expect(item.org_count).toBe(1);
    expect(item.sectors).toEqual(['finance']);
  });
});
