import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Viewer } from '../../access/viewer.ts';
import { AppError, invalid, notFound } from '../../shared/errors.ts';
import type { SubscriptionKind, SubscriptionRow } from '../feedback.tables.ts';
import { deliveryCounts, listDeliveries, requeueDead, type DeliveryView } from '../outbox/outbox.repository.ts';
import { validateRule, type AssetRule } from './subscription.rules.ts';
import { isHub } from '../../access/viewer.ts';
import { appendAudit } from '../../audit/audit.repository.ts';
import type { AssetKind } from '../../db/schema.ts';
import { anyOutside, outsideOf } from '../../orgs/asset.scope.ts';
import { approvalOf, approvalsOf, approve, assetsOf, clearApproval, pendingApprovals, replaceAssets, requestApproval } from '../../orgs/assets.repository.ts';
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
    // Keys and sessions (issue 10.7): assets beyond the organisation's own wait, disabled, for a hub analyst.
    const outside = input.kind === 'asset' ? await this.#outside(v, rule as AssetRule) : null;
    const row = await this.#db.transaction().execute(async (trx) => {
      const made = await insertSubscription(trx, {
        org_id: v.orgId,
        user_id: input.scope === 'user' ? v.userId : null,
        created_by: v.userId,
        name: input.name,
        kind: input.kind,
        rule: rule as Record<string, unknown>,
        webhook_url: webhook,
        webhook_secret: secret,
        email: input.email ?? false,
        enabled: outside === null,
      });
      if (outside) await requestApproval(trx, made.id, { ...outside });
      return made;
    });
    this.#onChange();
    return presentSubscription(row, secret ? { secret } : {});
  }

  /** What an asset rule names beyond the viewer's organisation's declared assets; null when nothing (or the hub asks). */
  async #outside(v: Viewer, rule: AssetRule) {
    if (isHub(v)) return null;
    const o = outsideOf(rule, await assetsOf(this.#db, v.orgId));
    return anyOutside(o) ? o : null;
  }

  /** The declared assets of an organisation (its members and the hub). */
  async assets(v: Viewer, orgId: string): Promise<Record<AssetKind, string[]>> {
    if (!isHub(v) && v.orgId !== orgId) throw notFound('organisation', orgId);
    return assetsOf(this.#db, orgId);
  }

  /**
   * The hub records an organisation's own assets (replacing the list), audited. The organisation's asset
   * subscriptions are weighed again: one now reaching beyond them waits, disabled, for a hub analyst; one
   * that was waiting and now fits is enabled. Approved ones stay as the analyst left them.
   */
  async declareAssets(v: Viewer, orgId: string, a: { cidrs?: string[]; domains?: string[]; asns?: number[]; keywords?: string[] }): Promise<Record<AssetKind, string[]>> {
    if (!isHub(v)) throw new AppError('forbidden', 'only the hub records an organisation’s declared assets');
    const org = await this.#db.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst();
    if (!org) throw notFound('organisation', orgId);
    const rule = validateRule('asset', { cidrs: a.cidrs ?? [], domains: a.domains ?? [], asns: a.asns ?? [], keywords: a.keywords ?? [] }) as AssetRule;
    const list = [
      ...rule.cidrs.map((value) => ({ kind: 'cidr' as const, value })),
      ...rule.domains.map((value) => ({ kind: 'domain' as const, value })),
      ...rule.asns.map((n) => ({ kind: 'asn' as const, value: String(n) })),
      ...rule.keywords.map((value) => ({ kind: 'keyword' as const, value })),
    ];
    const changed = await this.#db.transaction().execute(async (trx) => {
      await replaceAssets(trx, orgId, list, v.userId);
      const moved = await this.#reweigh(trx, orgId);
      await appendAudit(trx, [{ actorUserId: v.userId, actorOrgId: v.orgId, action: 'org.assets_declare', targetType: 'org', targetId: orgId, details: { assets: list, ...moved } }]);
      return moved.waiting.length + moved.released.length > 0;
    });
    if (changed) this.#onChange();
    return assetsOf(this.#db, orgId);
  }

  /** Weighs the organisation's asset subscriptions against its declared assets (see declareAssets). */
  async #reweigh(trx: Kysely<Database>, orgId: string): Promise<{ waiting: string[]; released: string[] }> {
    const declared = await assetsOf(trx, orgId);
    const subs = await trx
      .selectFrom('subscriptions as s')
      .innerJoin('users as u', 'u.id', 's.created_by')
      .select(['s.id', 's.rule', 'u.role'])
      .where('s.org_id', '=', orgId)
      .where('s.kind', '=', 'asset')
      .where('s.deleted_at', 'is', null)
      .execute();
    const approvals = new Map((await approvalsOf(trx, subs.map((x) => x.id))).map((r) => [r.subscription_id, r.status]));
    const waiting: string[] = [];
    const released: string[] = [];
    for (const sub of subs) {
      const status = approvals.get(sub.id);
      if (status === 'approved' || sub.role === 'hub_analyst' || sub.role === 'admin') continue;
      const outside = outsideOf(validateRule('asset', sub.rule) as AssetRule, declared);
      if (anyOutside(outside)) {
        await requestApproval(trx, sub.id, { ...outside });
        if (status !== 'pending') {
          await updateSubscription(trx, sub.id, { enabled: false });
          waiting.push(sub.id);
        }
      } else if (status === 'pending') {
        await clearApproval(trx, sub.id);
        await updateSubscription(trx, sub.id, { enabled: true });
        released.push(sub.id);
      }
    }
    return { waiting, released };
  }

  /** Asset subscriptions waiting for a hub analyst, oldest first (hub only). */
  async pending(v: Viewer): Promise<{ subscription_id: string; org_id: string; org_name: string; name: string; rule: unknown; outside: unknown; requested_at: string }[]> {
    if (!isHub(v)) throw new AppError('forbidden', 'only a hub analyst sees the subscriptions waiting for approval');
    return (await pendingApprovals(this.#db)).map((r) => ({ subscription_id: r.subscription_id, org_id: r.org_id, org_name: r.org_name, name: r.name, rule: r.rule, outside: r.outside, requested_at: r.requested_at.toISOString() }));
  }

  /** A hub analyst approves a subscription to assets beyond the organisation's own; it is enabled. */
  async approve(v: Viewer, id: string): Promise<SubscriptionOut> {
    if (!isHub(v)) throw new AppError('forbidden', 'only a hub analyst approves a subscription to assets beyond the organisation’s own');
    const row = await findSubscription(this.#db, id, null);
    if (!row) throw notFound('subscription', id);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await approve(trx, id, v.userId))) throw new AppError('conflict', 'this subscription is not waiting for approval');
      await appendAudit(trx, [{ actorUserId: v.userId, actorOrgId: v.orgId, action: 'subscription.approve', targetType: 'subscription', targetId: id, details: { orgId: row.org_id } }]);
    });
    this.#onChange();
    return presentSubscription((await findSubscription(this.#db, id, null))!);
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
    // Keys and sessions (issue 10.7): a rule reaching beyond the declared assets waits for a hub analyst again.
    const outside = row.kind === 'asset' && patch.rule !== undefined ? await this.#outside(v, validateRule('asset', patch.rule) as AssetRule) : undefined;
    const updated = await this.#db.transaction().execute(async (trx) => {
      let waiting = (await approvalOf(trx, id))?.status === 'pending';
      if (outside !== undefined) {
        if (outside) await requestApproval(trx, id, { ...outside });
        else await clearApproval(trx, id);
        waiting = outside !== null;
      }
      if (waiting && patch.enabled === true) throw new AppError('conflict', 'this subscription names assets beyond your organisation’s own and waits for a hub analyst’s approval');
      return updateSubscription(trx, id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.rule !== undefined ? { rule: validateRule(row.kind, patch.rule) as Record<string, unknown> } : {}),
        ...(waiting ? { enabled: false } : patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.email !== undefined ? { email: patch.email } : {}),
        webhook_url: webhook,
        ...(secret ? { webhook_secret: secret } : {}),
      });
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
