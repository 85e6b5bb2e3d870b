import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../../http/context.ts';
import { decodeCursor, encodeCursor, errorResponses, okAny } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import type { HistoryService } from './history.service.ts';

const tags = ['feed back'];
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/** "What happened to what I shared": the organisation's contributions and the history of each. */
export function historyRoutes(history: HistoryService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v1/contributions',
      {
        schema: {
          tags,
          summary: 'The organisation’s contributions, newest first',
          querystring: Type.Object(
            { type: Type.Optional(Type.String({ maxLength: 500 })), cursor: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        let beforeId: number | undefined;
        try {
          beforeId = decodeCursor(req.query.cursor, isId);
        } catch {
          throw new AppError('validation_failed', 'cursor: not a cursor this endpoint issued', { field: 'cursor' });
        }
        const types = req.query.type?.split(',').map((t) => t.trim()).filter(Boolean);
        const r = await history.list(userOf(req), { limit, beforeId, types });
        return { items: r.items, next: r.nextId === null ? null : encodeCursor(r.nextId) };
      },
    );
    app.get(
      '/api/v1/contributions/:id/history',
      { schema: { tags, summary: 'Others who reported the same, sightings, clusters, advisories, alerts, cases and takedowns', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { ...okAny, ...errorResponses } } },
      async (req) => history.of(userOf(req), req.params.id),
    );
  };
}
