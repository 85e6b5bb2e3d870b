import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { lockKnowledgeWrites } from '../../store/knowledge.writer.ts';
import type { AlertDraft } from '../subscriptions/alert.draft.ts';

/** Channel names of LISTEN/NOTIFY: new alerts (streams) and new deliveries (dispatchers). */
export const ALERTS_CHANNEL = 'kessetsu_alerts';
export const OUTBOX_CHANNEL = 'kessetsu_outbox';

const CHUNK = 1000;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** People of organisations who receive e-mail: enabled, with an address. */
async function mailRecipients(db: Kysely<Database>, orgIds: readonly string[]): Promise<{ id: string; org_id: string; email: string }[]> {
  if (!orgIds.length) return [];
  const rows = await db.selectFrom('users').select(['id', 'org_id', 'email']).where('org_id', 'in', orgIds).where('disabled_at', 'is', null).where('email', 'is not', null).execute();
  return rows.map((r) => ({ id: r.id, org_id: r.org_id, email: r.email! }));
}

/**
 * Writes alerts and their deliveries inside the caller's transaction (the transactional outbox):
 * the inbox and stream read the alert rows; webhooks and e-mails wait in `outbox` for a dispatcher.
 * Notifications go out at commit, so nothing is announced that was rolled back. Returns the alert ids.
 * @example await writeAlerts(trx, drafts)
 */
export async function writeAlerts(trx: Kysely<Database>, drafts: readonly AlertDraft[]): Promise<number[]> {
  if (!drafts.length) return [];
  // Alert ids must be committed in order (streams resume from the last id they saw): every writer
  // of alerts holds the knowledge-store write lock, as ingests already do.
  await lockKnowledgeWrites(trx);
  const ids: number[] = [];
  for (const part of chunks(drafts)) {
    const rows = await trx
      .insertInto('alerts')
      .values(
        part.map((d) => ({
          subscription_id: d.sub.row.id,
          org_id: d.sub.row.org_id,
          user_id: d.sub.row.user_id,
          kind: d.sub.row.kind,
          title: d.title.slice(0, 500),
          body: JSON.stringify(d.body),
          source: d.source.slice(0, 500),
        })),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  const links = drafts.flatMap((d, i) => d.objectIds.map((object_id) => ({ alert_id: ids[i]!, object_id })));
  for (const part of chunks(links)) await trx.insertInto('alert_objects').values(part).onConflict((oc) => oc.doNothing()).execute();

  const mailOrgs = [...new Set(drafts.filter((d) => d.sub.row.email).map((d) => d.sub.row.org_id))];
  const people = await mailRecipients(trx, mailOrgs);
  const deliveries: { alert_id: number; subscription_id: string; channel: 'webhook' | 'email'; target: string; recipient_user_id: string | null }[] = [];
  drafts.forEach((d, i) => {
    const s = d.sub.row;
    if (s.webhook_url) deliveries.push({ alert_id: ids[i]!, subscription_id: s.id, channel: 'webhook', target: s.webhook_url, recipient_user_id: null });
    if (!s.email) return;
    for (const p of people) if (p.org_id === s.org_id && (s.user_id === null || s.user_id === p.id)) deliveries.push({ alert_id: ids[i]!, subscription_id: s.id, channel: 'email', target: p.email, recipient_user_id: p.id });
  });
  for (const part of chunks(deliveries)) await trx.insertInto('outbox').values(part).execute();
  await sql`select pg_notify(${ALERTS_CHANNEL}, ${String(Math.max(...ids))})`.execute(trx);
  if (deliveries.length) await sql`select pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
  return ids;
}
