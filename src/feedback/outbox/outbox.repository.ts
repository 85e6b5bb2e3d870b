import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { OutboxRow } from '../feedback.tables.ts';

/** How the dispatcher claims work. */
export interface ClaimOptions {
  readonly limit: number;
  /** A claimed row is this node's for this long; after a crash another node takes it (at least once). */
  readonly leaseMs: number;
  /** At most this many rows of one target per claim: a dead receiver cannot take every slot. */
  readonly perTarget: number;
  /** Targets this node is already busy with, up to perTarget. */
  readonly busyTargets: readonly string[];
}

/**
 * Claims due deliveries (FOR UPDATE SKIP LOCKED: nodes never wait on each other, and the re-checked
 * conditions keep two nodes from claiming the same row), counting the attempt.
 * @example const rows = await claimDue(db, { limit: 64, leaseMs: 60_000, perTarget: 8, busyTargets: [] })
 */
export async function claimDue(db: Kysely<Database>, o: ClaimOptions): Promise<OutboxRow[]> {
  const busy = JSON.stringify(o.busyTargets);
  // The oldest due rows come from the partial index; the per-target cap then applies to those
  // few, so a claim costs the same with ten or a million rows waiting.
  const r = await sql<OutboxRow>`
    update outbox o set locked_until = now() + make_interval(secs => ${o.leaseMs / 1000}), attempts = o.attempts + 1, updated_at = now()
    from (
      select id from outbox
      where id in (
        select id from (
          select id, row_number() over (partition by target order by next_attempt_at, id) as rn
          from (
            select id, target, next_attempt_at from outbox
            where status = 'pending' and next_attempt_at <= now() and (locked_until is null or locked_until < now())
              and target not in (select jsonb_array_elements_text(cast(${busy} as jsonb)))
            order by next_attempt_at
            limit ${o.limit * 4}
          ) oldest
        ) due where rn <= ${o.perTarget} order by id limit ${o.limit}
      )
      and status = 'pending' and (locked_until is null or locked_until < now())
      for update skip locked
    ) l
    where o.id = l.id
    returning o.*`.execute(db);
  return r.rows;
}

/** Gives claimed rows back at once (a node stopping cleanly), instead of when their lease runs out. */
export async function releaseClaims(db: Kysely<Database>, ids: readonly number[]): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('outbox').set({ locked_until: null, attempts: sql`greatest(attempts - 1, 0)` }).where('id', 'in', [...ids]).where('status', '=', 'pending').execute();
}

/** How one attempt ended, to be recorded. */
export interface Outcome {
  readonly id: number;
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  /** Failed: when to try again; null dead-letters it. */
  readonly retryAt: Date | null;
}

/**
 * Records the outcomes of many attempts in one statement (delivered, pending again, or dead).
 * @example await recordOutcomes(db, [{ id: 1, ok: true, status: 204, error: null, retryAt: null }])
 */
export async function recordOutcomes(db: Kysely<Database>, outcomes: readonly Outcome[]): Promise<void> {
  if (!outcomes.length) return;
  const payload = JSON.stringify(outcomes.map((o) => ({ id: o.id, ok: o.ok, s: o.status, e: o.error?.slice(0, 500) ?? null, r: o.retryAt?.toISOString() ?? null })));
  await sql`
    update outbox o set
      status = case when x.ok then 'delivered' when x.r is null then 'dead' else 'pending' end,
      delivered_at = case when x.ok then now() else o.delivered_at end,
      next_attempt_at = case when x.ok or x.r is null then o.next_attempt_at else x.r end,
      locked_until = null,
      last_status = x.s,
      last_error = case when x.ok then null else x.e end,
      updated_at = now()
    from jsonb_to_recordset(cast(${payload} as jsonb)) as x(id bigint, ok boolean, s int, e text, r timestamptz)
    where o.id = x.id and o.status = 'pending'`.execute(db);
}

/** A delivery as its subscriber sees it. */
export type DeliveryView = Pick<OutboxRow, 'id' | 'alert_id' | 'subscription_id' | 'channel' | 'target' | 'status' | 'attempts' | 'last_error' | 'last_status' | 'next_attempt_at' | 'created_at' | 'delivered_at'>;

