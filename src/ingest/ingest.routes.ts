import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { isHub } from '../access/viewer.ts';
import { StringEnum, Uuid, errorResponses } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { parsePap, parseTlp } from '../trust/tlp.ts';
import { readBody, type BodyLimits } from './body.ts';
import type { IngestService } from './ingest.service.ts';
import type { IngestTicket } from './ingest.quota.ts';
import type { IngestParams } from './ingest.params.ts';
import { REQUESTABLE_FORMATS } from './parsers/registry.ts';

const IdList = Type.String({ maxLength: 20_000, description: 'comma-separated ids' });
const IngestQuery = Type.Object(
  {
    format: Type.Optional(StringEnum(REQUESTABLE_FORMATS)),
    tlp: Type.Optional(Type.String({ maxLength: 30, description: 'clear, green, amber, amber+strict or red (TLP 1.0 white accepted)' })),
    pap: Type.Optional(Type.String({ maxLength: 20 })),
    orgs: Type.Optional(IdList),
    groups: Type.Optional(IdList),
    users: Type.Optional(IdList),
    anonymous: Type.Optional(Type.Boolean()),
    allow_count: Type.Optional(Type.Boolean()),
    confidence: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    dry_run: Type.Optional(Type.Boolean()),
    lenient: Type.Optional(Type.Boolean()),
    filename: Type.Optional(Type.String({ maxLength: 300 })),
    as_hub: Type.Optional(Type.Boolean({ description: "hub analysts only: write as the hub, whose versions lead over the owners' (audited)" })),
  },
  { additionalProperties: false },
);

const Issue = Type.Object({ where: Type.String(), reason: Type.String() });
const IngestReportSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.String(),
    format: Type.String(),
    dry_run: Type.Boolean(),
    counts: Type.Object({ objects: Type.Integer(), created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), rejected: Type.Integer() }),
    errors: Type.Array(Issue),
    warnings: Type.Array(Issue),
    tlp: Type.Record(Type.String(), Type.Integer()),
    summary: Type.Record(Type.String(), Type.Unknown()),
    by_type: Type.Optional(Type.Record(Type.String(), Type.Integer())),
    preview: Type.Optional(Type.Unknown({ description: 'dry runs: observables and indicators that would be shared, with warninglist hits and what the caller can already see' })),
    created_at: Type.String(),
    finished_at: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'IngestReport' },
);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function ids(field: string, raw: string | undefined): string[] {
  if (!raw) return [];
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((s) => !UUID_RE.test(s));
  if (bad !== undefined) throw new AppError('validation_failed', `${field}: "${bad.slice(0, 60)}" is not an id`, { field });
  return [...new Set(list.map((s) => s.toLowerCase()))];
}

/** What the admission of an ingest request decided: its quota ticket and the ceilings of its body. */
interface Admission {
  readonly ticket: IngestTicket;
  readonly limits: BodyLimits;
}

/**
 * `POST /api/v1/ingest` (the body is the file) and `GET /api/v1/ingests/{id}`. The caller is
 * authenticated and admitted (per-organisation concurrency, daily bytes) before the body is read; the
 * body is streamed and inflated under its ceilings (issue 10.5).
 */
export function ingestRoutes(ingest: IngestService, limits: BodyLimits): FastifyPluginAsyncTypebox {
  return async (app) => {
    const admitted = new WeakMap<FastifyRequest, Admission>();
    // Inside this plugin every body is taken as raw bytes: the file is the body, whatever its type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', async (req: FastifyRequest) => {
      const a = admitted.get(req);
      const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
      return readBody(req.raw, a?.limits ?? limits, { ...(declared === undefined ? {} : { declaredLength: declared }), ...(req.headers['content-encoding'] ? { contentEncoding: String(req.headers['content-encoding']) } : {}) });
    });

    app.post(
      '/api/v1/ingest',
      {
        // Before a byte of the body is read: who is it, may their organisation start another ingest now?
        preParsing: async (req, reply, payload) => {
          const viewer = userOf(req);
          const ticket = ingest.quota.admit(viewer);
          // The request gives its place back when it ends, unless the ingest (or its job) took it over.
          reply.raw.once('close', () => {
            if (!ticket.handedOver) ticket.release();
          });
          const left = await ingest.quota.remainingToday(viewer);
          const narrowed = left !== null && left < limits.maxBytes ? { ...limits, maxBytes: left, maxBytesName: "the organisation's daily quota (KESSETSU_INGEST_BYTES_PER_DAY)" } : limits;
          admitted.set(req, { ticket, limits: narrowed });
          return payload;
        },
        schema: { tags: ['collect'], summary: 'Ingest a file (STIX, MISP, CSV, text, e-mail, STIX 1.x, OpenIOC, Cowrie honeypot JSON); gzip allowed', querystring: IngestQuery, response: { 200: IngestReportSchema, 202: IngestReportSchema, ...errorResponses, 413: errorResponses[400], 415: errorResponses[400], 422: errorResponses[400] } },
      },
      async (req, reply) => {
        const viewer = userOf(req);
        const q = req.query;
        const tlp = q.tlp === undefined ? undefined : parseTlp(q.tlp);
        if (q.tlp !== undefined && !tlp) throw new AppError('validation_failed', `tlp: "${q.tlp.slice(0, 30)}" is not a TLP level (clear, green, amber, amber+strict, red)`, { field: 'tlp' });
        const pap = q.pap === undefined ? undefined : parsePap(q.pap);
        if (q.pap !== undefined && !pap) throw new AppError('validation_failed', `pap: "${q.pap.slice(0, 20)}" is not a PAP level`, { field: 'pap' });
        if (q.as_hub && !isHub(viewer)) throw new AppError('forbidden', 'as_hub: only hub analysts may write versions that lead over their owners\' (an audited step)', { field: 'as_hub' });
        if (q.allow_count && tlp === 'red') throw new AppError('validation_failed', 'allow_count: never allowed for TLP:RED', { field: 'allow_count' });
        const body = req.body as Buffer | undefined;
        if (!body || body.length === 0) throw new AppError('bad_request', 'the body is empty: send the file as the request body');
        const params: IngestParams = {
          format: q.format ?? 'auto',
          tlp,
          pap,
          orgs: ids('orgs', q.orgs),
          groups: ids('groups', q.groups),
          users: ids('users', q.users),
          anonymous: q.anonymous ?? false,
          allowCount: q.allow_count,
          confidence: q.confidence,
          dryRun: q.dry_run ?? false,
          lenient: q.lenient ?? false,
          filename: q.filename,
          source: 'api',
          asHub: q.as_hub ?? false,
        };
        const report = await ingest.ingest(viewer, body, params, admitted.get(req)?.ticket);
        if (report.status === 'failed') {
          const first = report.errors[0];
          throw new AppError('unprocessable', `nothing was imported: ${report.errors.length} error(s)${first ? `, first at ${first.where}: ${first.reason}` : ''}`, report);
        }
        return reply.status(report.status === 'done' ? 200 : 202).send(report);
      },
    );

    app.get('/api/v1/ingests/:id', { schema: { tags: ['collect'], summary: 'Status and outcome of an ingest', params: Type.Object({ id: Uuid }), response: { 200: IngestReportSchema, ...errorResponses } } }, async (req) =>
      ingest.report(userOf(req), req.params.id),
    );
  };
}
