import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { viewerOf } from '../http/context.ts';
import { StringEnum, decodeCursor, encodeCursor, errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import type { ObjectsService } from './objects.service.ts';

const StixId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,250}--[0-9a-fA-F-]{36}$', maxLength: 300 });
const ObjectsQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 500, description: 'comma-separated STIX types' })),
    value: Type.Optional(Type.String({ maxLength: 4000 })),
    text: Type.Optional(Type.String({ maxLength: 200 })),
    sector: Type.Optional(Type.String({ maxLength: 50 })),
    tlp: Type.Optional(StringEnum(['clear', 'green', 'amber', 'amber+strict', 'red'] as const)),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
const isSeq = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const tags = ['collect'];

/** Reading objects: list, detail, graph paths. 404 (never 403) when the caller may not see an object. */
export function objectsRoutes(objects: ObjectsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/v1/objects', { schema: { tags, summary: 'List STIX objects the caller may see', querystring: ObjectsQuery, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const q = req.query;
      const limit = q.limit ?? 100;
      let beforeSeq: number | undefined;
      try {
        beforeSeq = decodeCursor(q.cursor, isSeq);
      } catch {
        throw new AppError('validation_failed', 'cursor: not a cursor this endpoint issued', { field: 'cursor' });
      }
      const { items, nextSeq } = await objects.list(viewerOf(req), {
        types: q.type ? q.type.split(',').map((t) => t.trim()).filter(Boolean) : undefined,
        value: q.value,
        text: q.text,
        sector: q.sector,
        tlp: q.tlp,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        beforeSeq,
        limit,
      });
      return { items, next: nextSeq === null ? null : encodeCursor(nextSeq) };
    });

    app.get('/api/v1/objects/:id', { schema: { tags, summary: 'One object with versions, relationships, sightings and visible contributions', params: Type.Object({ id: StixId }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      objects.get(viewerOf(req), req.params.id),
    );

    app.get(
      '/api/v1/objects/:id/paths',
      { schema: { tags, summary: 'Objects reachable in up to 3 hops through relationships and sightings', params: Type.Object({ id: StixId }), querystring: Type.Object({ to: Type.Optional(StixId), hops: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, default: 2 })) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } },
      async (req) => ({ items: await objects.paths(viewerOf(req), req.params.id, req.query.to, req.query.hops ?? 2), next: null }),
    );
  };
}
