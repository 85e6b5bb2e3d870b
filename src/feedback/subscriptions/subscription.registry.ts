import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { compilePlan, type MatchPlan } from './match.plan.ts';
import { activeSubscriptions, subscriptionsVersion } from './subscriptions.repository.ts';

/**
 * The compiled subscriptions, kept in memory and rebuilt when the subscription table changes
 * (checked by a cheap fingerprint on each use, so another node's change is seen at once), when
 * access facts change (invalidate), or after a minute at most (group and NDA changes of other nodes).
 */
export class SubscriptionRegistry {
  readonly #db: Kysely<Database>;
  readonly #ttlMs: number;
  #plan: MatchPlan | undefined;
  #version = '';
  #loadedAt = 0;

  constructor(db: Kysely<Database>, opts: { ttlMs?: number } = {}) {
    this.#db = db;
    this.#ttlMs = opts.ttlMs ?? 60_000;
  }

  /** Forgets the plan; the next use rebuilds it. */
  invalidate(): void {
    this.#plan = undefined;
  }

  /** The current plan, read on the given connection (the ingest transaction). */
  async plan(db: Kysely<Database> = this.#db): Promise<MatchPlan> {
    const version = await subscriptionsVersion(db);
    if (this.#plan && version === this.#version && Date.now() - this.#loadedAt < this.#ttlMs) return this.#plan;
    const plan = compilePlan(await activeSubscriptions(db));
    this.#plan = plan;
    this.#version = version;
    this.#loadedAt = Date.now();
    return plan;
  }
}
