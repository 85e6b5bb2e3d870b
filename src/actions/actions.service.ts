import type { Kysely } from 'kysely';
import type { ActionStatus, Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import { guessKind } from '../lookup/guess-kind.ts';
import { keyedContributions, keysOfObjects } from '../store/keyed-contributions.query.ts';
import { AppError, invalid, notFound } from '../shared/errors.ts';
import { requireCase } from '../cases/case.access.ts';
import { insertCaseEvent } from '../cases/cases.repository.ts';
import { writeDirectAlerts } from '../cases/notice.writer.ts';
import { actionEvents, findAction, insertAction, insertActionEvent, listActions, noticeDeliveries, updateAction, type ActionRow } from './actions.repository.ts';
import { renderNotice } from './notice.templates.ts';
import { resolveRecipient, targetParts, type ActionKind, type Recipient } from './recipient.resolver.ts';

/** What is asked to open an action. */
export interface NewAction {
  readonly case_id?: string | undefined;
  readonly kind: ActionKind;
  /** A value ("203.0.113.7", "http://…") or an index key ("ipv4-addr:203.0.113.7"); or give object_id. */
  readonly target?: string | undefined;
  readonly object_id?: string | undefined;
  /** Who receives the notice when the directory does not say, or to override it. */
  readonly recipient?: { readonly name: string; readonly email?: string | undefined; readonly org_id?: string | undefined; readonly country?: string | undefined; readonly lang?: 'ja' | 'en' | undefined } | undefined;
  readonly lang?: 'ja' | 'en' | undefined;
  readonly note?: string | undefined;
  /** The address a URL's or domain's host resolved to (hotline, issue 15): the hosting provider and country come from it. */
  readonly host_ip?: string | null | undefined;
}

/** A status change and the figures that come with it. */
export interface ActionUpdate {
  readonly status: ActionStatus;
  readonly note?: string | undefined;
  readonly amount_frozen_jpy?: number | undefined;
  readonly amount_recovered_jpy?: number | undefined;
}

const KEY_PREFIX = /^(ipv4-addr|ipv6-addr|domain-name|url|email-addr|bank-account|cryptocurrency-wallet|phone-number|autonomous-system):./;

const NEXT: Readonly<Record<ActionStatus, readonly ActionStatus[]>> = {
  sent: ['acknowledged', 'done', 'refused'],
  acknowledged: ['done', 'refused'],
  done: ['reappeared'],
  refused: ['sent'],
  reappeared: ['sent', 'acknowledged', 'done', 'refused'],
};

/** An action as the API shows it. */
export function presentAction(a: ActionRow) {
  return {
    id: a.id,
    case_id: a.case_id,
    kind: a.kind,
    target: { type: a.target_type, value: a.target_value, key: a.target_key, object_id: a.object_id },
    recipient: a.recipient,
    lang: a.lang,
    status: a.status,
    notice: { subject: a.notice_subject, text: a.notice_text, alert_id: a.alert_id },
    amount_frozen_jpy: a.amount_frozen_jpy === null ? null : Number(a.amount_frozen_jpy),
    amount_recovered_jpy: a.amount_recovered_jpy === null ? null : Number(a.amount_recovered_jpy),
    created_at: a.created_at.toISOString(),
    sent_at: a.sent_at.toISOString(),
    acknowledged_at: a.acknowledged_at?.toISOString() ?? null,
    done_at: a.done_at?.toISOString() ?? null,
    refused_at: a.refused_at?.toISOString() ?? null,
    reappeared_at: a.reappeared_at?.toISOString() ?? null,
    time_to_done_seconds: a.first_done_seconds,
    reopen_count: a.reopen_count,
  };
}

/**
 * Actions with clocks: takedown requests, account freezes, sinkholes, ISP notifications (and the
 * hotline's deletion requests and forwards). The recipient is resolved from the contact directory
 * and the enrichment data, the notice rendered in Japanese or English and sent through the outbox;
 * status and timestamps follow the answers; a taken-down value seen again reopens its action.
 */
export class ActionsService {
  readonly #db: Kysely<Database>;
  readonly #enrichment: EnrichmentService;

  constructor(db: Kysely<Database>, enrichment: EnrichmentService) {
    this.#db = db;
    this.#enrichment = enrichment;
  }

  async #targetKey(input: NewAction): Promise<{ key: string; objectId: string | null }> {
    if (input.object_id) {
      const keys = await this.#db.selectFrom(keysOfObjects(this.#db).as('k')).select('k.key').distinct().where('k.object_id', '=', input.object_id).orderBy('k.key').execute();
      const k = keys.find((x) => KEY_PREFIX.test(x.key));
      if (!k) throw invalid('object_id', 'unknown object, or an object without a value to act on');
      return { key: k.key, objectId: input.object_id };
    }
    const t = input.target?.trim();
    if (!t) throw invalid('target', 'give a target value or object_id');
    if (KEY_PREFIX.test(t) && !/^url:\/\//.test(t)) return { key: t, objectId: null };
    const key = guessKind(t);
    if (!key) throw invalid('target', 'not a value the hub can act on (IP, domain, URL, bank account key…)');
    return { key, objectId: null };
  }

  async #recipient(input: NewAction, key: string): Promise<Recipient> {
    if (input.recipient) {
      const r = input.recipient;
      if (!r.email && !r.org_id) throw invalid('recipient', 'give an e-mail address or a member organisation');
      return { kind: 'explicit', name: r.name, email: r.email ?? null, org_id: r.org_id ?? null, country: r.country?.toUpperCase() ?? null, asn: null, lang: r.lang ?? 'en', via: 'explicit' };
    }
    const found = await resolveRecipient(this.#db, this.#enrichment, input.kind, key, input.host_ip);
    if (!found) {
      const ip = targetParts(key).ip ?? input.host_ip ?? null;
      const enrichment = ip ? this.#enrichment.ipInfo(ip) : null;
      throw new AppError('unprocessable', `no recipient known for ${key}: add a contact to the directory (kessetsu contacts add) or give recipient`, { field: 'recipient', enrichment });
    }
    if (!found.email && !found.org_id) throw new AppError('unprocessable', `the contact ${found.via} has no e-mail address`, { field: 'recipient', via: found.via });
    return found;
  }

  async #reporters(key: string): Promise<number> {
    const r = await this.#db
      .selectFrom(keyedContributions(this.#db).as('kc'))
      .select((eb) => eb.fn.count<number>('kc.org_id').distinct().as('n'))
      .where('kc.key', '=', key)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  #mayAct(viewer: Viewer, caseId: string | null): void {
    if (caseId === null && !isHub(viewer) && viewer.role !== 'hotline_operator') throw new AppError('forbidden', 'only hub analysts and hotline operators open actions outside a case');
  }

  /**
   * Opens an action and sends its notice through the outbox in the same transaction.
   * @example await actions.create(viewer, { case_id, kind: 'takedown', target: '203.0.113.7' })
   */
  async create(viewer: Viewer, input: NewAction, opts: { source?: string } = {}) {
    const caseRow = input.case_id ? (await requireCase(this.#db, viewer, input.case_id, 'full')).row : null;
    this.#mayAct(viewer, caseRow?.id ?? null);
    const { key, objectId } = await this.#targetKey(input);
    const recipient = await this.#recipient(input, key);
    const lang = input.lang ?? recipient.lang;
    const t = targetParts(key);
    const reference = `KA-${Date.now().toString(36).toUpperCase()}`;
    const notice = renderNotice(lang, {
      reference,
      kind: input.kind,
      targetType: t.type,
      targetValue: t.value,
      recipient,
      reason: input.note?.trim() || (lang === 'ja' ? '複数の組織から不正な活動が報告されています。' : 'Malicious activity reported by member organisations.'),
      reporters: await this.#reporters(key),
      hubName: 'Kessetsu',
    });
    const other = { ja: lang === 'ja' ? notice : renderNotice('ja', { reference, kind: input.kind, targetType: t.type, targetValue: t.value, recipient, reason: input.note ?? '', reporters: 0, hubName: 'Kessetsu' }), en: notice };
    const row = await this.#db.transaction().execute(async (trx) => {
      const [alertId] = await writeDirectAlerts(trx, [
        {
          orgId: recipient.org_id ?? viewer.orgId,
          kind: 'notice',
          title: notice.subject,
          body: { action: { kind: input.kind, target: key, reference }, lang },
          mail: { en: lang === 'en' ? notice : other.en, ja: lang === 'ja' ? notice : other.ja },
          emailOrg: !recipient.email && recipient.org_id !== null,
          emailTo: recipient.email ? [recipient.email] : [],
        },
      ]);
      const a = await insertAction(trx, {
        case_id: caseRow?.id ?? null,
        kind: input.kind,
        target_type: t.type,
        target_value: t.value,
        target_key: key,
        object_id: objectId,
        recipient: JSON.stringify(recipient),
        recipient_key: recipient.via === 'explicit' ? `explicit:${recipient.email ?? recipient.org_id}` : recipient.via,
        lang,
        status: 'sent',
        notice_subject: notice.subject,
        notice_text: notice.text,
        alert_id: alertId!,
        created_by: viewer.userId,
      });
      await insertActionEvent(trx, { action_id: a.id, actor_user_id: viewer.userId, from_status: null, to_status: 'sent', note: input.note ?? '', details: JSON.stringify({ reference, via: recipient.via, source: opts.source ?? 'api' }) });
      if (caseRow) await insertCaseEvent(trx, { case_id: caseRow.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'action', details: JSON.stringify({ action_id: a.id, kind: input.kind, target: key }) });
      return a;
    });
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'action.create', targetType: 'action', targetId: row.id, via: 'api', details: { case_id: row.case_id, kind: row.kind, target: key, recipient: recipient.via } }]);
    return presentAction(row);
  }

  async #readable(viewer: Viewer, id: string): Promise<ActionRow> {
    const a = /^[0-9a-f-]{36}$/i.test(id) ? await findAction(this.#db, id) : undefined;
    if (a && (isHub(viewer) || (a.recipient as { org_id?: string }).org_id === viewer.orgId || (a.case_id === null && viewer.role === 'hotline_operator'))) return a;
    if (a?.case_id) {
      try {
        await requireCase(this.#db, viewer, a.case_id, 'full');
        return a;
      } catch {
        // falls through to the 404 below: the action's case is not the viewer's to know.
      }
    }
    throw notFound('action', id);
  }

  /** One action with its history and the delivery state of its notice. */
  async get(viewer: Viewer, id: string) {
    const a = await this.#readable(viewer, id);
    const [events, deliveries] = await Promise.all([actionEvents(this.#db, a.id), a.alert_id === null ? [] : noticeDeliveries(this.#db, a.alert_id)]);
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'action.read', targetType: 'action', targetId: a.id, via: 'api' }]);
    return {
      ...presentAction(a),
      deliveries: deliveries.map((d) => ({ target: d.target, status: d.status, attempts: d.attempts, last_error: d.last_error, delivered_at: d.delivered_at?.toISOString() ?? null })),
      history: events.map((e) => ({ at: e.at.toISOString(), from: e.from_status, to: e.to_status, note: e.note, details: e.details })),
    };
  }

  /** Actions the viewer may read. */
  async list(viewer: Viewer, o: { caseId?: string | undefined; status?: string | undefined; limit: number; beforeAt?: Date | undefined }) {
    if (o.caseId) await requireCase(this.#db, viewer, o.caseId, 'full');
    const rows = await listActions(this.#db, viewer, o);
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'action.list', targetType: 'action', targetId: o.caseId ?? '*', via: 'api', details: { shown: rows.length } }]);
    return rows.map(presentAction);
  }

  /**
   * Records an answer or a result: acknowledged, done (the clock stops), refused, reappeared; a
   * refused or reappeared action is sent again with status `sent`. Freezes carry their amounts.
   */
  async update(viewer: Viewer, id: string, u: ActionUpdate) {
    const a = await this.#readable(viewer, id);
    if (!NEXT[a.status].includes(u.status)) throw new AppError('conflict', `a ${a.status} action cannot become ${u.status}`, { from: a.status, to: u.status });
    const now = new Date();
    const patch = {
      status: u.status,
      ...(u.status === 'acknowledged' ? { acknowledged_at: now } : {}),
      ...(u.status === 'done' ? { done_at: now, ...(a.first_done_seconds === null ? { first_done_seconds: (now.getTime() - a.created_at.getTime()) / 1000 } : {}) } : {}),
      ...(u.status === 'refused' ? { refused_at: now } : {}),
      ...(u.status === 'reappeared' ? { reappeared_at: now, reopen_count: a.reopen_count + 1 } : {}),
      ...(u.status === 'sent' ? { sent_at: now } : {}),
      ...(u.amount_frozen_jpy !== undefined ? { amount_frozen_jpy: u.amount_frozen_jpy } : {}),
      ...(u.amount_recovered_jpy !== undefined ? { amount_recovered_jpy: u.amount_recovered_jpy } : {}),
    };
    const row = await this.#db.transaction().execute(async (trx) => {
      const r = await updateAction(trx, a.id, patch);
      await insertActionEvent(trx, { action_id: a.id, actor_user_id: viewer.userId, from_status: a.status, to_status: u.status, note: u.note ?? '', details: '{}' });
      if (u.status === 'sent' && a.alert_id !== null) {
        // Sending again: the same notice, a new delivery.
        const old = await trx.selectFrom('outbox').select(['target', 'recipient_user_id']).where('alert_id', '=', a.alert_id).execute();
        if (old.length) await trx.insertInto('outbox').values(old.map((o) => ({ alert_id: a.alert_id!, subscription_id: null, channel: 'email' as const, target: o.target, recipient_user_id: o.recipient_user_id }))).execute();
      }
      return r;
    });
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'action.update', targetType: 'action', targetId: a.id, via: 'api', details: { from: a.status, to: u.status } }]);
    return presentAction(row);
  }
}
