import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { StringEnum, decodeCursor, encodeCursor, errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { CASE_STATES } from './case.states.ts';
import type { CasesService } from './cases.service.ts';
import { REQUEST_CHANNELS, type RequestsService } from './requests.service.ts';

const tags = ['neutralise'];
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const isCursor = (v: unknown): v is { t: string; i: string } => typeof v === 'object' && v !== null && typeof (v as { t: unknown }).t === 'string' && typeof (v as { i: unknown }).i === 'string';

/** `/api/v1/cases…`: referrals, their state, consent, release and international requests (JSON bodies). */
export function casesRoutes(cases: CasesService, requests: RequestsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/v1/cases',
      {
        schema: {
          tags,
          summary: 'Refer a cluster or objects to a law-enforcement organisation (hub analysts)',
          body: Type.Object(
            {
              title: Type.String({ minLength: 1, maxLength: 300 }),
              le_org_id: Type.String({ format: 'uuid' }),
              cluster_id: Type.Optional(Type.Integer({ minimum: 1 })),
              object_ids: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10_000 })),
              summary_ja: Type.Optional(Type.String({ maxLength: 20_000 })),
              summary_en: Type.Optional(Type.String({ maxLength: 20_000 })),
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req, reply) => {
        reply.code(201);
        return cases.create(userOf(req), req.body);
      },
    );

    app.get(
      '/api/v1/cases',
      {
        schema: {
          tags,
          summary: 'Cases you may know of: in full for hub analysts and the assigned police, the state for contributors',
          querystring: Type.Object({ state: Type.Optional(StringEnum(CASE_STATES)), cursor: Type.Optional(Type.String({ maxLength: 300 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        let c: { t: string; i: string } | undefined;
        try {
          c = decodeCursor(req.query.cursor, isCursor);
        } catch {
          throw new AppError('validation_failed', 'cursor: not a cursor this endpoint issued', { field: 'cursor' });
        }
        const r = await cases.list(userOf(req), { limit: req.query.limit ?? 50, state: req.query.state, before: c ? { at: new Date(c.t), id: c.i } : undefined });
        return { items: r.items, next: r.next ? encodeCursor({ t: r.next.at.toISOString(), i: r.next.id }) : null };
      },
    );

    app.get('/api/v1/cases/:id', { schema: { tags, summary: 'One case (404 when you may not know of it)', params: Id, response: { ...okAny, ...errorResponses } } }, async (req) => cases.get(userOf(req), req.params.id));

    app.post(
      '/api/v1/cases/:id/state',
      {
        schema: {
          tags,
          summary: 'Move a case: accepted, investigating, actions, closed (with its outcome); contributors are told',
          params: Id,
          body: Type.Object(
            {
              state: StringEnum(CASE_STATES),
              note: Type.Optional(Type.String({ maxLength: 5000 })),
              outcome: Type.Optional(
                Type.Object(
                  {
                    arrests: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
                    seizures: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
                    takedowns: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
                    no_action_reason: Type.Optional(Type.String({ maxLength: 5000 })),
                    note: Type.Optional(Type.String({ maxLength: 20_000 })),
                  },
                  { additionalProperties: false },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => cases.move(userOf(req), req.params.id, req.body),
    );

    app.post(
      '/api/v1/cases/:id/release',
      { schema: { tags, summary: 'Release the title and outcome details to the contributors (or withhold them again)', params: Id, body: Type.Object({ released: Type.Boolean() }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } },
      async (req) => cases.release(userOf(req), req.params.id, req.body.released),
    );

    app.post('/api/v1/cases/:id/consent', { schema: { tags, summary: 'An anonymous contributor agrees that the assigned police may learn its name for this case', params: Id, response: { ...okAny, ...errorResponses } } }, async (req) =>
      cases.consent(userOf(req), req.params.id),
    );

    app.post(
      '/api/v1/cases/:id/objects',
      {
        schema: {
          tags,
          summary: 'Add objects to a case',
          params: Id,
          body: Type.Object({ object_ids: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 10_000 }), role: Type.Optional(StringEnum(['member', 'infrastructure'] as const)) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => cases.addObjects(userOf(req), req.params.id, req.body.object_ids, req.body.role ?? 'member'),
    );

    app.get('/api/v1/cases/:id/requests', { schema: { tags, summary: 'International requests of a case', params: Id, response: { ...okAny, ...errorResponses } } }, async (req) => ({
      items: await requests.list(userOf(req), req.params.id),
      next: null,
    }));

    app.post(
      '/api/v1/cases/:id/requests',
      {
        schema: {
          tags,
          summary: 'Record an outgoing request to an international partner (NCFTA, EC3, IGCI, 24/7 points)',
          params: Id,
          body: Type.Object(
            {
              partner: Type.String({ minLength: 1, maxLength: 200 }),
              channel: StringEnum(REQUEST_CHANNELS),
              country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
              subject: Type.String({ minLength: 1, maxLength: 500 }),
              body: Type.Optional(Type.String({ maxLength: 100_000 })),
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req, reply) => {
        reply.code(201);
        return requests.add(userOf(req), req.params.id, req.body);
      },
    );

    app.post(
      '/api/v1/cases/:id/requests/:rid/answer',
      {
        schema: {
          tags,
          summary: 'Attach a partner’s answer to a request, or close it',
          params: Type.Object({ id: Type.String({ maxLength: 64 }), rid: Type.String({ format: 'uuid' }) }),
          body: Type.Object({ answer: Type.Optional(Type.String({ maxLength: 100_000 })), status: Type.Optional(StringEnum(['answered', 'closed'] as const)) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => requests.answer(userOf(req), req.params.id, req.params.rid, { answer: req.body.answer, status: req.body.status ?? 'answered' }),
    );
  };
}
