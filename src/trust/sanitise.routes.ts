import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { StringEnum, errorResponses, okAny } from '../http/schemas.ts';
import type { SanitiseService } from './sanitise.service.ts';

const Body = Type.Object(
  {
    tlp: StringEnum(['clear', 'green', 'amber', 'amber+strict'] as const),
    remove: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 })),
    replace: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
    reason: Type.String({ minLength: 1, maxLength: 5000 }),
  },
  { additionalProperties: false },
);

/** `POST /api/v1/objects/{id}/sanitise` (hub analysts). */
export function sanitiseRoutes(sanitise: SanitiseService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/v1/objects/:id/sanitise',
      { schema: { tags: ['trust'], summary: 'Derive a sanitised object at a lower TLP (hub analysts; audited)', params: Type.Object({ id: Type.String({ pattern: '^[a-z0-9-]+--[0-9a-fA-F-]{36}$', maxLength: 300 }) }), body: Body, response: { ...okAny, ...errorResponses } } },
      async (req, reply) => {
        const r = await sanitise.derive(userOf(req), req.params.id, { tlp: req.body.tlp, remove: req.body.remove ?? [], replace: req.body.replace ?? {}, reason: req.body.reason });
        return reply.status(201).send(r);
      },
    );
  };
}
