import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isHub } from '../access/viewer.ts';
import { userOf } from '../http/context.ts';
import { StringEnum, errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import type { ActionsService } from './actions.service.ts';
import type { TakedownMetrics } from './actions.metrics.ts';
import type { Viewer } from '../access/viewer.ts';
import { CONTACT_KINDS, type ContactKind } from './contacts.repository.ts';
import type { ContactsService } from './contacts.service.ts';
import { ACTION_KINDS } from './recipient.resolver.ts';

const tags = ['neutralise'];
const STATUSES = ['sent', 'acknowledged', 'done', 'refused', 'reappeared'] as const;

/** `/api/v1/actions…`, `/api/v1/contacts`, `/api/v1/takedown-metrics`. */

/** Who receives a notice: the fields an action's explicit recipient and a directory contact share. */
const RECIPIENT_FIELDS = {
  name: Type.String({ minLength: 1, maxLength: 300 }),
  email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
  org_id: Type.Optional(Type.String({ format: 'uuid' })),
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  lang: Type.Optional(StringEnum(['ja', 'en'] as const)),
};
export function actionsRoutes(actions: ActionsService, contacts: ContactsService, metrics: (v: Viewer, o: { since?: Date; until?: Date }) => Promise<TakedownMetrics>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/v1/actions',
      {
        schema: {
          tags,
          summary: 'Open an action (takedown, freeze, sinkhole, ISP notice…): recipient resolved, notice sent through the outbox',
          body: Type.Object(
            {
              case_id: Type.Optional(Type.String({ format: 'uuid' })),
              kind: StringEnum(ACTION_KINDS),
              target: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
              object_id: Type.Optional(Type.String({ maxLength: 200 })),
              lang: Type.Optional(StringEnum(['ja', 'en'] as const)),
              note: Type.Optional(Type.String({ maxLength: 5000 })),
              recipient: Type.Optional(
                Type.Object(
                  {
                    ...RECIPIENT_FIELDS,
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
      async (req, reply) => {
        reply.code(201);
        return actions.create(userOf(req), req.body);
      },
    );

    app.get(
      '/api/v1/actions',
      {
        schema: {
          tags,
          summary: 'Actions you may see (of a case with ?case_id=)',
          querystring: Type.Object({ case_id: Type.Optional(Type.String({ format: 'uuid' })), status: Type.Optional(StringEnum(STATUSES)), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => ({ items: await actions.list(userOf(req), { caseId: req.query.case_id, status: req.query.status, limit: req.query.limit ?? 100 }), next: null }),
    );

    app.get('/api/v1/actions/:id', { schema: { tags, summary: 'One action with its history and the delivery of its notice', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      actions.get(userOf(req), req.params.id),
    );

    app.post(
      '/api/v1/actions/:id/status',
      {
        schema: {
          tags,
          summary: 'Record an answer: acknowledged, done (the clock stops), refused, reappeared; sent to send again',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: Type.Object(
            {
              status: StringEnum(STATUSES),
              note: Type.Optional(Type.String({ maxLength: 5000 })),
              amount_frozen_jpy: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
              amount_recovered_jpy: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => actions.update(userOf(req), req.params.id, req.body),
    );

    app.get(
      '/api/v1/takedown-metrics',
      {
        schema: {
          tags,
          summary: 'Takedown rate and median time by kind and recipient; freezes and recovered amounts (over the actions you may see)',
          querystring: Type.Object({ since: Type.Optional(Type.String({ format: 'date-time' })), until: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => metrics(userOf(req), { ...(req.query.since ? { since: new Date(req.query.since) } : {}), ...(req.query.until ? { until: new Date(req.query.until) } : {}) }),
    );

    app.get(
      '/api/v1/contacts',
      { schema: { tags, summary: 'The contact directory that resolves recipients (hub analysts)', querystring: Type.Object({ kind: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } },
      async (req) => {
        if (!isHub(userOf(req))) throw new AppError('forbidden', 'only hub analysts read the contact directory');
        return { items: await contacts.list(req.query.kind), next: null };
      },
    );

    app.post(
      '/api/v1/contacts',
      {
        schema: {
          tags,
          summary: 'Add or replace a contact (hub analysts)',
          body: Type.Object(
            {
              kind: StringEnum(Object.keys(CONTACT_KINDS) as ContactKind[]),
              key: Type.String({ minLength: 1, maxLength: 300 }),
              ...RECIPIENT_FIELDS,
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req, reply) => {
        reply.code(201);
        return contacts.add(userOf(req), req.body);
      },
    );
  };
}
