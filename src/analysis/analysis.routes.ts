import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isHub } from '../access/viewer.ts';
import { userOf } from '../http/context.ts';
import { decodeCursor, encodeCursor, errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import type { AnalysisService } from './analysis.service.ts';
import { warninglistsRoutes } from './warninglists/warninglists.routes.ts';

const tags = ['analyse'];
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 }));
const Cursor = Type.Optional(Type.String({ maxLength: 200 }));
const isOffset = (v: unknown): v is { o: number } => typeof v === 'object' && v !== null && Number.isInteger((v as { o: unknown }).o) && (v as { o: number }).o >= 0;
const isBefore = (v: unknown): v is { b: number } => typeof v === 'object' && v !== null && Number.isInteger((v as { b: unknown }).b) && (v as { b: number }).b > 0;

function cursor<T>(token: string | undefined, check: (v: unknown) => v is T): T | undefined {
  try {
    return decodeCursor(token, check);
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor this endpoint issued', { field: 'cursor' });
  }
}

/** `/api/v1/correlations`, `/clusters`, `/clusters/{id}`, `/root-sources`, `/priorities`, warninglists (warninglists.routes) and runs: each within the trust policy. */
export function analysisRoutes(analysis: AnalysisService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v1/correlations',
      {
        schema: {
          tags,
          summary: 'What one value correlates with (or why it never does), or the correlation summary of one of your ingests',
          querystring: Type.Object({ value: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })), ingest: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        const viewer = userOf(req);
        if (req.query.ingest !== undefined) return analysis.correlation.ofIngest(viewer, req.query.ingest);
        if (req.query.value === undefined) throw new AppError('validation_failed', 'value: give ?value=… (or ?ingest=ID)', { field: 'value' });
        return analysis.correlation.correlate(viewer, req.query.value);
      },
    );

    app.get(
      '/api/v1/root-sources',
      {
        schema: {
          tags,
          summary: 'Infrastructure ranked by how many incidents, malware, organisations and sectors point at it, explained term by term',
          querystring: Type.Object({ cursor: Cursor, limit: Limit, kind: Type.Optional(Type.String({ maxLength: 40, pattern: '^[a-z0-9-]+$' })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        const offset = cursor(req.query.cursor, isOffset)?.o ?? 0;
        const r = await analysis.views.rootSources(userOf(req), { offset, limit: req.query.limit ?? 50, kind: req.query.kind });
        return { items: r.items, next: r.nextOffset === null ? null : encodeCursor({ o: r.nextOffset }) };
      },
    );

    app.get(
      '/api/v1/priorities',
      {
        schema: {
          tags,
          summary: 'Clusters ranked by damage-weighted priority, explained term by term; referral candidates flagged',
          querystring: Type.Object({ cursor: Cursor, limit: Limit, referral: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        const offset = cursor(req.query.cursor, isOffset)?.o ?? 0;
        const r = await analysis.views.priorities(userOf(req), { offset, limit: req.query.limit ?? 50, referralOnly: req.query.referral });
        return { items: r.items, next: r.nextOffset === null ? null : encodeCursor({ o: r.nextOffset }), referral_threshold: r.referralThreshold };
      },
    );

    app.get(
      '/api/v1/clusters',
      { schema: { tags, summary: 'Clusters (campaign candidates) with a member you may see, newest first', querystring: Type.Object({ cursor: Cursor, limit: Limit }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } },
      async (req) => {
        const beforeId = cursor(req.query.cursor, isBefore)?.b;
        const r = await analysis.views.clusters(userOf(req), { beforeId, limit: req.query.limit ?? 50 });
        return { items: r.items, next: r.nextId === null ? null : encodeCursor({ b: r.nextId }) };
      },
    );

    app.get(
      '/api/v1/clusters/:id',
      {
        schema: {
          tags,
          summary: 'One cluster: members, evidence, priority explanation, history (merged, split); 404 when you may see none of it',
          params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => analysis.views.cluster(userOf(req), req.params.id),
    );

    await app.register(warninglistsRoutes(analysis.warninglists));

    app.post('/api/v1/analysis/runs', { schema: { tags, summary: 'Run the analysis now (hub analysts)', response: { ...okAny, ...errorResponses } } }, async (req, reply) => {
      if (!isHub(userOf(req))) throw new AppError('forbidden', 'only hub analysts run the analysis');
      reply.code(201);
      return analysis.run('api');
    });
  };
}
