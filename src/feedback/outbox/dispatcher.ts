import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { OutboxRow } from '../feedback.tables.ts';
import { attemptDelivery } from './delivery.attempt.ts';
import type { MailSender } from './mail.sender.ts';
import { claimDue, deliveryContexts, recordOutcomes, releaseClaims, type DeliveryContext, type Outcome } from './outbox.repository.ts';

/** Knobs of delivery; defaults suit production, tests shrink the delays. */
export interface DispatcherOptions {
  /** Deliveries in flight at once on this node. */
  readonly concurrency: number;
  /** Deliveries in flight to one target (URL or address) at once. */
  readonly perTarget: number;
  /** Rows of one target claimed at once (they wait in memory for a slot, within their lease). */
  readonly claimPerTarget: number;
  readonly leaseMs: number;
  readonly webhookTimeoutMs: number;
  /** Attempts before a delivery is dead-lettered. */
  readonly maxAttempts: number;
  /** First retry delay; doubled at each attempt, up to backoffMaxMs, with ±20 % jitter. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** How often to look for due retries when nothing wakes the dispatcher. */
  readonly pollMs: number;
  /** Webhooks may reach private, loopback and link-local addresses (off: members cannot aim the hub at its own networks). */
  readonly allowPrivateTargets: boolean;
}

/** Production defaults: 10 attempts over about nine hours. */
export const DEFAULT_DISPATCH: DispatcherOptions = {
  concurrency: 64,
  perTarget: 16,
  claimPerTarget: 64,
  leaseMs: 120_000,
  webhookTimeoutMs: 10_000,
  maxAttempts: 10,
  backoffBaseMs: 30_000,
  backoffMaxMs: 3_600_000,
  pollMs: 1_000,
  allowPrivateTargets: false,
};

/**
 * The delay before the next attempt after `attempts` failed ones.
 * @example backoffMs(3, { backoffBaseMs: 1000, backoffMaxMs: 60_000 }, 0.5) // 4000
 */
export function backoffMs(attempts: number, o: Pick<DispatcherOptions, 'backoffBaseMs' | 'backoffMaxMs'>, random = Math.random()): number {
  const raw = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(raw * (0.8 + 0.4 * random));
}

interface Queued {
  readonly row: OutboxRow;
  readonly ctx: DeliveryContext | undefined;
}

/**
 * Delivers the outbox at least once. Claims due rows in batches (at most `claimPerTarget` per
 * target, never for a target it is already busy with), sends them concurrently with at most
 * `perTarget` in flight per target — a slow or dead receiver holds its own slots for at most its
 * timeout and no one else's — records outcomes in batches, retries with exponential backoff,
 * dead-letters after `maxAttempts`. Rows held by a node that died are taken again when their
 * lease runs out: nothing is lost on restart.
 */
export class Dispatcher {
  readonly #db: Kysely<Database>;
  readonly #mail: MailSender | null;
  readonly #o: DispatcherOptions;
  readonly #queues = new Map<string, Queued[]>();
  readonly #busy = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #outcomes: Outcome[] = [];
  #flushing: Promise<void> | undefined;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  /** The last claim found everything due already claimed: claim again only when something changes. */
  #dry = false;

  constructor(db: Kysely<Database>, mail: MailSender | null, opts: Partial<DispatcherOptions> = {}) {
    this.#db = db;
    this.#mail = mail;
    this.#o = { ...DEFAULT_DISPATCH, ...opts };
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.wake();
  }

  /** Looks for work now (a new delivery was committed here or on another node). */
  wake(): void {
    this.#dry = false;
    this.#tick();
  }

  #tick(): void {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#ticking = this.#claim()
      .catch(() => {
        // The database may be briefly away; the next poll tries again.
      })
      .finally(() => {
        this.#ticking = undefined;
        if (!this.#running) return;
        if (this.#again) {
          this.#again = false;
          this.#tick();
        } else this.#timer = setTimeout(() => this.wake(), this.#o.pollMs);
      });
  }

