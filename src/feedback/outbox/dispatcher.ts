import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { OutboxRow } from '../feedback.tables.ts';
import type { AlertBody } from '../subscriptions/alert.draft.ts';
import { renderAlertMail } from './mail.templates.ts';
import type { MailSender } from './mail.sender.ts';
import { claimDue, deliveryContexts, markDelivered, markFailed, type DeliveryContext } from './outbox.repository.ts';
import { SIGNATURE_HEADER, signWebhook } from './webhook.signature.ts';
import { postWebhook, type AttemptResult } from './webhook.sender.ts';

/** Knobs of delivery; defaults suit production, tests shrink the delays. */
export interface DispatcherOptions {
  /** Deliveries in flight at once on this node. */
  readonly concurrency: number;
  /** Deliveries in flight to one target (URL or address) at once. */
  readonly perTarget: number;
  readonly leaseMs: number;
  readonly webhookTimeoutMs: number;
  /** Attempts before a delivery is dead-lettered. */
  readonly maxAttempts: number;
  /** First retry delay; doubled at each attempt, up to backoffMaxMs, with ±20 % jitter. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** How often to look for due retries when nothing wakes the dispatcher. */
  readonly pollMs: number;
}

/** Production defaults: 10 attempts over about nine hours. */
export const DEFAULT_DISPATCH: DispatcherOptions = {
  concurrency: 64,
  perTarget: 8,
  leaseMs: 120_000,
  webhookTimeoutMs: 10_000,
  maxAttempts: 10,
  backoffBaseMs: 30_000,
  backoffMaxMs: 3_600_000,
  pollMs: 1_000,
};

/**
 * The delay before the next attempt after `attempts` failed ones.
 * @example backoffMs(3, { backoffBaseMs: 1000, backoffMaxMs: 60_000 }, 0.5) // 4000
 */
export function backoffMs(attempts: number, o: Pick<DispatcherOptions, 'backoffBaseMs' | 'backoffMaxMs'>, random = Math.random()): number {
  const raw = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(raw * (0.8 + 0.4 * random));
}

/**
 * Delivers the outbox at least once: claims due rows, sends them concurrently (a slow or dead
 * receiver holds at most `perTarget` slots for at most its timeout), records each outcome,
 * retries with exponential backoff, dead-letters after `maxAttempts`. Rows claimed by a node that
 * died are taken again when their lease runs out; nothing is lost on restart.
 */
export class Dispatcher {
  readonly #db: Kysely<Database>;
  readonly #mail: MailSender | null;
  readonly #o: DispatcherOptions;
  readonly #busy = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;

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
    if (!this.#running) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#ticking = this.#tick()
      .catch(() => {
        // The database may be briefly away; the next poll tries again.
      })
      .finally(() => {
        this.#ticking = undefined;
        if (!this.#running) return;
        if (this.#again) {
          this.#again = false;
          this.wake();
        } else this.#timer = setTimeout(() => this.wake(), this.#o.pollMs);
      });
  }

  /** Stops claiming and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#ticking;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Deliveries in flight on this node (metrics, tests). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  async #tick(): Promise<void> {
    const room = this.#o.concurrency - this.#inFlight.size;
    if (room <= 0) return;
    const busyTargets = [...this.#busy].filter(([, n]) => n >= this.#o.perTarget).map(([t]) => t);
    const rows = await claimDue(this.#db, { limit: room, leaseMs: this.#o.leaseMs, perTarget: this.#o.perTarget, busyTargets });
    if (!rows.length) return;
    const contexts = await deliveryContexts(this.#db, rows);
    for (const row of rows) {
      this.#busy.set(row.target, (this.#busy.get(row.target) ?? 0) + 1);
      const p: Promise<void> = this.#deliver(row, contexts.get(row.id)).finally(() => {
        this.#inFlight.delete(p);
        const n = (this.#busy.get(row.target) ?? 1) - 1;
        if (n <= 0) this.#busy.delete(row.target);
        else this.#busy.set(row.target, n);
        // Claim in batches: wake when half the slots are free, not after every single delivery.
        if (this.#inFlight.size <= this.#o.concurrency / 2) this.wake();
      });
      this.#inFlight.add(p);
    }
    // A full batch means more may be due.
    if (rows.length === room) this.#again = true;
  }

  async #deliver(row: OutboxRow, ctx: DeliveryContext | undefined): Promise<void> {
    let result: AttemptResult;
    let permanent = false;
    if (!ctx) {
      result = { ok: false, status: null, error: 'the alert no longer exists' };
      permanent = true;
    } else if (row.channel === 'webhook') {
      if (!ctx.secret) {
        result = { ok: false, status: null, error: 'the subscription has no webhook secret any more' };
        permanent = true;
      } else {
        const body = JSON.stringify({ type: 'kessetsu.alert', alert_id: ctx.alert.id, delivery_id: row.id, created: ctx.alert.created_at.toISOString(), kind: ctx.alert.kind, title: ctx.alert.title, alert: ctx.alert.body });
        result = await postWebhook(row.target, body, { [SIGNATURE_HEADER]: signWebhook(ctx.secret, body), 'x-kessetsu-event': 'alert', 'x-kessetsu-delivery': String(row.id) }, { timeoutMs: this.#o.webhookTimeoutMs });
      }
    } else if (!this.#mail) {
      // Not dead at once: an operator who configures SMTP should not lose what waited for it.
      result = { ok: false, status: null, error: 'no SMTP server is configured on this hub' };
    } else {
      const lang = ctx.locale === 'ja' ? 'ja' : 'en';
      const mail = renderAlertMail(lang, ctx.alert.title, ctx.alert.body as unknown as AlertBody);
      result = await this.#mail.send({ to: row.target, subject: mail.subject, text: mail.text, headers: { 'X-Kessetsu-Alert': String(ctx.alert.id), 'X-Kessetsu-Delivery': String(row.id) } });
    }
    try {
      if (result.ok) await markDelivered(this.#db, row.id, result.status);
      else {
        const dead = permanent || row.attempts >= this.#o.maxAttempts;
        await markFailed(this.#db, row.id, result.error ?? 'failed', result.status, dead ? null : new Date(Date.now() + backoffMs(row.attempts, this.#o)));
      }
    } catch {
      // Recording failed (database away): the lease runs out and the row is tried again.
    }
  }
}
