import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { lockKnowledgeWrites } from '../store/knowledge.writer.ts';
import { ALERTS_CHANNEL, OUTBOX_CHANNEL } from '../feedback/outbox/alerts.writer.ts';

/** A message rendered in both languages; the outbox sends the one the recipient reads. */
export interface BilingualMail {
  readonly en: { readonly subject: string; readonly text: string };
  readonly ja: { readonly subject: string; readonly text: string };
}

/** An alert that no subscription asked for: a case update for a contributor, a copy of a notice. */
export interface DirectAlert {
  readonly orgId: string;
  readonly kind: 'case' | 'notice' | 'action';
  readonly title: string;
  readonly body: Record<string, unknown>;
  readonly mail: BilingualMail;
  /** E-mail to the organisation's people who have an address. */
  readonly emailOrg: boolean;
  /** E-mail to addresses outside the hub (a hosting provider's abuse desk). */
  readonly emailTo?: readonly string[];
}

/**
 * Writes alerts without a subscription, and their e-mail deliveries, in the caller's transaction
 * (the transactional outbox: nothing is announced that was rolled back). The body carries the
 * rendered mail, which the dispatcher sends as it is. Returns the alert ids in order.
 * @example const [id] = await writeDirectAlerts(trx, [{ orgId, kind: 'case', title, body, mail, emailOrg: true }])
 */
export async function writeDirectAlerts(trx: Kysely<Database>, alerts: readonly DirectAlert[]): Promise<number[]> {
  if (!alerts.length) return [];
  // Alert ids are committed in order (streams resume from the last id): hold the writers' lock, as every alert writer does.
  await lockKnowledgeWrites(trx);
  const ids: number[] = [];
  const deliveries: { alert_id: number; subscription_id: null; channel: 'email'; target: string; recipient_user_id: string | null }[] = [];
  for (const a of alerts) {
    const row = await trx
      .insertInto('alerts')
      .values({ subscription_id: null, org_id: a.orgId, user_id: null, kind: a.kind, title: a.title.slice(0, 500), body: JSON.stringify({ ...a.body, kind: a.kind, mail: a.mail }), source: `neutralise:${a.kind}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
    if (a.emailOrg) {
      const people = await trx.selectFrom('users').select(['id', 'email']).where('org_id', '=', a.orgId).where('disabled_at', 'is', null).where('email', 'is not', null).execute();
      for (const p of people) deliveries.push({ alert_id: row.id, subscription_id: null, channel: 'email', target: p.email!, recipient_user_id: p.id });
    }
    for (const to of a.emailTo ?? []) deliveries.push({ alert_id: row.id, subscription_id: null, channel: 'email', target: to, recipient_user_id: null });
  }
  if (deliveries.length) await trx.insertInto('outbox').values(deliveries).execute();
  await sql`select pg_notify(${ALERTS_CHANNEL}, ${String(Math.max(...ids))})`.execute(trx);
  if (deliveries.length) await sql`select pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
  return ids;
}
