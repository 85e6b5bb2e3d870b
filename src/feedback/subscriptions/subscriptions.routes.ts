import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../../http/context.ts';
import { StringEnum, Uuid, decodeCursor, encodeCursor, errorResponses, okAny } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import type { SubscriptionsService } from './subscriptions.service.ts';

const KINDS = ['asset', 'sector', 'indicator', 'shared_sighting', 'cluster_priority', 'advisory'] as const;
const tags = ['feed back'];

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: StringEnum(KINDS),
    rule: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'asset: cidrs, domains, asns, keywords, exclude_domains; sector: sectors; indicator: types, groups, min_confidence; cluster_priority: min_priority' })),
    scope: Type.Optional(StringEnum(['org', 'user'] as const, { description: 'org (default): the whole organisation hears; user: only the caller' })),
    webhook_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    email: Type.Optional(Type.Boolean({ description: 'e-mail the organisation’s people (or the caller, for scope user) in their language' })),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    rule: Type.Optional(Type.Object({}, { additionalProperties: true })),
    enabled: Type.Optional(Type.Boolean()),
    webhook_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    email: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Uuid });
const AssetsBody = Type.Object(
  {
    cidrs: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000 })),
    domains: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 1000 })),
    asns: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 4294967295 }), { maxItems: 1000 })),
    keywords: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  { cursor: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
  { additionalProperties: false },
);
const DeliveriesQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(['pending', 'delivered', 'dead'] as const)),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const isDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

function cursor<T>(token: string | undefined, check: (v: unknown) => v is T): T | undefined {
  try {
    return decodeCursor(token, check);
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor this endpoint issued', { field: 'cursor' });
  }
}

/** Subscriptions: create, list, change, delete, rotate the webhook secret; deliveries and their retry. */
export function subscriptionsRoutes(subs: SubscriptionsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Keys and sessions (issue 10.7): declared assets (recorded by the hub) and approvals of subscriptions beyond them.
    app.get('/api/v1/orgs/:id/assets', { schema: { tags, summary: 'Declared assets of an organisation (its members and the hub)', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) =>
      subs.assets(userOf(req), req.params.id),
    );
    app.put('/api/v1/orgs/:id/assets', { schema: { tags, summary: 'Record an organisation’s declared assets (hub; replaces the list)', params: IdParams, body: AssetsBody, response: { ...okAny, ...errorResponses } } }, async (req) =>
      subs.declareAssets(userOf(req), req.params.id, req.body),
    );
    app.get('/api/v1/subscription-approvals', { schema: { tags, summary: 'Asset subscriptions waiting for a hub analyst (hub)', response: { ...okAny, ...errorResponses } } }, async (req) => ({
      items: await subs.pending(userOf(req)),
      next: null,
    }));
    app.post('/api/v1/subscriptions/:id/approve', { schema: { tags, summary: 'Approve a subscription to assets beyond the organisation’s own (hub analyst)', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) =>
      subs.approve(userOf(req), req.params.id),
    );
    app.post('/api/v1/subscriptions', { schema: { tags, summary: 'Subscribe to alerts (the webhook secret is answered once)', body: CreateBody, response: { ...okAny, ...errorResponses } } }, async (req, reply) =>
      reply.status(201).send(await subs.create(userOf(req), req.body)),
    );
    app.get('/api/v1/subscriptions', { schema: { tags, summary: 'The organisation’s and the caller’s subscriptions, with delivery counts', querystring: ListQuery, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const limit = req.query.limit ?? 100;
      const before = cursor(req.query.cursor, isDate);
      const items = await subs.list(userOf(req), limit, before ? new Date(before) : undefined);
      return { items, next: items.length === limit ? encodeCursor(items[items.length - 1]!.created_at) : null };
    });
    app.get('/api/v1/subscriptions/:id', { schema: { tags, summary: 'One subscription', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) => subs.get(userOf(req), req.params.id));
    app.patch('/api/v1/subscriptions/:id', { schema: { tags, summary: 'Change a subscription', params: IdParams, body: PatchBody, response: { ...okAny, ...errorResponses } } }, async (req) =>
      subs.update(userOf(req), req.params.id, req.body),
    );
    app.delete('/api/v1/subscriptions/:id', { schema: { tags, summary: 'Delete a subscription (its alerts stay)', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      await subs.remove(userOf(req), req.params.id);
      return reply.status(204).send(null);
    });
    app.post('/api/v1/subscriptions/:id/secret', { schema: { tags, summary: 'Rotate the webhook secret (answered once)', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) =>
      subs.rotateSecret(userOf(req), req.params.id),
    );
    app.get('/api/v1/subscriptions/:id/deliveries', { schema: { tags, summary: 'Delivery status of a subscription’s webhooks and e-mails', params: IdParams, querystring: DeliveriesQuery, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const limit = req.query.limit ?? 100;
      const items = await subs.deliveries(userOf(req), req.params.id, req.query.status, limit, cursor(req.query.cursor, isId));
      return { items, next: items.length === limit ? encodeCursor(items[items.length - 1]!.id) : null };
    });
    app.post('/api/v1/deliveries/:id/retry', { schema: { tags, summary: 'Send a dead-lettered delivery again', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 202: Type.Object({ status: Type.String() }), ...errorResponses } } }, async (req, reply) => {
      await subs.retry(userOf(req), req.params.id);
      return reply.status(202).send({ status: 'pending' });
    });
  };
}
