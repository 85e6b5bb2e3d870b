import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { userOf } from '../../http/context.ts';
import { StringEnum, errorResponses } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { FEED_FORMATS, FEED_TYPES, type FeedFormat, type FeedsService } from '../feeds/feeds.service.ts';
import { mispEvent } from './misp.export.ts';
import { stixBundle } from './stix.export.ts';
import type { Selection } from './selection.query.ts';

/** Resolves a cluster id to its objects (the analysis area), within the caller's view. */
export type ClusterObjects = (clusterId: string) => Promise<readonly string[] | undefined>;

const FORMATS = ['stix', 'misp', ...FEED_FORMATS] as const;
type ExportFormat = (typeof FORMATS)[number];
const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;

const Query = Type.Object(
  {
    format: StringEnum(FORMATS),
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

const EXT: Readonly<Record<ExportFormat, string>> = { stix: 'json', misp: 'json', plain: 'txt', csv: 'csv', json: 'json', suricata: 'rules', rpz: 'zone', hashes: 'txt', yara: 'yar' };
const STIX_ID = /^[a-z0-9][a-z0-9-]{0,250}--[0-9a-fA-F-]{36}$/;

function list(s: string | undefined): string[] {
  return s ? [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))] : [];
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
    const handler = async (format: ExportFormat, q: typeof Query.static, req: Parameters<typeof userOf>[0], reply: FastifyReply) => {
      const v = userOf(req);
      const since = q.since ? new Date(q.since) : undefined;
      const now = new Date();
      let body: AsyncIterable<string> | string;
      let contentType: string;
      let etag: string | undefined;
      if (format === 'stix' || format === 'misp') {
        const ids = list(q.ids);
        const bad = ids.find((id) => !STIX_ID.test(id));
        if (bad) throw new AppError('validation_failed', `ids: "${bad.slice(0, 80)}" is not a STIX id`, { field: 'ids' });
        if (q.cluster) {
          const resolve = clusters();
          if (!resolve) throw new AppError('validation_failed', 'cluster: clusters are not available on this hub yet', { field: 'cluster' });
          const members = await resolve(q.cluster);
          if (!members) throw new AppError('not_found', `cluster ${q.cluster} not found`, { id: q.cluster });
          ids.push(...members);
        }
        const sel: Selection = { types: list(q.type), ids: q.cluster && !ids.length ? ['none--00000000-0000-0000-0000-000000000000'] : ids, since, tlp: q.tlp, limit: q.limit };
        if (format === 'stix') {
          body = stixBundle(db, v, sel);
          contentType = 'application/stix+json;version=2.1';
        } else {
          body = JSON.stringify(await mispEvent(db, v, sel, now));
          contentType = 'application/json; charset=utf-8';
        }
      } else {
        const types = list(q.type);
        const unknown = types.find((t) => !(FEED_TYPES as readonly string[]).includes(t));
        if (unknown) throw new AppError('validation_failed', `type: "${unknown.slice(0, 40)}" is not one of ${FEED_TYPES.join(', ')}`, { field: 'type' });
        const r = { format: format as FeedFormat, types: types as (typeof FEED_TYPES)[number][], algo: q.algo, minConfidence: q.min_confidence, since, maxTlp: q.tlp };
        etag = await feeds.etag(v, r, now);
        if (etagMatches(req.headers['if-none-match'], etag)) return reply.status(304).header('etag', etag).send();
        if (format === 'yara') {
          const y = await feeds.yara(v, now);
          body = y.source;
          reply.header('x-kessetsu-yara-skipped', String(y.skipped.length)).header('x-kessetsu-yara-compiled', String(y.compiled));
        } else body = feeds.stream(v, r, now);
        contentType = feeds.contentType(format as FeedFormat);
      }
      reply
        .type(contentType)
        .header('cache-control', 'private, no-cache')
        .header('content-disposition', `inline; filename="kessetsu-${format}.${EXT[format]}"`);
      if (etag) reply.header('etag', etag);
      return reply.send(typeof body === 'string' ? body : Readable.from(body));
    };

    app.get('/api/v1/export', { schema: { tags: ['feed back'], summary: 'Export a selection (STIX, MISP) or a council feed (plain, CSV, JSON, Suricata, RPZ, hashes, YARA)', querystring: Query, response: errorResponses } }, async (req, reply) =>
      handler(req.query.format, req.query, req, reply),
    );
    app.get(
      '/api/v1/feeds/:format',
      { schema: { tags: ['feed back'], summary: 'A council feed by format (same as /api/v1/export?format=…)', params: Type.Object({ format: StringEnum(FORMATS) }), querystring: Type.Omit(Query, ['format']), response: errorResponses } },
      async (req, reply) => handler(req.params.format, { ...req.query, format: req.params.format }, req, reply),
    );
  };
}
