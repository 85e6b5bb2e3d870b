import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.ts';
import { viewerOf } from '../http/context.ts';
import { AppError } from '../shared/errors.ts';
import { basicAuthHook } from './taxii.auth.ts';
import { installTaxiiErrorHandler } from './taxii.errors.ts';
import { acceptsTaxii, isTaxiiContentType, TAXII_MEDIA_TYPE } from './taxii.media.ts';
import { TaxiiService, type TaxiiPage } from './taxii.service.ts';
import { TaxiiScheduler } from './taxii.scheduler.ts';
import { failStalePending } from './statuses.repository.ts';

/** Where the TAXII server lives, and its one API root below it. */
export const TAXII_PREFIX = '/taxii2';
export const API_ROOT_PATH = 'api';

const MIN_CONTENT_LENGTH = 10 * 1024 * 1024;

type Params = { id: string; objectId: string; statusId: string };
type Query = Record<string, unknown>;

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}${TAXII_PREFIX}`;
}

// A Buffer, so that Fastify sends the media type exactly as TAXII spells it (it would add a charset to a string).
function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .status(status)
    .header('content-type', TAXII_MEDIA_TYPE)
    .send(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'));
}

function sendPage(reply: FastifyReply, page: TaxiiPage): FastifyReply {
  if (page.first) reply.header('X-TAXII-Date-Added-First', page.first);
  if (page.last) reply.header('X-TAXII-Date-Added-Last', page.last);
  return sendJson(reply, 200, page.body);
}

function apiRoutes(app: App, taxii: TaxiiService, maxContentLength: number): FastifyPluginAsync {
  return async (scope: FastifyInstance) => {
    const hide = { schema: { hide: true } };
    const root = `/${API_ROOT_PATH}`;
    scope.get('/', hide, async (req, reply) => {
      if (viewerOf(req).kind !== 'user' && !app.config.publicTaxii) throw new AppError('unauthorized', 'this TAXII server needs credentials');
      const apiRoot = `${baseUrl(req)}${root}/`;
      return sendJson(reply, 200, {
        title: 'Kessetsu TAXII 2.1',
        description: 'Threat intelligence of the fusion center, under TLP 2.0 sharing rules.',
        contact: 'the operator of this hub',
        default: apiRoot,
        api_roots: [apiRoot],
      });
    });
    scope.get(`${root}/`, hide, async (req, reply) => {
      if (viewerOf(req).kind !== 'user' && !app.config.publicTaxii) throw new AppError('unauthorized', 'this TAXII server needs credentials');
      return sendJson(reply, 200, {
        title: 'Kessetsu',
        description: 'Collections: public (TLP:CLEAR), members, one per sharing group, and your organisation’s inbox (POST here).',
        versions: [TAXII_MEDIA_TYPE],
        max_content_length: maxContentLength,
      });
    });
    scope.get<{ Params: Params }>(`${root}/status/:statusId/`, hide, async (req, reply) => sendJson(reply, 200, await taxii.status(viewerOf(req), req.params.statusId)));
    scope.get(`${root}/collections/`, hide, async (req, reply) => {
      const collections = await taxii.collections(viewerOf(req));
      return sendJson(reply, 200, collections.length ? { collections } : {});
    });
    scope.get<{ Params: Params }>(`${root}/collections/:id/`, hide, async (req, reply) => {
      const c = await taxii.collection(viewerOf(req), req.params.id);
      const listed = (await taxii.collections(viewerOf(req))).find((r) => r.id === c.id);
      return sendJson(reply, 200, listed);
    });
    scope.get<{ Params: Params; Querystring: Query }>(`${root}/collections/:id/manifest/`, hide, async (req, reply) =>
      sendPage(reply, await taxii.read(viewerOf(req), req.params.id, null, req.query, 'manifest')),
    );
    scope.get<{ Params: Params; Querystring: Query }>(`${root}/collections/:id/objects/`, hide, async (req, reply) =>
      sendPage(reply, await taxii.read(viewerOf(req), req.params.id, null, req.query, 'objects')),
    );
    scope.post<{ Params: Params }>(`${root}/collections/:id/objects/`, { ...hide, bodyLimit: maxContentLength }, async (req, reply) =>
      sendJson(reply, 202, await taxii.add(viewerOf(req), req.params.id, req.body)),
    );
    scope.get<{ Params: Params; Querystring: Query }>(`${root}/collections/:id/objects/:objectId/`, hide, async (req, reply) =>
      sendPage(reply, await taxii.read(viewerOf(req), req.params.id, req.params.objectId, req.query, 'objects')),
    );
    scope.delete<{ Params: Params; Querystring: Query }>(`${root}/collections/:id/objects/:objectId/`, hide, async (req, reply) => {
      await taxii.remove(viewerOf(req), req.params.id, req.params.objectId, req.query);
      return reply.status(200).header('content-type', TAXII_MEDIA_TYPE).send();
    });
    scope.get<{ Params: Params; Querystring: Query }>(`${root}/collections/:id/objects/:objectId/versions/`, hide, async (req, reply) =>
      sendPage(reply, await taxii.read(viewerOf(req), req.params.id, req.params.objectId, req.query, 'versions')),
    );
  };
}

/**
 * The TAXII 2.1 server at /taxii2/ (discovery) with one API root, /taxii2/api/; every error under it is a
 * TAXII error message. Also runs scheduled pulls of configured remotes while the server is up.
 * @example await server.register(taxiiRoutes(app))
 */
export function taxiiRoutes(app: App): FastifyPluginAsync {
  return async (server) => {
    const maxContentLength = Math.max(app.config.bodyLimit, Math.min(app.config.ingestLimit, MIN_CONTENT_LENGTH));
    const taxii = new TaxiiService(app.storage.db, app.ingest, app.validator, { publicEnabled: app.config.publicTaxii, onError: (err) => server.log.error({ err }, 'taxii ingest failed'), onWithdrawn: (gone) => gone.forEach((g) => app.index.remove(g.id, g.objectId)) });
    await failStalePending(app.storage.db, new Date(Date.now() - 15 * 60_000)).catch(() => 0);
    const scheduler = new TaxiiScheduler(app, { log: server.log });
    scheduler.start();
    server.addHook('onClose', async () => scheduler.stop());
    await server.register(
      async (scope) => {
        installTaxiiErrorHandler(scope);
        scope.removeAllContentTypeParsers();
        const json = scope.getDefaultJsonParser('error', 'error');
        scope.addContentTypeParser('application/taxii+json', { parseAs: 'string', bodyLimit: maxContentLength }, json);
        scope.addHook('onRequest', basicAuthHook(app.auth));
        scope.addHook('onRequest', async (req) => {
          if (!acceptsTaxii(req.headers.accept)) throw new AppError('not_acceptable', `this server answers ${TAXII_MEDIA_TYPE}; the Accept header does not allow it`);
        });
        scope.addHook('preValidation', async (req) => {
          if (req.method === 'POST' && !isTaxiiContentType(req.headers['content-type'])) throw new AppError('unsupported_media_type', `Content-Type must be ${TAXII_MEDIA_TYPE}`);
        });
        await scope.register(apiRoutes(app, taxii, maxContentLength));
      },
      { prefix: TAXII_PREFIX },
    );
  };
}
