import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { AppError } from '../shared/errors.ts';
import { hashSecret, keyFingerprint, splitKey, verifySecret } from './api-key.ts';
import { FailureLimiter, type FailureLimiterOptions } from './failure-limiter.ts';
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
  /** Failed authentications allowed per source address and window (default: 30 a minute). */
  readonly failures?: FailureLimiterOptions;
  /** Checks a secret against a stored hash (tests count the work done). */
  readonly verify?: (secret: string, stored: string) => Promise<boolean>;
}

// One decoy per process, made when the first Authenticator starts: it only has to cost what a real key's check
// costs, and a new one per Authenticator was one more scrypt at every app start (test speed, issue 11.7).
let decoy: Promise<string> | undefined;

/** A hash with the parameters of real keys that no secret matches (its salt is random). */
function decoyHash(): Promise<string> {
  decoy ??= hashSecret(randomBytes(32).toString('base64url'), randomBytes(8).toString('hex').slice(0, 10));
  return decoy;
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
  readonly #limiter: FailureLimiter;
  readonly #verify: (secret: string, stored: string) => Promise<boolean>;

  constructor(db: Kysely<Database>, opts: AuthOptions = {}) {
    this.#db = db;
    this.#ttl = opts.cacheTtlMs ?? 30_000;
    this.#limiter = new FailureLimiter(opts.failures ?? { maxFailures: 30, windowMs: 60_000 });
    this.#verify = opts.verify ?? verifySecret;
    decoyHash().catch(() => {});
    this.#timer = setInterval(() => void this.flushUsage(), opts.touchEveryMs ?? 10_000);
    this.#timer.unref();
  }

  /**
   * Resolves a key to its viewer; throws unauthorized for unknown, malformed or revoked keys. With the
   * caller's address, failures count against that address and an address over its limit gets 429.
   */
  async authenticate(key: string, source?: string): Promise<Viewer> {
    if (source === undefined) return this.#authenticate(key);
    this.#limiter.check(source);
    try {
      return await this.#authenticate(key);
    } catch (err) {
      if (err instanceof AppError && err.code === 'unauthorized') this.#limiter.fail(source);
      throw err;
    }
  }

  async #authenticate(key: string): Promise<Viewer> {
    const fp = keyFingerprint(key);
    const hit = this.#cache.get(fp);
    if (hit && hit.expires > Date.now()) {
      if (hit.viewer.keyId) this.#used.add(hit.viewer.keyId);
      return hit.viewer;
    }
    const parts = splitKey(key);
    if (!parts) throw new AppError('unauthorized', 'API key is malformed');
    const row = await findKeyPrincipal(this.#db, `ks_${parts.prefix}`);
    // An unknown prefix costs the same hash work as a known one, so timing does not tell them apart.
    const valid = await this.#verify(parts.secret, row?.hash ?? (await decoyHash()));
    if (!row || !valid) throw new AppError('unauthorized', 'API key is not valid');
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
