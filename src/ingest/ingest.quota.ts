import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { AppError } from '../shared/errors.ts';
import { formatBytes } from './body.ts';
import { bytesIngestedSince } from './ingests.repository.ts';

/** How many ingests may run at once, per organisation and on this node, and how much an organisation may send a day. */
export interface QuotaOptions {
  readonly perOrg: number;
  readonly total: number;
  /** Inflated bytes per organisation in 24 hours; 0 for no quota. The hub's own organisation has none. */
  readonly bytesPerDay: number;
}

/** A place taken in the quota: released once, when the ingest (or its job) is over. */
export interface IngestTicket {
  readonly orgId: string;
  /** Hands the ticket to whoever runs the ingest from now on (the request no longer releases it). */
  handOver(): void;
  readonly handedOver: boolean;
  release(): void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Per-organisation and per-node concurrency of API ingests, and a daily byte quota per organisation
 * (issue 10.5): one member sending many files at once waits its turn (429) instead of filling the
 * node's memory and workers. Counts are per node; the byte quota is read from the database.
 * @example const ticket = quota.admit(viewer); try { … } finally { ticket.release() }
 */
export class IngestQuota {
  readonly #db: Kysely<Database>;
  readonly #opts: QuotaOptions;
  readonly #running = new Map<string, number>();
  #total = 0;

  constructor(db: Kysely<Database>, opts: QuotaOptions) {
    this.#db = db;
    this.#opts = opts;
  }

  /** Ingests running now on this node (all organisations, or one). */
  running(orgId?: string): number {
    return orgId === undefined ? this.#total : (this.#running.get(orgId) ?? 0);
  }

  /** Takes a place for an ingest of the viewer's organisation, or answers 429 (organisation) / 503 (node) with Retry-After. */
  admit(viewer: Viewer): IngestTicket {
    const orgId = viewer.orgId;
    const mine = this.#running.get(orgId) ?? 0;
    if (mine >= this.#opts.perOrg)
      throw new AppError('rate_limited', `your organisation already has ${mine} ingest(s) running, the most allowed at once (KESSETSU_INGESTS_PER_ORG=${this.#opts.perOrg}); retry when one has finished`, {
        limit: 'KESSETSU_INGESTS_PER_ORG',
        running: mine,
        retry_after: 5,
      });
    if (this.#total >= this.#opts.total)
      throw new AppError('unavailable', `the hub is running ${this.#total} ingests, the most it takes at once (KESSETSU_INGESTS_TOTAL); retry shortly`, { limit: 'KESSETSU_INGESTS_TOTAL', retry_after: 5 });
    this.#running.set(orgId, mine + 1);
    this.#total++;
    let released = false;
    let handedOver = false;
    return {
      orgId,
      handOver: () => {
        handedOver = true;
      },
      get handedOver() {
        return handedOver;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const n = (this.#running.get(orgId) ?? 1) - 1;
        if (n <= 0) this.#running.delete(orgId);
        else this.#running.set(orgId, n);
      },
    };
  }

  /**
   * Bytes the viewer's organisation may still send today, or null without a quota.
   * Throws 429 when nothing is left.
   */
  async remainingToday(viewer: Viewer): Promise<number | null> {
    if (this.#opts.bytesPerDay === 0 || viewer.orgKind === 'hub') return null;
    const used = await bytesIngestedSince(this.#db, viewer.orgId, new Date(Date.now() - DAY_MS));
    const left = this.#opts.bytesPerDay - used;
    if (left <= 0)
      throw new AppError('rate_limited', `your organisation has sent ${formatBytes(used)} in the last 24 hours, its daily quota (KESSETSU_INGEST_BYTES_PER_DAY); retry later`, {
        limit: 'KESSETSU_INGEST_BYTES_PER_DAY',
        used_bytes: used,
        retry_after: 3600,
      });
    return left;
  }
}
