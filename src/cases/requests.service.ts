import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { notFound } from '../shared/errors.ts';
import { auditCase, requireCase } from './case.access.ts';
import { insertCaseEvent } from './cases.repository.ts';

/** Channels of international requests. */
export const REQUEST_CHANNELS = ['ncfta', 'ec3', 'igci', '24/7', 'foreign_cert', 'foreign_police', 'other'] as const;

/** An outgoing request to an international partner. */
export interface NewRequest {
  readonly partner: string;
  readonly channel: (typeof REQUEST_CHANNELS)[number];
  readonly country?: string | undefined;
  readonly subject: string;
  readonly body?: string | undefined;
}

type RequestRow = Awaited<ReturnType<typeof listRequests>>[number];

function listRequests(db: Kysely<Database>, caseId: string) {
  return db.selectFrom('international_requests').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
}

function present(r: RequestRow) {
  return {
    id: r.id,
    case_id: r.case_id,
    partner: r.partner,
    channel: r.channel,
    country: r.country,
    subject: r.subject,
    body: r.body,
    status: r.status,
    answer: r.answer,
    created_at: r.created_at.toISOString(),
    answered_at: r.answered_at?.toISOString() ?? null,
  };
}

/** International requests of a case (NCFTA, EC3, IGCI, 24/7 points): recorded with status, answers attached. */
export class RequestsService {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Records an outgoing request (hub analysts and the assigned police). */
  async add(viewer: Viewer, caseId: string, r: NewRequest) {
    const { row } = await requireCase(this.#db, viewer, caseId, 'full');
    const created = await this.#db.transaction().execute(async (trx) => {
      const x = await trx
        .insertInto('international_requests')
        .values({ case_id: row.id, partner: r.partner, channel: r.channel, country: r.country?.toUpperCase() ?? null, subject: r.subject, body: r.body ?? '', status: 'sent', created_by: viewer.userId })
        .returningAll()
        .executeTakeFirstOrThrow();
      await insertCaseEvent(trx, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'request', details: JSON.stringify({ request_id: x.id, partner: r.partner, channel: r.channel }) });
      return x;
    });
    await auditCase(this.#db, viewer, 'case.request', row.id, { request_id: created.id, partner: r.partner });
    return present(created);
  }

  /** Attaches a partner's answer (or closes the request). */
  async answer(viewer: Viewer, caseId: string, requestId: string, a: { answer?: string | undefined; status: 'answered' | 'closed' }) {
    const { row } = await requireCase(this.#db, viewer, caseId, 'full');
    const updated = await this.#db
      .updateTable('international_requests')
      .set({ status: a.status, ...(a.answer !== undefined ? { answer: a.answer, answered_at: new Date() } : {}) })
      .where('id', '=', requestId)
      .where('case_id', '=', row.id)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw notFound('request', requestId);
    await insertCaseEvent(this.#db, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'request-answer', details: JSON.stringify({ request_id: requestId, status: a.status }) });
    await auditCase(this.#db, viewer, 'case.request.answer', row.id, { request_id: requestId, status: a.status });
    return present(updated);
  }

  /** A case's requests. */
  async list(viewer: Viewer, caseId: string) {
    const { row } = await requireCase(this.#db, viewer, caseId, 'full');
    await auditCase(this.#db, viewer, 'case.request.list', row.id, {});
    return (await listRequests(this.#db, row.id)).map(present);
  }
}