const VIEW = ['id', 'alert_id', 'subscription_id', 'channel', 'target', 'status', 'attempts', 'last_error', 'last_status', 'next_attempt_at', 'created_at', 'delivered_at'] as const;

/** Deliveries of a subscription or of an alert, newest first; the caller checks whose they are. */
export function listDeliveries(db: Kysely<Database>, by: { subscriptionId?: string; alertId?: number; status?: string }, limit: number, beforeId?: number): Promise<DeliveryView[]> {
  let q = db.selectFrom('outbox').select(VIEW).orderBy('id', 'desc').limit(limit);
  if (by.subscriptionId) q = q.where('subscription_id', '=', by.subscriptionId);
  if (by.alertId !== undefined) q = q.where('alert_id', '=', by.alertId);
  if (by.status) q = q.where('status', '=', by.status as OutboxRow['status']);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  return q.execute();
}

/** Counts of deliveries by status for some subscriptions. */
export async function deliveryCounts(db: Kysely<Database>, subscriptionIds: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (!subscriptionIds.length) return out;
  const rows = await db
    .selectFrom('outbox')
    .select(['subscription_id', 'status', sql<number>`count(*)`.as('n')])
    .where('subscription_id', 'in', subscriptionIds)
    .groupBy(['subscription_id', 'status'])
    .execute();
  for (const r of rows) {
    const m = out.get(r.subscription_id!) ?? { pending: 0, delivered: 0, dead: 0 };
    m[r.status] = Number(r.n);
    out.set(r.subscription_id!, m);
  }
  return out;
}

/** Puts a dead delivery back in the queue (after the receiver was fixed); answers whether it was dead. */
export async function requeueDead(db: Kysely<Database>, id: number): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: new Date(), locked_until: null, updated_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) await sql`select pg_notify('kessetsu_outbox', '')`.execute(db);
  return Number(r.numUpdatedRows) > 0;
}

/** What sending a delivery needs beyond its row. */
export interface DeliveryContext {
  readonly alert: { readonly id: number; readonly kind: string; readonly title: string; readonly body: Record<string, unknown>; readonly created_at: Date };
  readonly secret: string | null;
  readonly locale: string | null;
}

/** Contexts of claimed rows in three queries, whatever their number: the alert, the subscription's secret, the recipient's language. */
export async function deliveryContexts(db: Kysely<Database>, rows: readonly OutboxRow[]): Promise<Map<number, DeliveryContext>> {
  const out = new Map<number, DeliveryContext>();
  if (!rows.length) return out;
  const alertIds = [...new Set(rows.map((r) => r.alert_id))];
  const subIds = [...new Set(rows.map((r) => r.subscription_id).filter((x): x is string => x !== null))];
  const userIds = [...new Set(rows.map((r) => r.recipient_user_id).filter((x): x is string => x !== null))];
  const [alerts, subs, users] = await Promise.all([
    db.selectFrom('alerts').select(['id', 'kind', 'title', 'body', 'created_at']).where('id', 'in', alertIds).execute(),
    subIds.length ? db.selectFrom('subscriptions').select(['id', 'webhook_secret']).where('id', 'in', subIds).execute() : [],
    userIds.length ? db.selectFrom('users').select(['id', 'locale']).where('id', 'in', userIds).execute() : [],
  ]);
  const alertById = new Map(alerts.map((a) => [a.id, a]));
  const secretOf = new Map(subs.map((s) => [s.id, s.webhook_secret]));
  const localeOf = new Map(users.map((u) => [u.id, u.locale]));
  for (const r of rows) {
    const a = alertById.get(r.alert_id);
    if (!a) continue;
    out.set(r.id, {
      alert: { ...a, body: a.body as Record<string, unknown> },
      secret: r.subscription_id ? (secretOf.get(r.subscription_id) ?? null) : null,
      locale: r.recipient_user_id ? (localeOf.get(r.recipient_user_id) ?? null) : null,
    });
  }
  return out;
}