  /** Stops claiming, gives back rows not yet tried, waits for the deliveries in flight, records every outcome. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#ticking;
    // Rows claimed but not yet tried go back to the queue for the next node (not attempted: not counted).
    const unsent = [...this.#queues.values()].flat().map((q) => q.row.id);
    this.#queues.clear();
    await releaseClaims(this.#db, unsent).catch(() => {});
    await Promise.allSettled([...this.#inFlight]);
    await this.#flush();
  }

  /** Deliveries in flight on this node (metrics, tests). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  #queued(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  async #claim(): Promise<void> {
    // Claim only when slots would otherwise idle: targets with queued rows wait for their own slots.
    const room = this.#o.concurrency - this.#inFlight.size;
    if (room <= 0 || this.#queued() >= room + this.#o.perTarget) return this.#pump();
    // A target with enough queued to fill its slots gets no more now (a dead receiver's rows then
    // never outlive their lease in memory); others are topped up before they run dry.
    const busyTargets = [...this.#queues].filter(([, q]) => q.length >= this.#o.perTarget).map(([t]) => t);
    const limit = Math.max(room * 4, this.#o.claimPerTarget);
    const rows = await claimDue(this.#db, { limit, leaseMs: this.#o.leaseMs, perTarget: this.#o.claimPerTarget, busyTargets });
    if (rows.length) {
      const contexts = await deliveryContexts(this.#db, rows);
      for (const row of rows) {
        const q = this.#queues.get(row.target);
        const item = { row, ctx: contexts.get(row.id) };
        if (q) q.push(item);
        else this.#queues.set(row.target, [item]);
      }
      if (rows.length === limit) this.#again = true;
    }
    this.#dry = rows.length < limit;
    this.#pump();
  }

  #pump(): void {
    for (const [target, q] of this.#queues) {
      while (q.length && this.#inFlight.size < this.#o.concurrency && (this.#busy.get(target) ?? 0) < this.#o.perTarget) {
        this.#start(q.shift()!);
        // The target may be claimed for again: its queue no longer fills its slots.
        if (q.length === this.#o.perTarget - 1) this.#dry = false;
      }
      if (!q.length) this.#queues.delete(target);
    }
  }

  #start(item: Queued): void {
    const { row } = item;
    this.#busy.set(row.target, (this.#busy.get(row.target) ?? 0) + 1);
    const p: Promise<void> = this.#deliver(item).finally(() => {
      this.#inFlight.delete(p);
      const n = (this.#busy.get(row.target) ?? 1) - 1;
      if (n <= 0) this.#busy.delete(row.target);
      else this.#busy.set(row.target, n);
      this.#pump();
      if (!this.#dry && this.#queued() < this.#o.concurrency - this.#inFlight.size + this.#o.perTarget) this.#tick();
    });
    this.#inFlight.add(p);
  }

  async #deliver({ row, ctx }: Queued): Promise<void> {
    const r = await attemptDelivery(row, ctx, this.#mail, this.#o);
    const dead = r.permanent || row.attempts >= this.#o.maxAttempts;
    this.#outcomes.push({ id: row.id, ok: r.ok, status: r.status, error: r.ok ? null : (r.error ?? 'failed'), retryAt: r.ok || dead ? null : new Date(Date.now() + backoffMs(row.attempts, this.#o)) });
    // Outcomes go to the database in batches: one statement for many deliveries.
    if (!this.#flushing) this.#flushing = new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    const batch = this.#outcomes;
    this.#outcomes = [];
    this.#flushing = undefined;
    try {
      await recordOutcomes(this.#db, batch);
    } catch {
      // Not recorded (database away): the leases run out and the rows are tried again.
    }
    if (this.#outcomes.length && !this.#flushing) this.#flushing = this.#flush();
  }
}
