import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isHub } from '../access/viewer.ts';
import { userOf } from '../http/context.ts';
import { StringEnum, errorResponses, okAny } from '../http/schemas.ts';
import { inflateBody } from '../ingest/body.ts';
import { REQUESTABLE_FORMATS } from '../ingest/parsers/registry.ts';
import { AppError } from '../shared/errors.ts';
import { parseTlp } from '../trust/tlp.ts';
import type { CaseFilesService } from '../cases/case-files.service.ts';
import type { CasesService } from '../cases/cases.service.ts';
import type { EvidenceService } from './evidence.service.ts';

const tags = ['neutralise'];
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'evidence';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name.slice(0, 200))}`;
}

/** Evidence, referral packages, results and verification: routes whose body is a file (raw bytes). */
export function evidenceRoutes(files: CaseFilesService, cases: CasesService, evidence: EvidenceService, limits: { evidenceLimit: number; ingestLimit: number }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.evidenceLimit }, (_req, body, done) => done(null, body));

    // The file is streamed to the evidence store as it arrives (never whole in memory), up to evidenceLimit.
    await app.register(async (plain) => {
      const streamed = plain.withTypeProvider<TypeBoxTypeProvider>();
      streamed.removeAllContentTypeParsers();
      streamed.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      streamed.post(
        '/api/v1/cases/:id/evidence',
        {
          bodyLimit: limits.evidenceLimit,
          schema: {
            tags,
            summary: 'Add an evidence item (the body is the file; or ?object_id= for a STIX object); stored by SHA-256 with its custody',
            params: Id,
            querystring: Type.Object(
              {
                kind: Type.Optional(StringEnum(['file', 'email', 'stix'] as const)),
                filename: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
                media_type: Type.Optional(Type.String({ maxLength: 200 })),
                method: Type.Optional(Type.String({ maxLength: 2000 })),
                collected_at: Type.Optional(Type.String({ format: 'date-time' })),
                object_id: Type.Optional(Type.String({ maxLength: 200 })),
              },
              { additionalProperties: false },
            ),
            response: { ...okAny, ...errorResponses },
          },
        },
        async (req, reply) => {
          const viewer = userOf(req);
          const q = req.query;
          reply.code(201);
          if (q.object_id) return files.addStixEvidence(viewer, req.params.id, q.object_id, q.method ?? 'copied from the hub store');
          const body = req.body as Readable | undefined;
          const length = req.headers['content-length'];
          if (!(body instanceof Readable) || length === '0' || (length === undefined && !req.headers['transfer-encoding'])) throw new AppError('validation_failed', 'body: the evidence file is empty', { field: 'body' });
          if (length !== undefined && Number(length) > limits.evidenceLimit) throw new AppError('payload_too_large', `evidence larger than ${limits.evidenceLimit} bytes`);
          const kind = q.kind ?? 'file';
          return files.addEvidence(viewer, req.params.id, {
            kind,
            filename: q.filename ?? (kind === 'email' ? 'message.eml' : 'evidence.bin'),
            mediaType: q.media_type ?? (kind === 'email' ? 'message/rfc822' : String(req.headers['content-type'] ?? 'application/octet-stream')),
            content: body,
            maxBytes: limits.evidenceLimit,
            method: q.method,
            collectedAt: q.collected_at ? new Date(q.collected_at) : undefined,
          });
        },
      );
    });

    app.get('/api/v1/cases/:id/evidence', { schema: { tags, summary: 'Evidence items of a case, each re-checked against its SHA-256', params: Id, response: { ...okAny, ...errorResponses } } }, async (req) => ({
      items: await files.listEvidence(userOf(req), req.params.id),
      next: null,
    }));

    app.get(
      '/api/v1/cases/:id/evidence/:eid',
      { schema: { tags, summary: 'Download an evidence item (409 when the stored file no longer matches its hash)', params: Type.Object({ id: Type.String({ maxLength: 64 }), eid: Type.String({ maxLength: 64 }) }) } },
      async (req, reply) => {
        const f = await files.download(userOf(req), req.params.id, req.params.eid);
        reply.header('content-type', f.mediaType).header('content-disposition', attachment(f.filename)).header('x-content-sha256', f.sha256);
        return reply.send(f.stream);
      },
    );

    app.get(
      '/api/v1/cases/:id/evidence/:eid/custody',
      { schema: { tags, summary: 'Custody log of an evidence item and its integrity now', params: Type.Object({ id: Type.String({ maxLength: 64 }), eid: Type.String({ maxLength: 64 }) }), response: { ...okAny, ...errorResponses } } },
      async (req) => files.custody(userOf(req), req.params.id, req.params.eid),
    );

    app.post('/api/v1/cases/:id/packages', { schema: { tags, summary: 'Build the signed referral package (hub analysts)', params: Id, response: { ...okAny, ...errorResponses } } }, async (req, reply) => {
      reply.code(201);
      return files.exportPackage(userOf(req), req.params.id);
    });

    app.get('/api/v1/cases/:id/packages', { schema: { tags, summary: 'Referral packages of a case', params: Id, response: { ...okAny, ...errorResponses } } }, async (req) => ({ items: await files.packages(userOf(req), req.params.id), next: null }));

    app.get(
      '/api/v1/cases/:id/packages/:pid',
      { schema: { tags, summary: 'Download a referral package (tar); a transfer in the custody log', params: Type.Object({ id: Type.String({ maxLength: 64 }), pid: Type.String({ maxLength: 64 }) }) } },
      async (req, reply) => {
        const f = await files.downloadPackage(userOf(req), req.params.id, req.params.pid);
        reply.header('content-type', 'application/x-tar').header('content-disposition', attachment(f.filename)).header('x-content-sha256', f.sha256);
        return reply.send(f.stream);
      },
    );

    app.post(
      '/api/v1/evidence/verify',
      { bodyLimit: limits.evidenceLimit, schema: { tags, summary: 'Verify a referral package (the body) against this hub’s signing key', response: { ...okAny, ...errorResponses } } },
      async (req) => {
        const body = req.body as Buffer | undefined;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('validation_failed', 'body: send the package archive', { field: 'body' });
        return files.verifyUpload(userOf(req), Readable.from([body]));
      },
    );

    app.post('/api/v1/evidence/check', { schema: { tags, summary: 'Re-hash every stored evidence file and walk the custody chain (hub analysts)', response: { ...okAny, ...errorResponses } } }, async (req) => {
      if (!isHub(userOf(req))) throw new AppError('forbidden', 'only hub analysts check the evidence store');
      const r = await evidence.checkAll();
      const custody = r.custody.ok ? r.custody : { ok: false, entries: r.custody.entries, broken_at: r.custody.brokenAt, reason: r.custody.reason }; // snake_case (issue 11.7)
      return { ok: r.failures.length === 0 && r.custody.ok, items: r.items, failures: r.failures, custody };
    });

    app.post(
      '/api/v1/cases/:id/results',
      {
        bodyLimit: limits.ingestLimit,
        schema: {
          tags,
          summary: 'The assigned police post investigation results (a file, as for ingest) at the TLP they choose',
          params: Id,
          querystring: Type.Object({ tlp: Type.String({ maxLength: 30 }), format: Type.Optional(StringEnum(REQUESTABLE_FORMATS)), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        const tlp = parseTlp(req.query.tlp);
        if (!tlp) throw new AppError('validation_failed', `tlp: "${req.query.tlp.slice(0, 30)}" is not a TLP level`, { field: 'tlp' });
        const body = req.body as Buffer | undefined;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('validation_failed', 'body: the results file is empty', { field: 'body' });
        return cases.postResults(userOf(req), req.params.id, inflateBody(body, limits.ingestLimit), { format: req.query.format ?? 'auto', tlp, note: req.query.note });
      },
    );
  };
}
