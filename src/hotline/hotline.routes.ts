import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { StringEnum, errorResponses, okAny } from '../http/schemas.ts';
import type { RemovalChecker } from './removal.checker.ts';
import { CLASSIFICATIONS, requireOperator, type TriageService } from './triage.service.ts';
import { HOTLINE_CATEGORIES } from './categories.ts';
import type { hotlineStats } from './hotline.metrics.ts';

const tags = ['hotline'];
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** Operators' hotline API: triage, classification, actions, removal checks, statistics. */
export function hotlineRoutes(triage: TriageService, checker: RemovalChecker, stats: (o: { since?: Date; until?: Date }) => ReturnType<typeof hotlineStats>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v1/hotline/triage',
      {
        schema: {
          tags,
          summary: 'The queue grouped by site, most urgent first, with earlier decisions on each site',
          querystring: Type.Object({ status: Type.Optional(Type.String({ pattern: '^(new|classified|actioned|removed)(,(new|classified|actioned|removed))*$' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => triage.queue(userOf(req), { status: req.query.status, limit: req.query.limit ?? 200 }),
    );

    app.get('/api/v1/hotline/entries/:id', { schema: { tags, summary: 'One entry with its reports, actions and checks', params: Id, response: { ...okAny, ...errorResponses } } }, async (req) => triage.get(userOf(req), req.params.id));

    app.post(
      '/api/v1/hotline/entries/:id/classify',
      {
        schema: {
          tags,
          summary: 'Classify an entry (illegal and harmful with their legal basis); phishing and malware become TLP:GREEN indicators',
          params: Id,
          body: Type.Object(
            { classification: StringEnum(CLASSIFICATIONS), legal_basis: Type.Optional(Type.String({ maxLength: 500 })), category: Type.Optional(StringEnum(HOTLINE_CATEGORIES)), note: Type.Optional(Type.String({ maxLength: 2000 })) },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => triage.classify(userOf(req), req.params.id, req.body),
    );

    app.post(
      '/api/v1/hotline/entries/:id/actions',
      {
        schema: {
          tags,
          summary: 'Act on an entry: police (a case), deletion_request (site or host, through the outbox), forward (partner hotline abroad)',
          params: Id,
          body: Type.Object(
            {
              kind: StringEnum(['police', 'deletion_request', 'forward'] as const),
              le_org_id: Type.Optional(Type.String({ format: 'uuid' })),
              lang: Type.Optional(StringEnum(['ja', 'en'] as const)),
              recipient: Type.Optional(
                Type.Object(
                  { name: Type.String({ minLength: 1, maxLength: 300 }), email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })), country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })), lang: Type.Optional(StringEnum(['ja', 'en'] as const)) },
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
        return triage.act(userOf(req), req.params.id, req.body);
      },
    );

    app.post('/api/v1/hotline/check', { schema: { tags, summary: 'Re-request the URLs awaiting removal now (the schedule does it too)', response: { ...okAny, ...errorResponses } } }, async (req) => {
      requireOperator(userOf(req));
      return checker.run();
    });

    app.get(
      '/api/v1/hotline/stats',
      {
        schema: {
          tags,
          summary: 'Reports by category, source and volunteer group; deletion rate and time to removal by category, recipient and country',
          querystring: Type.Object({ since: Type.Optional(Type.String({ format: 'date-time' })), until: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        requireOperator(userOf(req));
        return stats({ ...(req.query.since ? { since: new Date(req.query.since) } : {}), ...(req.query.until ? { until: new Date(req.query.until) } : {}) });
      },
    );
  };
}
