import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { sharedDataOrSkip } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';
import { bankingCampaign, type Scenario } from './banking-campaign.scenario.ts';
import { loadScenario, prepareHub, type ScenarioWorld } from './support.ts';

// Issue 11.5 on the banking-campaign scenario: a sanitised copy of an incident is the same incident
// (never a second incident, a second victim or a "hub" reporting sector), clusters are named after
// their strongest shared values, and law enforcement subscribed to priorities hears of a cluster
// crossing its threshold — with its own view's priority and name.

const SEED = 20261204;
// Banks A, B and C report AMBER; the hub sanitises their incidents to GREEN (C's without its damage figures).
const SANITISED = [0, 1, 2];

interface Damage {
  amount_jpy: number;
  victims: number;
}
interface Prio {
  id: number;
  name: string;
  score: number;
  damage: Damage & { records: number };
  members: { incidents: number };
  organisations: number;
  sectors: string[];
}

describeStorage('analysis arithmetic: sanitised copies, cluster names, law-enforcement alerts', (backend) => {
  if (!sharedDataOrSkip()) return;
  let hub: TestHub;
  let s: Scenario;
  let w: ScenarioWorld;
  let police: TestMember;
  let outsider: TestMember;
  let copies: string[];
  const get = async <T = Record<string, unknown>>(key: string, url: string): Promise<T> => {
    const r = await hub.server.inject({ method: 'GET', url, headers: as(key) });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return r.json() as T;
  };
  const damageOf = (org: number): Damage => {
    const inc = s.submissions.flatMap((x) => x.objects).find((o) => o.id === s.campaign.incidentOf[org])!;
    const ext = Object.values(inc.extensions as Record<string, { amount_jpy: number; victim_count: number }>)[0]!;
    return { amount_jpy: ext.amount_jpy, victims: ext.victim_count };
  };
  const sum = (orgs: readonly number[]): Damage => orgs.reduce((a, o) => ({ amount_jpy: a.amount_jpy + damageOf(o).amount_jpy, victims: a.victims + damageOf(o).victims }), { amount_jpy: 0, victims: 0 });
  const campaignOf = (items: Prio[]) => items.find((p) => p.name.startsWith(s.c2))!;

  beforeAll(async () => {
    hub = await startHub(backend);
    await prepareHub(hub);
    s = bankingCampaign(SEED, { noiseValues: 300, noiseIncidents: 5 });
    w = await loadScenario(hub, s);
    police = await makeMember(hub, { name: `Prefectural Police ${SEED}`, kind: 'law_enforcement', role: 'investigator' });
    outsider = await makeMember(hub, { name: `Outsider ${SEED}`, nda: false });
    copies = [];
    for (const org of SANITISED) {
      const r = await hub.server.inject({
        method: 'POST',
        url: `/api/v1/objects/${s.campaign.incidentOf[org]}/sanitise`,
        headers: as(w.hubAnalyst.key),
        payload: { tlp: 'green', remove: org === 2 ? ['extensions'] : [], reason: 'advisory to all members' },
      });
      expect(r.statusCode, r.body).toBe(201);
      copies.push((r.json() as { derived: { id: string } }).derived.id);
    }
    await hub.app.analysis.drain();
    await hub.app.analysis.run('test');
  }, 300_000);
  afterAll(async () => hub?.close());

  it('the hub counts every incident once: no copy adds damage, victims, incidents or a "hub" sector', async () => {
    const top = campaignOf((await get<{ items: Prio[] }>(w.hubAnalyst.key, '/api/v1/priorities?limit=10')).items);
    expect(top.damage).toEqual({ amount_jpy: s.campaign.amountJpy, victims: s.campaign.victims, records: 0 });
    expect(top.members.incidents).toBe(7);
    expect(top.organisations).toBe(7);
    expect(top.sectors).toEqual(['critical_infrastructure', 'finance']);
    // The copies are in the cluster (for those who see only them) but not shown beside their originals.
    const detail = await get<{ members_shown: { id: string }[] }>(w.hubAnalyst.key, `/api/v1/clusters/${top.id}`);
    expect(detail.members_shown.map((m) => m.id).sort()).toEqual([...s.campaign.incidents, s.campaign.malware].sort());
    const stored = await hub.app.storage.db.selectFrom('analysis_cluster_members').select(['object_id', 'copy_of']).where('cluster_id', '=', top.id).execute();
    expect(stored.filter((m) => m.copy_of !== null).map((m) => [m.object_id, m.copy_of])).toEqual(expect.arrayContaining(SANITISED.map((o, i) => [copies[i], s.campaign.incidentOf[o]])));
  });

  it('a copy counts for whoever may not see its original, once, with its own figures', async () => {
    // Bank A sees its own, B's, D's (the banks' group) and the GREEN ones: C's only through C's copy, without damage figures.
    const a = campaignOf((await get<{ items: Prio[] }>(w.members[0]!.key, '/api/v1/priorities?limit=10')).items);
    expect(a.members.incidents).toBe(6);
    expect(a.damage).toMatchObject(sum([0, 1, 3, 5, 6]));
    // The police (GREEN only): F's and G's incidents and the three copies; C's copy has no figures.
    const p = campaignOf((await get<{ items: Prio[] }>(police.key, '/api/v1/priorities?limit=10')).items);
    expect(p.members.incidents).toBe(5);
    expect(p.damage).toMatchObject(sum([0, 1, 5, 6]));
    // The hub contributed the copies: it is never a reporting organisation or sector (the seven banks and makers allow counting).
    expect(p.organisations).toBe(7);
    expect(p.sectors).toEqual(['critical_infrastructure', 'finance']);
    const detail = await get<{ members_shown: { id: string; sanitised_copy?: boolean }[] }>(police.key, `/api/v1/clusters/${p.id}`);
    expect(detail.members_shown.filter((m) => m.sanitised_copy).map((m) => m.id).sort()).toEqual([...copies].sort());
    expect(JSON.stringify(detail)).not.toContain(s.campaign.incidentOf[2]!);
  });

  it('clusters are named after their strongest shared values, as far as the viewer may see', async () => {
    const hubItems = (await get<{ items: Prio[] }>(w.hubAnalyst.key, '/api/v1/priorities?limit=10')).items;
    expect(hubItems.map((p) => p.name).sort()).toEqual([`${s.c2} (7 incidents)`, `SHA-256 ${s.pair.value.slice(13, 25)}… (2 incidents)`].sort());
    const row = await hub.app.storage.db.selectFrom('analysis_clusters').select('name').where('id', '=', campaignOf(hubItems).id).executeTakeFirstOrThrow();
    expect(row.name).toBe(`${s.c2} (7 incidents)`);
    // Bank E sees its own, F's and G's incidents and the three GREEN copies.
    const e = campaignOf((await get<{ items: Prio[] }>(w.members[4]!.key, '/api/v1/priorities?limit=10')).items);
    expect(e.name).toBe(`${s.c2} (6 incidents)`);
  });

  it('law enforcement subscribed to priorities hears of the cluster crossing its threshold, once, as it may see it', async () => {
    const mine = (await get<{ items: Prio[] }>(police.key, '/api/v1/priorities?limit=10')).items;
    const campaign = campaignOf(mine);
    const others = mine.filter((x) => x.id !== campaign.id).map((x) => x.score);
    // A threshold only the campaign crosses in the police's view (and below the hub's score of it).
    const threshold = Math.floor(((others.length ? Math.max(...others) : 0) + campaign.score) / 2);
    expect(campaign.score).toBeGreaterThan(threshold);
    const subscribe = async (m: TestMember) => {
      const r = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(m.key), payload: { name: 'referral-level clusters', kind: 'cluster_priority', rule: { min_priority: threshold } } });
      expect(r.statusCode, r.body).toBe(201);
    };
    await subscribe(police);
    await subscribe(outsider);
    const inbox = async (m: TestMember) => (await get<{ items: { kind: string; title: string; alert: { details: { cluster_id: string; priority: number; name: string } } }[] }>(m.key, '/api/v1/inbox')).items.filter((i) => i.kind === 'cluster_priority');
    // Nothing changed since the last run: nothing to say.
    await hub.app.analysis.run('test');
    expect(await inbox(police)).toEqual([]);
    // The campaign grows (the hub sanitises D's incident for everyone): it is news now.
    const r = await hub.server.inject({ method: 'POST', url: `/api/v1/objects/${s.campaign.incidentOf[3]}/sanitise`, headers: as(w.hubAnalyst.key), payload: { tlp: 'green', reason: 'advisory' } });
    expect(r.statusCode, r.body).toBe(201);
    await hub.app.analysis.drain();
    await hub.app.analysis.run('test');
    const got = await inbox(police);
    expect(got).toHaveLength(1);
    const now = campaignOf((await get<{ items: Prio[] }>(police.key, '/api/v1/priorities?limit=10')).items);
    expect(got[0]!.alert.details).toMatchObject({ cluster_id: String(campaign.id), name: `${s.c2} (6 incidents)`, priority: now.score });
    expect(got[0]!.title).toBe(`Cluster ${s.c2} (6 incidents) reached priority ${now.score}`);
    const hubScore = campaignOf((await get<{ items: Prio[] }>(w.hubAnalyst.key, '/api/v1/priorities?limit=10')).items).score;
    expect(now.score).toBeLessThan(hubScore);
    // An organisation that may see none of the cluster hears nothing, whatever its threshold.
    expect(await inbox(outsider)).toEqual([]);
    // Once: a later run that changes the cluster again says nothing new to the same subscription.
    await hub.server.inject({ method: 'POST', url: `/api/v1/objects/${s.campaign.incidentOf[4]}/sanitise`, headers: as(w.hubAnalyst.key), payload: { tlp: 'green', reason: 'advisory' } });
    await hub.app.analysis.drain();
    await hub.app.analysis.run('test');
    expect(await inbox(police)).toHaveLength(1);
  });
});
