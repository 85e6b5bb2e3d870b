import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { Page, PageQuery, Uuid, decodeCursor, encodeCursor, errorResponses } from '../http/schemas.ts';
import type { OrgsService } from './orgs.service.ts';
import { ApiKey, ApiKeyCreated, KeyCreate, Org, OrgCreate, OrgUpdate, User, UserCreate, UserUpdate } from './orgs.schemas.ts';

const IdParams = Type.Object({ id: Uuid });
const isString = (v: unknown): v is string => typeof v === 'string';
const tags = ['organisations'];

/** Organisations, users and API keys. */
export function orgsRoutes(orgs: OrgsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/v1/orgs', { schema: { tags, summary: 'Create an organisation (admin)', body: OrgCreate, response: { 201: Org, ...errorResponses, 409: errorResponses[400] } } }, async (req, reply) => {
      const b = req.body;
      const org = await orgs.createOrg(userOf(req), { name: b.name, kind: b.kind, sector: b.sector, subsector: b.subsector, country: b.country, defaultTlp: b.default_tlp });
      return reply.status(201).send(org);
    });

    app.get('/api/v1/orgs', { schema: { tags, summary: 'List organisations', querystring: PageQuery, response: { 200: Page(Org), ...errorResponses } } }, async (req) => {
      const limit = req.query.limit ?? 100;
      const rows = await orgs.listOrgs(userOf(req), decodeCursor(req.query.cursor, isString), limit);
      return { items: rows, next: rows.length === limit ? encodeCursor(rows[rows.length - 1]!.name) : null };
    });

    app.get('/api/v1/orgs/:id', { schema: { tags, summary: 'Get an organisation', params: IdParams, response: { 200: Org, ...errorResponses } } }, async (req) =>
      orgs.getOrg(userOf(req), req.params.id),
    );

    app.patch('/api/v1/orgs/:id', { schema: { tags, summary: 'Update an organisation (admin)', params: IdParams, body: OrgUpdate, response: { 200: Org, ...errorResponses } } }, async (req) => {
      const b = req.body;
      return orgs.updateOrg(userOf(req), req.params.id, { name: b.name, kind: b.kind, sector: b.sector, subsector: b.subsector, country: b.country, defaultTlp: b.default_tlp });
    });

    app.post('/api/v1/orgs/:id/users', { schema: { tags, summary: 'Add a user to an organisation (admin)', params: IdParams, body: UserCreate, response: { 201: User, ...errorResponses } } }, async (req, reply) => {
      const user = await orgs.addUser(userOf(req), req.params.id, req.body);
      return reply.status(201).send(user);
    });

    app.get('/api/v1/orgs/:id/users', { schema: { tags, summary: "List an organisation's users", params: IdParams, response: { 200: Page(User), ...errorResponses } } }, async (req) => ({
      items: await orgs.listUsers(userOf(req), req.params.id),
      next: null,
    }));

    app.get('/api/v1/me', { schema: { tags, summary: 'Who the API key belongs to', response: { 200: Type.Object({ user_id: Type.String(), org_id: Type.String(), role: Type.String(), org_kind: Type.String(), sector: Type.Union([Type.String(), Type.Null()]), nda_accepted: Type.Boolean(), groups: Type.Array(Type.String()) }), ...errorResponses } } }, async (req) => {
      const v = userOf(req);
      return { user_id: v.userId, org_id: v.orgId, role: v.role, org_kind: v.orgKind, sector: v.sector, nda_accepted: v.ndaAccepted, groups: [...v.groupIds] };
    });

    app.get('/api/v1/users/:id', { schema: { tags, summary: 'Get a user', params: IdParams, response: { 200: User, ...errorResponses } } }, async (req) =>
      orgs.getUser(userOf(req), req.params.id),
    );

    app.patch('/api/v1/users/:id', { schema: { tags, summary: 'Update a user', params: IdParams, body: UserUpdate, response: { 200: User, ...errorResponses } } }, async (req) =>
      orgs.updateUser(userOf(req), req.params.id, req.body),
    );

    app.post('/api/v1/users/:id/keys', { schema: { tags, summary: 'Create an API key (answered once)', params: IdParams, body: Type.Optional(KeyCreate), response: { 201: ApiKeyCreated, ...errorResponses } } }, async (req, reply) => {
      const k = await orgs.createKey(userOf(req), req.params.id, req.body?.name ?? '');
      return reply.status(201).send({ ...k, created_at: k.created_at.toISOString() });
    });

    app.get('/api/v1/users/:id/keys', { schema: { tags, summary: "List a user's API keys", params: IdParams, response: { 200: Page(ApiKey), ...errorResponses } } }, async (req) => ({
      items: await orgs.listKeys(userOf(req), req.params.id),
      next: null,
    }));

    app.delete('/api/v1/users/:id/keys/:keyId', { schema: { tags, summary: 'Revoke an API key', params: Type.Object({ id: Uuid, keyId: Uuid }), response: { 200: ApiKey, ...errorResponses } } }, async (req) => {
      await orgs.revokeKey(userOf(req), req.params.id, req.params.keyId);
      const keys = await orgs.listKeys(userOf(req), req.params.id);
      return keys.find((k) => k.id === req.params.keyId)!;
    });
  };
}
