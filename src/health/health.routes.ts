import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Storage } from '../db/database.ts';
import { pendingMigrations } from '../db/migrator.ts';
import type { Metrics } from '../http/metrics.ts';
import { isHub } from '../access/viewer.ts';
import { viewerOf } from '../http/context.ts';
import { AppError } from '../shared/errors.ts';

const tags = ['operations'];

/**
 * Liveness, readiness and Prometheus metrics. Metrics need a hub or admin key unless `publicMetrics`
 * opens them; callers other than the hub never see counts of shared data.
 */
export function healthRoutes(storage: Storage, metrics: Metrics, opts: { publicMetrics?: boolean } = {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', { schema: { tags, summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

    app.get(
      '/readyz',
      { schema: { tags, summary: 'Readiness: database reachable and migrations current', response: { 200: Type.Object({ status: Type.String(), storage: Type.String(), pending_migrations: Type.Array(Type.String()) }), 503: Type.Object({ status: Type.String(), storage: Type.String(), pending_migrations: Type.Array(Type.String()), reason: Type.String() }) } } },
      async (req, reply) => {
        // A full disk or a server that just went away (issue 10.6): say so, not "ready".
        const fault = storage.faults?.current;
        if (fault?.kind === 'disk_full') return reply.status(503).send({ status: 'not ready', storage: storage.kind, pending_migrations: [], reason: `database out of disk space since ${fault.since.toISOString()}: writes are refused until space is freed` });
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

    app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics (hub or admin key, unless KESSETSU_METRICS_PUBLIC)', hide: false } }, async (req, reply) => {
      const v = viewerOf(req);
      if (!opts.publicMetrics) {
        if (v.kind !== 'user') throw new AppError('unauthorized', 'metrics need a hub or admin API key (or KESSETSU_METRICS_PUBLIC=true)');
        if (!isHub(v)) throw new AppError('forbidden', 'metrics are for the hub’s operators');
      }
      return reply.type('text/plain; version=0.0.4').send(metrics.render({ data: isHub(v) }));
    });
  };
}
