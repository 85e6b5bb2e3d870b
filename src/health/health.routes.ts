import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Storage } from '../db/database.ts';
import { pendingMigrations } from '../db/migrator.ts';
import type { Metrics } from '../http/metrics.ts';

const tags = ['operations'];

/** Liveness, readiness and Prometheus metrics. */
export function healthRoutes(storage: Storage, metrics: Metrics): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', { schema: { tags, summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

    app.get(
      '/readyz',
      { schema: { tags, summary: 'Readiness: database reachable and migrations current', response: { 200: Type.Object({ status: Type.String(), storage: Type.String(), pending_migrations: Type.Array(Type.String()) }), 503: Type.Object({ status: Type.String(), storage: Type.String(), pending_migrations: Type.Array(Type.String()), reason: Type.String() }) } } },
      async (req, reply) => {
        try {
          await sql`select 1`.execute(storage.db);
          const pending = await pendingMigrations(storage.db);
          if (pending.length) return reply.status(503).send({ status: 'not ready', storage: storage.kind, pending_migrations: pending, reason: 'migrations pending' });
          return { status: 'ready', storage: storage.kind, pending_migrations: [] };
        } catch (err) {
          req.log.warn({ err }, 'readiness check failed');
          return reply.status(503).send({ status: 'not ready', storage: storage.kind, pending_migrations: [], reason: 'database unreachable' });
        }
      },
    );

    app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics', hide: false } }, async (_req, reply) =>
      reply.type('text/plain; version=0.0.4').send(metrics.render()),
    );
  };
}
