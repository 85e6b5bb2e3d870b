import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { viewerOf } from '../http/context.ts';
import { errorResponses, okAny } from '../http/schemas.ts';
import type { LookupService } from './lookup.service.ts';

const LookupBody = Type.Object({ values: Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 100_000 }) }, { additionalProperties: false });

/** `POST /api/v1/lookup`: up to 100,000 values per call, answered from the in-memory index. */
export function lookupRoutes(lookup: LookupService, bodyLimit: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/v1/lookup', { bodyLimit: Math.max(bodyLimit, 64 * 1024 * 1024), schema: { tags: ['collect'], summary: 'Look up values in what the caller may see', body: LookupBody, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const r = await lookup.lookupAudited(viewerOf(req), req.body.values);
      return { items: r.items, next: null, found: r.found, not_found: r.notFound, invalid: r.invalid };
    });
  };
}
