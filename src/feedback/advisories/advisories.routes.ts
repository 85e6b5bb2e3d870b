import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { PUBLIC_VIEWER } from '../../access/viewer.ts';
import { headContribution } from '../../access/visibility.policy.ts';
import { userOf, viewerOf } from '../../http/context.ts';
import { Uuid, errorResponses, okAny } from '../../http/schemas.ts';
import { notFound } from '../../shared/errors.ts';
import { atomFeed } from './atom.feed.ts';
import type { AdvisoriesService } from './advisories.service.ts';
import { advisoryListPage, advisoryPage, type PublicObject } from './html.pages.ts';
import { pageLanguage } from './language.ts';

const tags = ['feed back'];
const StixId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,250}--[0-9a-fA-F-]{36}$', maxLength: 300 });
const TextBody = Type.Object(
  {
    title_ja: Type.Optional(Type.String({ maxLength: 500 })),
    title_en: Type.Optional(Type.String({ maxLength: 500 })),
    body_ja: Type.Optional(Type.String({ maxLength: 200_000, description: 'Markdown' })),
    body_en: Type.Optional(Type.String({ maxLength: 200_000, description: 'Markdown' })),
    object_ids: Type.Optional(Type.Array(StixId, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Uuid });
const LangQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 10 })) }, { additionalProperties: false });
// Public pages load nothing and run nothing.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async function clearObjects(db: Kysely<Database>, ids: readonly string[]): Promise<PublicObject[]> {
  if (!ids.length) return [];
  const rows = await db
    .selectFrom('contributions as c')
    .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
    .select(['o.id', 'o.type', 'c.name', 'o.display', 'o.value'])
    .where('o.id', 'in', ids)
    .where(headContribution(PUBLIC_VIEWER, 'c'))
    .orderBy('o.type')
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type, label: r.name ?? r.display ?? r.value ?? r.id }));
}

function baseUrl(req: { protocol: string; host: string }): string {
  const host = /^[A-Za-z0-9.:[\]-]{1,300}$/.test(req.host) ? req.host : 'localhost';
  return `${req.protocol}://${host}`;
}

/** Advisories: the hub's API (write, publish, withdraw) and the public pages, Atom and JSON (no key needed). */
export function advisoriesRoutes(advisories: AdvisoriesService, db: Kysely<Database>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/v1/advisories', { schema: { tags, summary: 'Write an advisory (hub analysts)', body: TextBody, response: { ...okAny, ...errorResponses } } }, async (req, reply) =>
      reply.status(201).send(await advisories.create(userOf(req), req.body)),
    );
    app.patch('/api/v1/advisories/:id', { schema: { tags, summary: 'Change an advisory (hub analysts)', params: IdParams, body: TextBody, response: { ...okAny, ...errorResponses } } }, async (req) =>
      advisories.update(userOf(req), req.params.id, req.body),
    );
    app.post('/api/v1/advisories/:id/publish', { schema: { tags, summary: 'Publish: refused when a linked object is above TLP:CLEAR', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) =>
      advisories.publish(userOf(req), req.params.id),
    );
    app.post('/api/v1/advisories/:id/withdraw', { schema: { tags, summary: 'Withdraw from the public pages', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) =>
      advisories.withdraw(userOf(req), req.params.id),
    );
    app.get('/api/v1/advisories', { schema: { tags, summary: 'Advisories (drafts too, for hub analysts)', response: { ...okAny, ...errorResponses } } }, async (req) => ({ items: await advisories.list(viewerOf(req), 500), next: null }));
    app.get('/api/v1/advisories/:id', { schema: { tags, summary: 'One advisory', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) => advisories.get(viewerOf(req), req.params.id));

    app.get('/advisories', { schema: { hide: true, querystring: LangQuery } }, async (req, reply) => {
      const lang = pageLanguage(req.query.lang, req.headers['accept-language']);
      const items = await advisories.list(PUBLIC_VIEWER, 200);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('vary', 'accept-language').send(advisoryListPage(lang, items));
    });
    app.get('/advisories.atom', { schema: { hide: true } }, async (req, reply) => {
      const items = await advisories.list(PUBLIC_VIEWER, 100);
      return reply.type('application/atom+xml; charset=utf-8').send(atomFeed(baseUrl(req), items, new Date()));
    });
    app.get('/advisories.json', { schema: { hide: true } }, async () => ({ items: await advisories.list(PUBLIC_VIEWER, 500), next: null }));
    app.get('/advisories/:id', { schema: { hide: true, params: Type.Object({ id: Type.String({ maxLength: 100 }) }), querystring: LangQuery } }, async (req, reply) => {
      const lang = pageLanguage(req.query.lang, req.headers['accept-language']);
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(req.params.id)) throw notFound('advisory', req.params.id.slice(0, 100));
      const a = await advisories.get(PUBLIC_VIEWER, req.params.id);
      const objects = await clearObjects(db, a.object_ids);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('vary', 'accept-language').send(advisoryPage(lang, a, objects));
    });
  };
}
