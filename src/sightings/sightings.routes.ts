import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { StringEnum, errorResponses, okAny } from '../http/schemas.ts';
import type { SightingsService } from './sightings.service.ts';

const SightingBody = Type.Object(
  {
    value: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    object_id: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+--[0-9a-fA-F-]{36}$', maxLength: 300 })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 999_999_999, default: 1 })),
    first_seen: Type.Optional(Type.String({ format: 'date-time' })),
    last_seen: Type.Optional(Type.String({ format: 'date-time' })),
    where: Type.Optional(StringEnum(['own-network', 'customer-network'] as const)),
    tlp: Type.Optional(StringEnum(['clear', 'green', 'amber', 'amber+strict', 'red'] as const)),
    anonymous: Type.Optional(Type.Boolean()),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);

/** `POST /api/v1/sightings`: a member saw something. */
export function sightingsRoutes(sightings: SightingsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/v1/sightings', { schema: { tags: ['collect'], summary: 'Report a sighting of a value or an object', body: SightingBody, response: { ...okAny, ...errorResponses } } }, async (req, reply) => {
      const b = req.body;
      const stamp = (s: string | undefined) => (s ? new Date(s).toISOString() : undefined);
      const r = await sightings.report(userOf(req), {
        value: b.value,
        objectId: b.object_id,
        count: b.count ?? 1,
        firstSeen: stamp(b.first_seen),
        lastSeen: stamp(b.last_seen),
        where: b.where ?? 'own-network',
        tlp: b.tlp,
        anonymous: b.anonymous ?? false,
        description: b.description,
      });
      return reply.status(201).send({ sighting: r.sighting, ingest_id: r.ingest.id });
    });
  };
}
