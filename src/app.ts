import { sql } from 'kysely';
import type { Config } from './config/config.ts';
import { openStorage, type Storage } from './db/database.ts';
import { migrateToLatest } from './db/migrator.ts';
import { Authenticator } from './auth/auth.service.ts';
import { OrgsService } from './orgs/orgs.service.ts';
import { Metrics } from './http/metrics.ts';

const AUTH_CHANNEL = 'kessetsu_auth';

/** Everything built from the config, handed down to routes and commands. */
export interface App {
  readonly config: Config;
  readonly storage: Storage;
  readonly metrics: Metrics;
  readonly auth: Authenticator;
  readonly orgs: OrgsService;
  close(): Promise<void>;
}

/**
 * The composition root: opens storage, migrates, and wires services together.
 * @example const app = await createApp(loadConfig(process.env)); await app.close()
 */
export async function createApp(config: Config, opts: { storage?: Storage; migrate?: boolean } = {}): Promise<App> {
  const storage = opts.storage ?? (await openStorage(config));
  if (opts.migrate !== false) await migrateToLatest(storage.db);
  const metrics = new Metrics();
  const auth = new Authenticator(storage.db);
  // Changes to keys, users and organisations reach every node's key cache.
  const notifyAccessChange = (): void => {
    auth.invalidate();
    sql`select pg_notify(${AUTH_CHANNEL}, '')`.execute(storage.db).catch(() => {});
  };
  const unlisten = await storage.listen(AUTH_CHANNEL, () => auth.invalidate());
  const orgs = new OrgsService(storage.db, notifyAccessChange);
  return {
    config,
    storage,
    metrics,
    auth,
    orgs,
    async close() {
      await auth.close();
      await unlisten();
      if (!opts.storage) await storage.close();
    },
  };
}
