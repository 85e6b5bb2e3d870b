import type { Kysely } from 'kysely';
import { findNdaVersion, insertNdaAcceptance } from '../orgs/nda.repository.ts';
import type { Database, OrgKind, Role, Sector } from '../db/schema.ts';
import type { OrgsService } from '../orgs/orgs.service.ts';

interface DemoOrg {
  readonly name: string;
  readonly kind: OrgKind;
  readonly sector?: Sector;
  readonly subsector?: string;
  readonly country: string;
  readonly user: string;
  readonly role: Role;
}

// One organisation of every kind and sector, so each viewpoint of the access policy can be tried.
const DEMO_ORGS: readonly DemoOrg[] = [
  { name: 'Sakura Bank', kind: 'industry', sector: 'finance', country: 'JP', user: 'sakura-analyst', role: 'member' },
  { name: 'Fuji Trust Bank', kind: 'industry', sector: 'finance', country: 'JP', user: 'fuji-analyst', role: 'member' },
  { name: 'Kanto Telecom', kind: 'industry', sector: 'telecom', country: 'JP', user: 'kanto-noc', role: 'member' },
  { name: 'Hikari Mall', kind: 'industry', sector: 'ecommerce', country: 'JP', user: 'hikari-sec', role: 'member' },
  { name: 'Shield Antivirus', kind: 'industry', sector: 'security_vendor', country: 'JP', user: 'shield-lab', role: 'member' },
  { name: 'Tokyo Power Grid', kind: 'industry', sector: 'critical_infrastructure', subsector: 'electricity', country: 'JP', user: 'grid-soc', role: 'member' },
  { name: 'Nagoya Manufacturing', kind: 'industry', sector: 'other', country: 'JP', user: 'nagoya-it', role: 'member' },
  { name: 'Kyoto University Lab', kind: 'academia', country: 'JP', user: 'kyoto-researcher', role: 'member' },
  { name: 'Prefectural Police Cyber Unit', kind: 'law_enforcement', country: 'JP', user: 'detective', role: 'investigator' },
  { name: 'Ministry CSIRT', kind: 'government', country: 'JP', user: 'gov-csirt', role: 'member' },
  { name: 'NCFTA Partner', kind: 'international_partner', country: 'US', user: 'ncfta-liaison', role: 'member' },
];

/** A demo user and the key printed once for it. */
export interface DemoCredential {
  readonly org: string;
  readonly user: string;
  readonly role: Role;
  readonly key: string;
}

/**
 * Seeds the demo world (once): organisations of every kind, accepted NDAs, a user and key each, a hub analyst.
 * @example const creds = await seedDemo(db, orgs, hubOrgId)
 */
export async function seedDemo(db: Kysely<Database>, orgs: OrgsService, hubOrgId: string): Promise<DemoCredential[]> {
  const existing = await db.selectFrom('orgs').select('id').where('name', '=', DEMO_ORGS[0]!.name).executeTakeFirst();
  if (existing) return [];
  const out: DemoCredential[] = [];
  for (const d of DEMO_ORGS) {
    const org = await orgs.createOrg(null, { name: d.name, kind: d.kind, sector: d.sector ?? null, subsector: d.subsector ?? null, country: d.country });
    const user = await orgs.addUser(null, org.id, { name: d.user, role: d.role });
    // Each demo organisation accepted the current NDA, signed by its user (issue 10.7).
    const version = await findNdaVersion(db, undefined);
    if (version) await insertNdaAcceptance(db, { org_id: org.id, version: version.version, signer_user_id: user.id, recorded_by: null });
    const key = await orgs.createKey(null, user.id, 'demo');
    out.push({ org: d.name, user: d.user, role: d.role, key: key.key });
  }
  const analyst = await orgs.addUser(null, hubOrgId, { name: 'hub-analyst', role: 'hub_analyst' });
  const key = await orgs.createKey(null, analyst.id, 'demo');
  out.push({ org: 'Kessetsu Hub', user: 'hub-analyst', role: 'hub_analyst', key: key.key });
  return out;
}
