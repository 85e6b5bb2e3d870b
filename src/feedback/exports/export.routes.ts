import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { userOf } from '../../http/context.ts';
import { StringEnum, errorResponses } from '../../http/schemas.ts';
import type { FeedsService } from '../feeds/feeds.service.ts';
import { EXPORT_EXT, EXPORT_FORMATS, buildExport, type ClusterObjects, type ExportFormat, type ExportRequest } from './export.builder.ts';

export type { ClusterObjects } from './export.builder.ts';

const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
const Query = Type.Object(
  {
    format: StringEnum(EXPORT_FORMATS),
    type: Type.Optional(Type.String({ maxLength: 500, description: 'comma-separated: STIX types (stix, misp) or url, domain-name, ipv4-addr, ipv6-addr, file (feeds)' })),
    ids: Type.Optional(Type.String({ maxLength: 100_000, description: 'comma-separated STIX ids (stix, misp)' })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    tlp: Type.Optional(StringEnum(TLPS, { description: 'stix, misp: objects seen at exactly this level; feeds: at most this level' })),
    min_confidence: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    algo: Type.Optional(StringEnum(['md5', 'sha1', 'sha256'] as const)),
    cluster: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

function list(s: string | undefined): string[] | undefined {
  return s ? [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))] : undefined;
}

function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const all = (Array.isArray(header) ? header.join(',') : header).split(',').map((t) => t.trim().replace(/^W\//, ''));
  return all.includes('*') || all.includes(etag);
}

/**
 * `GET /api/v1/export` (and `/api/v1/feeds/{format}`): any selection as a STIX 2.1 bundle or a MISP
 * event, and the council feeds (plain, CSV, JSON, Suricata, RPZ, hash lists, YARA), with ETag /
 * If-None-Match and since= for cheap polling. Large answers stream in constant memory.
 */
export function exportRoutes(db: Kysely<Database>, feeds: FeedsService, clusters: () => ClusterObjects | undefined): FastifyPluginAsyncTypebox {
  return async (app) => {
    const handler = async (format: ExportFormat, q: typeof Query.static, req: FastifyRequest, reply: FastifyReply) => {
      const v = userOf(req);
      const request: ExportRequest = {
        format,
        types: list(q.type),
        ids: list(q.ids),
        since: q.since ? new Date(q.since) : undefined,
        tlp: q.tlp,
        minConfidence: q.min_confidence,
        algo: q.algo,
        cluster: q.cluster,
        limit: q.limit,
      };
      const built = await buildExport(db, feeds, clusters(), v, request, { hasVersion: (etag) => etagMatches(req.headers['if-none-match'], etag) });
      if (built.etag) reply.header('etag', built.etag);
      if (built.notModified) return reply.status(304).send();
      reply.type(built.contentType).header('cache-control', 'private, no-cache').header('content-disposition', `inline; filename="kessetsu-${format}.${EXPORT_EXT[format]}"`).headers(built.headers);
      return reply.send(typeof built.body === 'string' ? built.body : Readable.from(built.body));
    };

    app.get('/api/v1/export', { schema: { tags: ['feed back'], summary: 'Export a selection (STIX, MISP) or a council feed (plain, CSV, JSON, Suricata, RPZ, hashes, YARA)', querystring: Query, response: errorResponses } }, async (req, reply) =>
      handler(req.query.format, req.query, req, reply),
    );
    app.get(
      '/api/v1/feeds/:format',
      { schema: { tags: ['feed back'], summary: 'A council feed by format (same as /api/v1/export?format=…)', params: Type.Object({ format: StringEnum(EXPORT_FORMATS) }), querystring: Type.Omit(Query, ['format']), response: errorResponses } },
      async (req, reply) => handler(req.params.format, { ...req.query, format: req.params.format }, req, reply),
    );
  };
}
