import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { AppError } from '../shared/errors.ts';
import { keyFingerprint, splitKey, verifySecret } from './api-key.ts';
import { findKeyPrincipal, groupIdsOfOrg, touchKeys } from './keys.repository.ts';

interface CacheEntry {
  readonly viewer: Viewer;
  readonly expires: number;
}

/** Options of the authenticator. */
export interface AuthOptions {
  /** How long a verified key is trusted without asking the database again, in ms. */
  readonly cacheTtlMs?: number;
  /** How often last-used times are written, in ms. */
  readonly touchEveryMs?: number;
}

/**
 * Turns a presented API key into a Viewer. Verified keys are cached briefly (scrypt is slow on purpose);
 * any change to keys, users, organisations or groups calls invalidate(), on every node via LISTEN/NOTIFY.
 */
export class Authenticator {
  readonly #db: Kysely<Database>;
  readonly #ttl: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #used = new Set<string>();
  readonly #timer: NodeJS.Timeout;

  constructor(db: Kysely<Database>, opts: AuthOptions = {}) {
    this.#db = db;
    this.#ttl = opts.cacheTtlMs ?? 30_000;
    this.#timer = setInterval(() => void this.flushUsage(), opts.touchEveryMs ?? 10_000);
    this.#timer.unref();
  }

  /** Resolves a key to its viewer; throws unauthorized for unknown, malformed or revoked keys. */
  async authenticate(key: string): Promise<Viewer> {
    const fp = keyFingerprint(key);
    const hit = this.#cache.get(fp);
    if (hit && hit.expires > Date.now()) {
      if (hit.viewer.keyId) this.#used.add(hit.viewer.keyId);
      return hit.viewer;
    }
    const parts = splitKey(key);
    if (!parts) throw new AppError('unauthorized', 'API key is malformed');
    const row = await findKeyPrincipal(this.#db, `ks_${parts.prefix}`);
    if (!row || !(await verifySecret(parts.secret, row.hash))) throw new AppError('unauthorized', 'API key is not valid');
    if (row.revoked_at) throw new AppError('unauthorized', 'API key has been revoked');
    if (row.disabled_at) throw new AppError('unauthorized', 'the user of this API key is disabled');
    const viewer: Viewer = {
      kind: 'user',
      userId: row.user_id,
      orgId: row.org_id,
      orgKind: row.org_kind,
      sector: row.sector,
      role: row.role,
      ndaAccepted: row.nda_accepted_at !== null,
      groupIds: await groupIdsOfOrg(this.#db, row.org_id),
      keyId: row.key_id,
    };
    this.#cache.set(fp, { viewer, expires: Date.now() + this.#ttl });
    this.#used.add(row.key_id);
    return viewer;
  }

  /** Forgets every cached key, so the next request re-reads the database. */
  invalidate(): void {
    this.#cache.clear();
  }

  /** Writes pending last-used times. */
  async flushUsage(): Promise<void> {
    if (this.#used.size === 0) return;
    const ids = [...this.#used];
    this.#used.clear();
    await touchKeys(this.#db, ids, new Date()).catch(() => {});
  }

  /** Stops the background writer after a last flush. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flushUsage();
  }
}
