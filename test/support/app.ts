import type { FastifyInstance } from 'fastify';
import { randomBytes, scryptSync } from 'node:crypto';
import { createApp, type App } from '../../src/app.ts';
import type { MintedKey } from '../../src/auth/api-key.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { OrgKind, OrgRow, Role, Sector, Tlp } from '../../src/db/schema.ts';
import { buildServer } from '../../src/http/server.ts';
import { bootstrap } from '../../src/orgs/bootstrap.ts';
import { watchCasing } from './casing.ts';
import type { Backend } from './storage.ts';

/** A running app on a fresh database, with its bootstrap admin. */
export interface TestHub {
  readonly app: App;
  readonly server: FastifyInstance;
  readonly adminKey: string;
  readonly hubOrgId: string;
  close(): Promise<void>;
}

/** Starts an app and an (unlistening) server on a fresh database of the backend. */
export async function startHub(backend: Backend, env: Record<string, string> = {}, appOptions: Omit<Parameters<typeof createApp>[1], 'storage'> = {}): Promise<TestHub> {
  const storage = await backend.open();
  const config = loadConfig({ KESSETSU_RATE_LIMIT: '1000000', ...env }, { dataDir: '/nonexistent' });
  // Passwords set on a test hub are hashed at the factory keys' cost (below); sign-in.test checks the product's cost.
  const app = await createApp(config, { sessions: { passwordCost: FIXTURE_SCRYPT }, ...appOptions, storage });
  const first = await bootstrap(storage.db, app.orgs, undefined, async () => fixtureKey());
  const server = await buildServer(app, { logger: process.env.KESSETSU_TEST_LOG === '1' });
  const casing = watchCasing(server);
  await server.ready();
  return {
    app,
    server,
    adminKey: first!.key,
    hubOrgId: first!.orgId,
    async close() {
      await server.close();
      await app.close();
      await storage.close();
      casing.check();
    },
  };
}

/** A member of an organisation with a working key. */
export interface TestMember {
  readonly org: OrgRow;
  readonly userId: string;
  readonly key: string;
}

/** Overrides for a factory-made organisation. */
export interface OrgOverrides {
  readonly name?: string;
  readonly kind?: OrgKind;
  readonly sector?: Sector | null;
  readonly nda?: boolean;
  readonly role?: Role;
  readonly defaultTlp?: Tlp;
}

/**
 * Factory: an organisation (finance industry with an NDA unless told otherwise) and one user with a key.
 * @example const bank = await makeMember(hub, { sector: 'finance' })
 */
export async function makeMember(hub: TestHub, o: OrgOverrides = {}): Promise<TestMember> {
  const kind = o.kind ?? 'industry';
  const org = await hub.app.orgs.createOrg(null, {
    name: o.name ?? `org-${randomBytes(4).toString('hex')}`,
    kind,
    sector: kind === 'industry' ? (o.sector === undefined ? 'finance' : o.sector) : null,
    defaultTlp: o.defaultTlp,
  });
  if (o.nda !== false) await hub.app.storage.db.updateTable('orgs').set({ nda_accepted_at: new Date(), nda_accepted_by: 'test' }).where('id', '=', org.id).execute();
  const user = await hub.app.orgs.addUser(null, org.id, { name: `user-${randomBytes(3).toString('hex')}`, role: o.role ?? (kind === 'hub' ? 'hub_analyst' : 'member') });
  const key = await hub.app.orgs.storeKey(null, user.id, 'test', fixtureKey());
  hub.app.auth.invalidate();
  return { org: (await hub.app.orgs.getOrg({ kind: 'user', userId: user.id, orgId: org.id, orgKind: kind, sector: null, role: 'admin', ndaAccepted: true, groupIds: [], keyId: null }, org.id)), userId: user.id, key: key.key };
}

// Factory keys are hashed at scrypt N=2^10, not the product's 2^14: the stored hash records its cost and the
// product verifies it as any other (src/auth/api-key.ts), at 1/16 of the ~33 ms a key costs twice (minted,
// then verified on first use), for the thousands of members the suite makes (test speed, issue 11.7).
// The hub's bootstrap admin key too, and passwords set on a test hub (scrypt N=2^15 costs ~0.1-0.2 CPU-s a hash,
// ~70 in a run's sign-ins and journeys). Keys minted by the product are tested where they are made (the API, the
// CLI, `kessetsu serve`'s bootstrap, auth-failures).
const FIXTURE_SCRYPT = { N: 1024, r: 8, p: 1 } as const;

/** A key in the product's form `ks_<prefix>_<secret>` with a cheap hash (test factories only). */
export function fixtureKey(): MintedKey {
  const prefix = Array.from(randomBytes(10), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  const secret = randomBytes(32).toString('base64url');
  const hash = scryptSync(secret, prefix, 32, FIXTURE_SCRYPT).toString('base64url');
  return { key: `ks_${prefix}_${secret}`, prefix: `ks_${prefix}`, hash: `scrypt$${FIXTURE_SCRYPT.N}$${FIXTURE_SCRYPT.r}$${FIXTURE_SCRYPT.p}$${prefix}$${hash}` };
}

/** Headers for a request as this key. */
export function as(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/**
 * The member's organisation accepts its invitation into a sharing group, as its admin would (issue 10.7:
 * another organisation joins a group only with its consent).
 * @example await joinGroup(hub, groupId, bank)
 */
export async function joinGroup(hub: TestHub, groupId: string, m: TestMember): Promise<void> {
  const v = await hub.app.auth.authenticate(m.key);
  await hub.app.groups.respond({ ...v, role: 'org_admin' }, groupId, 'accept');
  hub.app.auth.invalidate();
}

/** Assets an organisation declares (issue 10.7), as PUT /api/v1/orgs/{id}/assets takes them. */
export interface DeclaredAssets {
  cidrs?: string[];
  domains?: string[];
  asns?: number[];
  keywords?: string[];
}

/**
 * The hub records the member's own assets, as a hub would, so the member's asset subscriptions within them
 * are live at once (issue 10.7: anything beyond them waits for a hub analyst). Through the API when the hub
 * serves; through the service as a hub analyst for a hub made of services only.
 * @example await declareAssets(hub, bank, { keywords: ['sakura'] })
 */
export async function declareAssets(hub: TestHub, m: TestMember, assets: DeclaredAssets): Promise<void> {
  if (hub.server && hub.adminKey) {
    const res = await hub.server.inject({ method: 'PUT', url: `/api/v1/orgs/${m.org.id}/assets`, headers: as(hub.adminKey), payload: assets });
    if (res.statusCode !== 200) throw new Error(`declaring the assets of ${m.org.name} answered ${res.statusCode}: ${res.body}`);
    return;
  }
  const analyst = await makeMember(hub, { kind: 'hub', role: 'hub_analyst' });
  await hub.app.feedback.subscriptions.declareAssets(await hub.app.auth.authenticate(analyst.key), m.org.id, assets);
}

/**
 * A hub analyst (the bootstrap admin) approves a subscription to assets beyond the organisation's own
 * (issue 10.7), through the API; it is live afterwards.
 * @example await approveSubscription(hub, sub.id)
 */
export async function approveSubscription(hub: TestHub, subscriptionId: string): Promise<void> {
  const res = await hub.server.inject({ method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/approve`, headers: as(hub.adminKey) });
  if (res.statusCode !== 200 || res.json().enabled !== true) throw new Error(`approving subscription ${subscriptionId} answered ${res.statusCode}: ${res.body}`);
}
