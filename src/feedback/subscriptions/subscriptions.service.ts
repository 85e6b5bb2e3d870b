import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Viewer } from '../../access/viewer.ts';
import { AppError, invalid, notFound } from '../../shared/errors.ts';
import type { SubscriptionKind, SubscriptionRow } from '../feedback.tables.ts';
import { deliveryCounts, listDeliveries, requeueDead, type DeliveryView } from '../outbox/outbox.repository.ts';
import { validateRule } from './subscription.rules.ts';
import { deleteSubscription, findSubscription, insertSubscription, listSubscriptions, updateSubscription } from './subscriptions.repository.ts';

/** A subscription as the API shows it (the webhook secret only once, when made or rotated). */
export interface SubscriptionOut {
  readonly id: string;
  readonly name: string;
  readonly kind: SubscriptionKind;
  readonly scope: 'org' | 'user';
  readonly rule: Record<string, unknown>;
  readonly channels: { readonly inbox: true; readonly stream: true; readonly email: boolean; readonly webhook: string | null };
  readonly enabled: boolean;
  readonly created_at: string;
  readonly deliveries?: Record<string, number>;
  readonly webhook_secret?: string;
}

/** What a member asks for. */
export interface SubscriptionInput {
  readonly name: string;
  readonly kind: SubscriptionKind;
  readonly rule?: unknown;
  readonly scope?: 'org' | 'user';
  readonly webhook_url?: string | null;
  readonly email?: boolean;
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function checkWebhookUrl(url: string | null | undefined): string | null {
  if (url === undefined || url === null || url === '') return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('webhook_url', 'is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid('webhook_url', 'must be http or https');
  if (u.username || u.password) throw invalid('webhook_url', 'must not carry credentials; the signature authenticates the hub');
  if (url.length > 2000) throw invalid('webhook_url', 'longer than 2000 characters');
  return u.toString();
}

/** Presents a row; `secret` is included only when just made. */
export function presentSubscription(r: SubscriptionRow, extra: { deliveries?: Record<string, number>; secret?: string } = {}): SubscriptionOut {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    scope: r.user_id ? 'user' : 'org',
    rule: r.rule as Record<string, unknown>,
    channels: { inbox: true, stream: true, email: r.email, webhook: r.webhook_url },
    enabled: r.enabled,
    created_at: r.created_at.toISOString(),
    ...(extra.deliveries ? { deliveries: extra.deliveries } : {}),
    ...(extra.secret ? { webhook_secret: extra.secret } : {}),
  };
}

/** Subscriptions of members: organisation-wide or personal, with delivery status. */
export class SubscriptionsService {
  readonly #db: Kysely<Database>;
  readonly #onChange: () => void;

  constructor(db: Kysely<Database>, onChange: () => void) {
    this.#db = db;
    this.#onChange = onChange;
  }

  /**
   * Creates a subscription; answers the webhook secret once.
   * @example await subs.create(viewer, { name: 'brand', kind: 'asset', rule: { keywords: ['sakura'] }, webhook_url: 'https://soc.example/hook' })
   */
  async create(v: Viewer, input: SubscriptionInput): Promise<SubscriptionOut> {
    const rule = validateRule(input.kind, input.rule);
    const webhook = checkWebhookUrl(input.webhook_url);
    const secret = webhook ? newSecret() : null;
    const row = await insertSubscription(this.#db, {
      org_id: v.orgId,
      user_id: input.scope === 'user' ? v.userId : null,
      created_by: v.userId,
      name: input.name,
      kind: input.kind,
      rule: rule as Record<string, unknown>,
      webhook_url: webhook,
      webhook_secret: secret,
      email: input.email ?? false,
    });
    this.#onChange();
    return presentSubscription(row, secret ? { secret } : {});
  }

  async #mine(v: Viewer, id: string): Promise<SubscriptionRow> {
    const row = await findSubscription(this.#db, id, v.orgId);
    if (!row || (row.user_id !== null && row.user_id !== v.userId)) throw notFound('subscription', id);
    return row;
  }

  /** The organisation's subscriptions and the caller's own, with delivery counts. */
  async list(v: Viewer, limit: number, before?: Date): Promise<SubscriptionOut[]> {
    const rows = await listSubscriptions(this.#db, v.orgId, v.userId, limit, before);
    const counts = await deliveryCounts(this.#db, rows.map((r) => r.id));
    return rows.map((r) => presentSubscription(r, { deliveries: counts.get(r.id) ?? { pending: 0, delivered: 0, dead: 0 } }));
  }

  /** One subscription with its delivery counts. */
  async get(v: Viewer, id: string): Promise<SubscriptionOut> {
    const row = await this.#mine(v, id);
    const counts = await deliveryCounts(this.#db, [id]);
    return presentSubscription(row, { deliveries: counts.get(id) ?? { pending: 0, delivered: 0, dead: 0 } });
  }

  /** Changes name, rule, channels or enabled state. */
  async update(v: Viewer, id: string, patch: { name?: string; rule?: unknown; enabled?: boolean; webhook_url?: string | null; email?: boolean }): Promise<SubscriptionOut> {
    const row = await this.#mine(v, id);
    const webhook = patch.webhook_url === undefined ? row.webhook_url : checkWebhookUrl(patch.webhook_url);
    const secret = webhook && !row.webhook_secret ? newSecret() : undefined;
    const updated = await updateSubscription(this.#db, id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.rule !== undefined ? { rule: validateRule(row.kind, patch.rule) as Record<string, unknown> } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      webhook_url: webhook,
      ...(secret ? { webhook_secret: secret } : {}),
    });
    if (!updated) throw notFound('subscription', id);
    this.#onChange();
    return presentSubscription(updated, secret ? { secret } : {});
  }

  /** Replaces the webhook secret; answers the new one once. */
  async rotateSecret(v: Viewer, id: string): Promise<SubscriptionOut> {
    const row = await this.#mine(v, id);
    if (!row.webhook_url) throw new AppError('conflict', 'this subscription has no webhook');
    const secret = newSecret();
    const updated = await updateSubscription(this.#db, id, { webhook_secret: secret });
    this.#onChange();
    return presentSubscription(updated!, { secret });
  }

  /** Deletes a subscription; its alerts and delivery history stay. */
  async remove(v: Viewer, id: string): Promise<void> {
    await this.#mine(v, id);
    await deleteSubscription(this.#db, id);
    this.#onChange();
  }

  /** Deliveries of a subscription, newest first. */
  async deliveries(v: Viewer, id: string, status: string | undefined, limit: number, beforeId?: number): Promise<DeliveryView[]> {
    await this.#mine(v, id);
    return listDeliveries(this.#db, { subscriptionId: id, status }, limit, beforeId);
  }

  /** Sends a dead-lettered delivery again. */
  async retry(v: Viewer, deliveryId: number): Promise<void> {
    const row = await this.#db.selectFrom('outbox').select(['id', 'subscription_id']).where('id', '=', deliveryId).executeTakeFirst();
    if (!row?.subscription_id) throw notFound('delivery', String(deliveryId));
    await this.#mine(v, row.subscription_id).catch(() => {
      throw notFound('delivery', String(deliveryId));
    });
    if (!(await requeueDead(this.#db, deliveryId))) throw new AppError('conflict', 'only a dead-lettered delivery can be retried');
  }
}
