import type { Kysely } from 'kysely';
import type { AssetKind, Database } from '../db/schema.ts';

/** The declared assets of an organisation, by kind. */
export async function assetsOf(db: Kysely<Database>, orgId: string): Promise<Record<AssetKind, string[]>> {
  const rows = await db.selectFrom('org_assets').select(['kind', 'value']).where('org_id', '=', orgId).orderBy('kind').orderBy('value').execute();
  const out: Record<AssetKind, string[]> = { cidr: [], domain: [], asn: [], keyword: [] };
  for (const r of rows) out[r.kind].push(r.value);
  return out;
}

/** Replaces the declared assets of an organisation. */
export async function replaceAssets(db: Kysely<Database>, orgId: string, assets: readonly { kind: AssetKind; value: string }[], by: string | null): Promise<void> {
  await db.deleteFrom('org_assets').where('org_id', '=', orgId).execute();
  if (assets.length) await db.insertInto('org_assets').values(assets.map((a) => ({ org_id: orgId, kind: a.kind, value: a.value, recorded_by: by }))).onConflict((oc) => oc.doNothing()).execute();
}

/** The approval row of a subscription, if any. */
export function approvalOf(db: Kysely<Database>, subscriptionId: string) {
  return db.selectFrom('subscription_approvals').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
}

/** Approval rows of several subscriptions. */
export function approvalsOf(db: Kysely<Database>, ids: readonly string[]) {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('subscription_approvals').selectAll().where('subscription_id', 'in', ids).execute();
}

/** Marks a subscription as waiting for a hub analyst, naming what lies outside the declared assets. */
export async function requestApproval(db: Kysely<Database>, subscriptionId: string, outside: Record<string, unknown>): Promise<void> {
  await db
    .insertInto('subscription_approvals')
    .values({ subscription_id: subscriptionId, status: 'pending', outside: JSON.stringify(outside) })
    .onConflict((oc) => oc.column('subscription_id').doUpdateSet({ status: 'pending', outside: JSON.stringify(outside), requested_at: new Date(), decided_by: null, decided_at: null }))
    .execute();
}

/** Drops the approval row (the rule is within the declared assets again). */
export async function clearApproval(db: Kysely<Database>, subscriptionId: string): Promise<void> {
  await db.deleteFrom('subscription_approvals').where('subscription_id', '=', subscriptionId).execute();
}

/** Approves a pending request and enables the subscription; false when none was pending. */
export async function approve(db: Kysely<Database>, subscriptionId: string, by: string): Promise<boolean> {
  const r = await db.updateTable('subscription_approvals').set({ status: 'approved', decided_by: by, decided_at: new Date() }).where('subscription_id', '=', subscriptionId).where('status', '=', 'pending').executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  await db.updateTable('subscriptions').set({ enabled: true, updated_at: new Date() }).where('id', '=', subscriptionId).where('deleted_at', 'is', null).execute();
  return true;
}

/** Subscriptions waiting for a hub analyst, oldest first. */
export function pendingApprovals(db: Kysely<Database>) {
  return db
    .selectFrom('subscription_approvals as a')
    .innerJoin('subscriptions as s', 's.id', 'a.subscription_id')
    .innerJoin('orgs as o', 'o.id', 's.org_id')
    .select(['a.subscription_id', 'a.outside', 'a.requested_at', 's.name', 's.rule', 'o.id as org_id', 'o.name as org_name'])
    .where('a.status', '=', 'pending')
    .where('s.deleted_at', 'is', null)
    .orderBy('a.requested_at')
    .execute();
}
