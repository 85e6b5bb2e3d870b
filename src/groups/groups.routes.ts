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

const InvitationStatus = Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('withdrawn')]);

/** Sharing groups. */
export function groupsRoutes(groups: GroupsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/v1/groups', { schema: { tags, summary: 'Create a sharing group', body: GroupCreate, response: { ...okAny, ...errorResponses } } }, async (req, reply) =>
      reply.status(201).send(await groups.create(userOf(req), req.body)),
    );
    app.get('/api/v1/groups', { schema: { tags, summary: 'Sharing groups of the caller’s organisation', response: { ...okAny, ...errorResponses } } }, async (req) => ({ items: await groups.list(userOf(req)), next: null }));
    app.get('/api/v1/groups/:id', { schema: { tags, summary: 'One sharing group', params: Type.Object({ id: Uuid }), response: { ...okAny, ...errorResponses } } }, async (req) => groups.get(userOf(req), req.params.id));
    app.post('/api/v1/groups/:id/members', { schema: { tags, summary: 'Invite organisations (the owner’s own joins at once)', params: Type.Object({ id: Uuid }), body: Type.Object({ orgs: Type.Array(Uuid, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      groups.addMembers(userOf(req), req.params.id, req.body.orgs),
    );
    app.delete('/api/v1/groups/:id/members/:orgId', { schema: { tags, summary: 'Remove a member organisation (or, by its own admin, leave)', params: Type.Object({ id: Uuid, orgId: Uuid }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      (await groups.removeMember(userOf(req), req.params.id, req.params.orgId)) ?? { left: true },
    );
    // Consent (issue 10.7): another organisation joins only when its admin accepts the invitation.
    app.get('/api/v1/invitations', { schema: { tags, summary: 'Invitations of the caller’s organisation into sharing groups', querystring: Type.Object({ status: Type.Optional(InvitationStatus) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } }, async (req) => ({
      items: await groups.invitations(userOf(req), req.query.status),
      next: null,
    }));
    app.post('/api/v1/groups/:id/invitation', { schema: { tags, summary: 'Accept or decline the caller’s organisation’s invitation (its org_admin)', params: Type.Object({ id: Uuid }), body: Type.Object({ answer: Type.Union([Type.Literal('accept'), Type.Literal('decline')]) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      groups.respond(userOf(req), req.params.id, req.body.answer),
    );
    app.delete('/api/v1/groups/:id/invitations/:orgId', { schema: { tags, summary: 'Withdraw a pending invitation', params: Type.Object({ id: Uuid, orgId: Uuid }), response: { ...okAny, ...errorResponses } } }, async (req) =>
      groups.withdraw(userOf(req), req.params.id, req.params.orgId),
    );
  };
}
