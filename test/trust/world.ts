import { randomBytes } from 'node:crypto';
import type { Tlp } from '../../src/db/schema.ts';
import { deterministicId } from '../../src/stix/deterministic-id.ts';
import { as, joinGroup, makeMember, type TestHub, type TestMember } from '../support/app.ts';

/** The viewpoints of the trust table (issue 4). */
export const VIEWPOINTS = ['contributor', 'sameSector', 'otherMember', 'namedOrg', 'groupMember', 'hubAnalyst', 'investigator', 'noNda', 'public'] as const;
export type Viewpoint = (typeof VIEWPOINTS)[number];

/** A small world: one organisation per viewpoint, a sharing group, and keys. */
export interface TrustWorld {
  readonly members: Readonly<Record<Exclude<Viewpoint, 'public'>, TestMember>>;
  readonly groupId: string;
}

/** Builds the world: the contributor is a bank; the group holds the group member. */
export async function buildTrustWorld(hub: TestHub): Promise<TrustWorld> {
  const tag = randomBytes(3).toString('hex');
  const contributor = await makeMember(hub, { name: `Contributor Bank ${tag}`, sector: 'finance' });
  const sameSector = await makeMember(hub, { name: `Same Sector Bank ${tag}`, sector: 'finance' });
  const otherMember = await makeMember(hub, { name: `Other Telecom ${tag}`, sector: 'telecom' });
  const namedOrg = await makeMember(hub, { name: `Named Shop ${tag}`, sector: 'ecommerce' });
  const groupMember = await makeMember(hub, { name: `Group Grid ${tag}`, sector: 'critical_infrastructure' });
  const hubAnalyst = await makeMember(hub, { name: `Hub Desk ${tag}`, kind: 'hub', role: 'hub_analyst' });
  const investigator = await makeMember(hub, { name: `Police Unit ${tag}`, kind: 'law_enforcement', role: 'investigator' });
  const noNda = await makeMember(hub, { name: `No NDA Bank ${tag}`, sector: 'finance', nda: false });
  const g = await hub.server.inject({ method: 'POST', url: '/api/v1/groups', headers: as(contributor.key), payload: { name: `recipients ${tag}`, members: [groupMember.org.id] } });
  if (g.statusCode !== 201) throw new Error(`group: ${g.statusCode} ${g.body}`);
  await joinGroup(hub, g.json().id, groupMember);
  return { members: { contributor, sameSector, otherMember, namedOrg, groupMember, hubAnalyst, investigator, noNda }, groupId: g.json().id };
}

/** Who may see a contribution of each TLP, by DESIGN.md's table (written out, not computed by the policy). */
export const EXPECTED: Readonly<Record<Tlp, readonly Viewpoint[]>> = {
  clear: VIEWPOINTS,
  green: ['contributor', 'sameSector', 'otherMember', 'namedOrg', 'groupMember', 'hubAnalyst', 'investigator'],
  amber: ['contributor', 'namedOrg', 'groupMember', 'hubAnalyst'],
  'amber+strict': ['contributor', 'namedOrg', 'groupMember', 'hubAnalyst'],
  // RED names people: the named organisation's user is named, the group member is not.
  red: ['contributor', 'namedOrg', 'hubAnalyst'],
};

/**
 * Where a read path deliberately differs from the table. TAXII is a forwarding channel (partners'
 * and members' tools pull from it): AMBER+STRICT and RED leave it only to the organisations and users
 * named, not to sharing-group members nor to the hub's own TAXII clients.
 */
export const EXPECTED_BY_PATH: Readonly<Record<string, Partial<Record<Tlp, readonly Viewpoint[]>>>> = {
  'TAXII collection': { 'amber+strict': ['contributor', 'namedOrg'], red: ['contributor', 'namedOrg'] },
};

/** A STIX bundle with one unique IP, an indicator for it and a relationship. */
export function uniqueBundle(ip: string): { bundle: object; indicatorId: string; ipId: string; malwareId: string } {
  const now = new Date().toISOString();
  const rid = () => crypto.randomUUID();
  const indicatorId = `indicator--${rid()}`;
  const malwareId = `malware--${rid()}`;
  const ipId = deterministicId('ipv4-addr', { value: ip })!;
  const bundle = {
    type: 'bundle',
    id: `bundle--${rid()}`,
    objects: [
      { type: 'indicator', spec_version: '2.1', id: indicatorId, created: now, modified: now, name: `C2 ${ip}`, pattern: `[ipv4-addr:value = '${ip}']`, pattern_type: 'stix', valid_from: now },
      { type: 'malware', spec_version: '2.1', id: malwareId, created: now, modified: now, name: `Trojan ${ip}`, is_family: true },
      { type: 'relationship', spec_version: '2.1', id: `relationship--${rid()}`, created: now, modified: now, relationship_type: 'indicates', source_ref: indicatorId, target_ref: malwareId },
      { type: 'ipv4-addr', spec_version: '2.1', id: ipId, value: ip },
    ],
  };
  return { bundle, indicatorId, ipId, malwareId };
}
