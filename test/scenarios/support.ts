import type { Viewer } from '../../src/access/viewer.ts';
import type { IngestParams } from '../../src/ingest/ingest.params.ts';
import { as, joinGroup, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { sharedData } from '../support/shared-data.ts';
import type { Scenario } from './banking-campaign.scenario.ts';

/** The scenario's organisations in a running hub, with their keys and viewers. */
export interface ScenarioWorld {
  readonly members: TestMember[];
  readonly viewers: Viewer[];
  readonly groupId: string;
  readonly hubAnalyst: TestMember;
}

/** Ingest parameters as the API would build them. */
export function params(over: Partial<IngestParams>): IngestParams {
  return { format: 'stix', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api', ...over };
}

/** Imports the real MISP warninglists and enrichment files, turns automatic runs off. */
export async function prepareHub(hub: TestHub): Promise<void> {
  await hub.app.analysis.updateSettings(['autoRun=false']);
  const wl = await hub.app.warninglists.importPaths([sharedData('misp', 'warninglists')]);
  const bad = wl.filter((w) => w.error);
  if (bad.length) throw new Error(`warninglists: ${JSON.stringify(bad)}`);
  const en = await hub.app.analysis.enrichment.importFiles([sharedData('enrichment', 'ip2asn-v4-sample.tsv'), sharedData('enrichment', 'delegated-apnic-2026-05-14.txt')]);
  if (en.some((e) => e.error)) throw new Error(`enrichment: ${JSON.stringify(en)}`);
}

/** Creates the organisations and the banks' sharing group, then ingests every submission. */
export async function loadScenario(hub: TestHub, s: Scenario): Promise<ScenarioWorld> {
  const members: TestMember[] = [];
  for (const o of s.orgs) members.push(await makeMember(hub, { name: o.name, sector: o.sector }));
  const owner = members[s.group[0]!]!;
  const g = await hub.server.inject({
    method: 'POST',
    url: '/api/v1/groups',
    headers: as(owner.key),
    payload: { name: `banks ${s.c2}`, members: s.group.map((i) => members[i]!.org.id) },
  });
  if (g.statusCode !== 201) throw new Error(`group: ${g.statusCode} ${g.body}`);
  const groupId = (g.json() as { id: string }).id;
  for (const i of s.group) if (members[i] !== owner) await joinGroup(hub, groupId, members[i]!);
  hub.app.auth.invalidate();
  const viewers: Viewer[] = [];
  for (const m of members) viewers.push((await hub.app.auth.authenticate(m.key)) as Viewer);
  for (const sub of s.submissions) {
    const amberish = sub.tlp === 'amber' || sub.tlp === 'amber+strict';
    const r = await hub.app.ingest.ingestParsed(viewers[sub.org]!, { format: 'stix', objects: sub.objects, errors: [], warnings: [] }, params({ tlp: sub.tlp, anonymous: sub.anonymous, groups: amberish && sub.toGroup ? [groupId] : [] }));
    if (r.status !== 'done') throw new Error(`ingest of org ${sub.org}: ${JSON.stringify(r.errors).slice(0, 500)}`);
  }
  await hub.app.analysis.drain();
  const hubAnalyst = await makeMember(hub, { name: `Hub desk ${s.c2}`, kind: 'hub', role: 'hub_analyst' });
  return { members, viewers, groupId, hubAnalyst };
}
