import { sql, type Kysely } from 'kysely';
import type { Database, OrgKind, Role, Sector } from '../../db/schema.ts';
import type { SubscriptionKind, SubscriptionRow } from '../feedback.tables.ts';

/** Fields of a new subscription. */
export interface NewSubscription {
  readonly org_id: string;
  readonly user_id: string | null;
  readonly created_by: string;
  readonly name: string;
  readonly kind: SubscriptionKind;
  readonly rule: Record<string, unknown>;
  readonly webhook_url: string | null;
  readonly webhook_secret: string | null;
  readonly email: boolean;
  /** False when it waits for a hub analyst (issue 10.7); true by default. */
  readonly enabled?: boolean;
}

/** Inserts a subscription and returns it. */
export function insertSubscription(db: Kysely<Database>, s: NewSubscription): Promise<SubscriptionRow> {
  return db
    .insertInto('subscriptions')
    .values({ ...s, rule: JSON.stringify(s.rule) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** One subscription of an organisation (deleted ones are gone). */
export function findSubscription(db: Kysely<Database>, id: string, orgId: string | null): Promise<SubscriptionRow | undefined> {
  let q = db.selectFrom('subscriptions').selectAll().where('id', '=', id).where('deleted_at', 'is', null);
  if (orgId) q = q.where('org_id', '=', orgId);
  return q.executeTakeFirst();
}

/** Subscriptions a person sees: the organisation's and their own, newest first. */
export function listSubscriptions(db: Kysely<Database>, orgId: string, userId: string, limit: number, beforeCreated?: Date): Promise<SubscriptionRow[]> {
  let q = db
    .selectFrom('subscriptions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit);
  if (beforeCreated) q = q.where('created_at', '<', beforeCreated);
  return q.execute();
}

/** Changes a subscription; returns the new row. */
export function updateSubscription(
  db: Kysely<Database>,
  id: string,
  patch: Partial<Pick<SubscriptionRow, 'name' | 'enabled' | 'webhook_url' | 'webhook_secret' | 'email'>> & { rule?: Record<string, unknown> },
): Promise<SubscriptionRow | undefined> {
  const { rule, ...rest } = patch;
  return db
    .updateTable('subscriptions')
    .set({ ...rest, ...(rule ? { rule: JSON.stringify(rule) } : {}), updated_at: new Date() })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Marks a subscription deleted (its alerts and delivery history stay). */
export async function deleteSubscription(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.updateTable('subscriptions').set({ deleted_at: new Date(), enabled: false, updated_at: new Date() }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** An enabled subscription with what its owner's viewer is made of. */
export interface ActiveSubscriptionRow extends SubscriptionRow {
  readonly creator_role: Role;
  readonly org_kind: OrgKind;
  readonly org_sector: Sector | null;
  readonly org_name: string;
  readonly nda_accepted_at: Date | null;
  readonly group_ids: string[];
}

/** Every enabled subscription whose creator is still active, with its owner's access facts. */
export async function activeSubscriptions(db: Kysely<Database>): Promise<ActiveSubscriptionRow[]> {
  const rows = await db
    .selectFrom('subscriptions as s')
    .innerJoin('users as u', 'u.id', 's.created_by')
    .innerJoin('orgs as o', 'o.id', 's.org_id')
    .selectAll('s')
    .select(['u.role as creator_role', 'o.kind as org_kind', 'o.sector as org_sector', 'o.name as org_name', 'o.nda_accepted_at'])
    .select(sql<string[]>`coalesce((select array_agg(m.group_id) from sharing_group_members m where m.org_id = s.org_id), '{}')`.as('group_ids'))
    .where('s.enabled', '=', true)
    .where('s.deleted_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .orderBy('s.created_at')
    .execute();
  return rows as ActiveSubscriptionRow[];
}

/** A cheap fingerprint of the subscription table: changes whenever a subscription does. */
export async function subscriptionsVersion(db: Kysely<Database>): Promise<string> {
  const r = await db
    .selectFrom('subscriptions')
    .select([sql<number>`count(*)`.as('n'), sql<Date | null>`max(updated_at)`.as('at')])
    .executeTakeFirstOrThrow();
  return `${r.n}|${r.at ? new Date(r.at).toISOString() : '-'}`;
}
