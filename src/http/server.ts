import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../app.ts';
import { PUBLIC_VIEWER } from '../access/viewer.ts';
import { keyFingerprint } from '../auth/api-key.ts';
import { installErrorHandler } from './error-handler.ts';
import { collectRouteSchemas, serializerCompiler, validatorCompiler } from './validator.ts'; // start time (issue 17.3): compiled on first use
import { installInputGuard } from './input.guard.ts'; // bad input (issue 10.8)
import { healthRoutes } from '../health/health.routes.ts';
import { orgsRoutes } from '../orgs/orgs.routes.ts';
import { ndaRoutes } from '../orgs/nda.routes.ts'; // keys and sessions (issue 10.7)
import { ingestRoutes } from '../ingest/ingest.routes.ts';
import { objectsRoutes } from '../objects/objects.routes.ts';
import { lookupRoutes } from '../lookup/lookup.routes.ts';
import { sightingsRoutes } from '../sightings/sightings.routes.ts';
import { groupsRoutes } from '../groups/groups.routes.ts';
import { sanitiseRoutes } from '../trust/sanitise.routes.ts';
import { taxiiRoutes } from '../taxii/taxii.routes.ts';
import { analysisRoutes } from '../analysis/analysis.routes.ts'; // analyse (issue 5)
import { installSessionAuth } from '../sessions/session.hook.ts'; // sign-in (issue 13)
import { sessionsRoutes } from '../sessions/sessions.routes.ts'; // sign-in (issue 13)
import { webRoutes } from '../web/web.routes.ts'; // web interface (issue 13)
import { isSensorKey } from '../sensors/sensor-key.ts'; // sense (issue 14)
import { AppError } from '../shared/errors.ts';
import { auditRoutes } from '../audit/audit.routes.ts'; // web interface (issue 13): admin audit page
import { remotesRoutes } from '../taxii/remotes.routes.ts'; // web interface (issue 13): TAXII remotes admin
import { RemotesAdmin } from '../taxii/remotes.admin.ts'; // web interface (issue 13): TAXII remotes admin

/** Options of the HTTP server that are not part of the config. */
export interface ServerOptions {
  /** Log to stdout as JSON (default) or not at all (tests). */
  readonly logger?: boolean;
  /** Where JSON logs go instead of stdout (tests read them). */
  readonly logStream?: NodeJS.WritableStream;
}

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/**
 * Builds the Fastify server with every route; listening is the caller's business.
 * @example const server = await buildServer(app); await server.listen({ host: '127.0.0.1', port: 8080 })
 */
export async function buildServer(app: App, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const server = Fastify({
    logger:
      opts.logger === false
        ? false
        : {
            level: app.config.logLevel,
            ...(opts.logStream ? { stream: opts.logStream } : {}),
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
          },
    bodyLimit: app.config.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 300 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  server.setValidatorCompiler(validatorCompiler());
  server.setSerializerCompiler(serializerCompiler()); // start time (issue 17.3): response schemas compiled on first use
  collectRouteSchemas(server); // start time (issue 17.3): so a test compiles every route's schemas
  installErrorHandler(server);
  await server.register(helmet, { contentSecurityPolicy: false, global: true });
  await server.register(rateLimit, {
    max: app.config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => {
      const bearer = bearerOf(req.headers.authorization);
      return bearer ? `k:${keyFingerprint(bearer)}` : `ip:${req.ip}`;
    },
  });
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Kessetsu API', version: '1', description: 'Cyber-threat fusion center: collect, analyse, feed back, neutralise.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await server.register(swaggerUi, { routePrefix: '/api/docs' });

  server.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    req.viewer = PUBLIC_VIEWER;
    const header = req.headers.authorization;
    if (header === undefined) return;
    const bearer = bearerOf(header);
    // Sensor keys (kss_…) are checked by the sensors area on the routes sensors use. // sense (issue 14)
    if (bearer && !isSensorKey(bearer)) req.viewer = await app.auth.authenticate(bearer, req.ip); // failures count per address (issue 10.7)
    // Credentials the hub cannot read are refused, never answered as an anonymous view (issue 11.6);
    // TAXII also takes HTTP basic (its own hook reads it).
    else if (!bearer && !(/^Basic\b/i.test(header) && req.url.startsWith('/taxii2/'))) {
      const scheme = /^\S*/.exec(header)![0].slice(0, 20);
      throw new AppError('unauthorized', scheme ? `the Authorization scheme "${scheme}" is not accepted: send "Authorization: Bearer <API key>"` : 'empty Authorization header: send "Authorization: Bearer <API key>"', { scheme });
    }
  });
  installSessionAuth(server, app.sessions); // sign-in (issue 13): cookie sessions for the web app, after the Bearer hook
  installInputGuard(server); // bad input (issue 10.8): NUL, lone surrogates and deep nesting are a 400 naming the field
  server.addHook('onResponse', async (req, reply) => {
    app.metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  await server.register(healthRoutes(app.storage, app.metrics, { publicMetrics: app.config.metricsPublic })); // /metrics closed unless opened (issue 10.9)
  await server.register(orgsRoutes(app.orgs));
  await server.register(ndaRoutes(app.nda)); // keys and sessions (issue 10.7): NDA versions and acceptances
  await server.register(ingestRoutes(app.ingest, app.guards.body)); // robustness (issue 10.5): streamed bodies under limits
  await server.register(objectsRoutes(app.objects));
  await server.register(lookupRoutes(app.lookup, app.config.bodyLimit));
  await server.register(sightingsRoutes(app.sightings));
  await server.register(groupsRoutes(app.groups));
  await server.register(sanitiseRoutes(app.sanitise));
  await server.register(app.feedback.routes()); // feed back (issue 6)
  await server.register(taxiiRoutes(app));
  await server.register(analysisRoutes(app.analysis)); // analyse (issue 5)
  await server.register(app.stats.routes()); // statistics (issue 16)
  await server.register(sessionsRoutes(app.sessions, { idleSeconds: 12 * 3600 })); // sign-in (issue 13)
  await server.register(auditRoutes(app.storage.db)); // web interface (issue 13): admin audit page
  await server.register(remotesRoutes(new RemotesAdmin({ db: app.storage.db, ingest: app.ingest, validator: app.validator }, { backoffMs: app.config.taxiiRetryBackoffMs }))); // web interface (issue 13): TAXII remotes admin
  await server.register(webRoutes()); // web interface (issue 13)
  await server.register(app.neutralise.routes()); // neutralise (issue 12)
  await server.register(app.hotline.routes()); // hotline (issue 15): /hotline and /api/v1/hotline
  await server.register(app.sensors.routes()); // sense (issue 14)
  server.get('/api/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  return server;
}
