import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError } from '../shared/errors.ts';
import { adoptKey, mintKey, type MintedKey } from '../auth/api-key.ts';
import { countOrgs } from './orgs.repository.ts';
import { findNdaVersion, insertNdaAcceptance } from './nda.repository.ts';
import type { OrgsService } from './orgs.service.ts';

/** What bootstrapping created, when the database was empty. */
export interface BootstrapResult {
  readonly orgId: string;
  readonly userId: string;
  /** The admin key: the operator's own, or a new one to print once. */
  readonly key: string;
  readonly generated: boolean;
}

/**
 * On an empty database, creates the hub organisation and its first admin with an API key. `mint` makes the
 * key when the operator gave none (test factories pass a cheaper one).
 * @example const first = await bootstrap(db, orgs, process.env.KESSETSU_BOOTSTRAP_KEY)
 */
export async function bootstrap(db: Kysely<Database>, orgs: OrgsService, bootstrapKey: string | undefined, mint: () => Promise<MintedKey> = mintKey): Promise<BootstrapResult | null> {
  if ((await countOrgs(db)) > 0) return null;
  const minted = bootstrapKey ? await adoptKey(bootstrapKey) : await mint();
  if (!minted) throw new AppError('validation_failed', 'KESSETSU_BOOTSTRAP_KEY must be 16 to 256 printable ASCII characters without spaces');
  const org = await orgs.createOrg(null, { name: 'Kessetsu Hub', kind: 'hub', country: 'JP', defaultTlp: 'amber' });
  const user = await orgs.addUser(null, org.id, { name: 'admin', role: 'admin' });
  // The hub's own NDA: the current version, signed by its first admin.
  const version = await findNdaVersion(db, undefined);
  if (version) await insertNdaAcceptance(db, { org_id: org.id, version: version.version, signer_user_id: user.id, recorded_by: null });
  await orgs.storeKey(null, user.id, 'bootstrap', minted);
  return { orgId: org.id, userId: user.id, key: minted.key, generated: !bootstrapKey };
}
