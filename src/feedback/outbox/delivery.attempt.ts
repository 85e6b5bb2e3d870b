import type { OutboxRow } from '../feedback.tables.ts';
import type { AlertBody } from '../subscriptions/alert.draft.ts';
import { renderAlertMail } from './mail.templates.ts';
import type { MailSender } from './mail.sender.ts';
import type { DeliveryContext } from './outbox.repository.ts';
import { SIGNATURE_HEADER, signWebhook } from './webhook.signature.ts';
import { postWebhook, type AttemptResult } from './webhook.sender.ts';

/** An attempt's result, and whether retrying could ever help. */
export interface Attempt extends AttemptResult {
  readonly permanent: boolean;
}

/**
 * Makes one delivery attempt: a signed webhook POST, or an e-mail in the recipient's language.
 * Never throws: every failure is a result with its reason.
 * @example const r = await attemptDelivery(row, ctx, mail, { webhookTimeoutMs: 10_000 })
 */
export async function attemptDelivery(row: OutboxRow, ctx: DeliveryContext | undefined, mail: MailSender | null, o: { webhookTimeoutMs: number; allowPrivateTargets: boolean }): Promise<Attempt> {
  if (!ctx) return { ok: false, status: null, error: 'the alert no longer exists', permanent: true };
  if (row.channel === 'webhook') {
    if (!ctx.secret) return { ok: false, status: null, error: 'the subscription has no webhook secret any more', permanent: true };
    const body = JSON.stringify({ type: 'kessetsu.alert', alert_id: ctx.alert.id, delivery_id: row.id, created: ctx.alert.created_at.toISOString(), kind: ctx.alert.kind, title: ctx.alert.title, alert: ctx.alert.body });
    const headers = { [SIGNATURE_HEADER]: signWebhook(ctx.secret, body), 'x-kessetsu-event': 'alert', 'x-kessetsu-delivery': String(row.id) };
    return { ...(await postWebhook(row.target, body, headers, { timeoutMs: o.webhookTimeoutMs, allowPrivate: o.allowPrivateTargets })), permanent: false };
  }
  // Not dead at once: an operator who configures SMTP should not lose what waited for it.
  if (!mail) return { ok: false, status: null, error: 'no SMTP server is configured on this hub', permanent: false };
  // Neutralise (issue 12): case updates and notices carry their mail already rendered in both languages.
  const rendered = (ctx.alert.body as { mail?: Record<'en' | 'ja', { subject: string; text: string }> }).mail;
  if (rendered?.en) {
    const m = ctx.locale === 'ja' || (!row.recipient_user_id && ctx.alert.body.lang === 'ja') ? (rendered.ja ?? rendered.en) : rendered.en;
    return { ...(await mail.send({ to: row.target, subject: m.subject, text: m.text, headers: { 'X-Kessetsu-Alert': String(ctx.alert.id), 'X-Kessetsu-Delivery': String(row.id) } })), permanent: false };
  }
  const m = renderAlertMail(ctx.locale === 'ja' ? 'ja' : 'en', ctx.alert.title, ctx.alert.body as unknown as AlertBody);
  const r = await mail.send({ to: row.target, subject: m.subject, text: m.text, headers: { 'X-Kessetsu-Alert': String(ctx.alert.id), 'X-Kessetsu-Delivery': String(row.id) } });
  return { ...r, permanent: false };
}
