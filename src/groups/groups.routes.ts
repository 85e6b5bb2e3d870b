import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { Uuid, errorResponses, okAny } from '../http/schemas.ts';
import type { GroupsService } from './groups.service.ts';

const tags = ['trust'];
const GroupCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    confidential: Type.Optional(Type.Boolean()),
    members: Type.Array(Uuid, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);

/** Sharing groups. */
export function groupsRoutes(groups: GroupsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/v1/groups', { schema: { tags, summary: 'Create a sharing group', body: GroupCreate, response: { ...okAny, ...errorResponses } } }, async (req, reply) =>
      reply.status(201).send(await groups.create(userOf(req), req.body)),
    );
    app.get('/api/v1/groups', { schema: { tags, summary: 'Sharing groups of the caller’s organisation', response: { ...okAny, ...errorResponses } } }, async (req) => ({ items: await groups.list(userOf(req)), next: null }));
    app.get('/api/v1/groups/:id', { schema: { tags, summary: 'One sharing group', params: Type.Object({ id: Uuid }), response: { ...okAny, ...errorResponses } } }, async (req) => groups.get(userOf(req), req.params.id));
    app.post('/api/v1/groups/:id/members', { schema: { tags, summary: 'Add member organisations', params: Type.Object({ id: Uuid }), body: Type.Object({ orgs: Type.Array(Uuid, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      groups.addMembers(userOf(req), req.params.id, req.body.orgs),
    );
    app.delete('/api/v1/groups/:id/members/:orgId', { schema: { tags, summary: 'Remove a member organisation', params: Type.Object({ id: Uuid, orgId: Uuid }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      groups.removeMember(userOf(req), req.params.id, req.params.orgId),
    );
  };
}
