import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { viewerOf } from '../http/context.ts';
import { errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import type { AbuseGuard } from './abuse.guard.ts';
import { CATEGORY_INFO, HOTLINE_CATEGORIES } from './categories.ts';
import { formPage, receiptPage, statusPage, tooManyPage, type Lang } from './public.pages.ts';
import { ReportRefused, type ReportsService } from './reports.service.ts';

const tags = ['hotline'];
/** Largest form body, in bytes (the description limit with room for URLs and encoding). */
const FORM_LIMIT = 64 * 1024;

function langOf(req: FastifyRequest, given?: unknown): Lang {
  if (given === 'en' || given === 'ja') return given;
  const q = (req.query as { lang?: string } | undefined)?.lang;
  if (q === 'en' || q === 'ja') return q;
  return /^en\b/i.test(String(req.headers['accept-language'] ?? '')) ? 'en' : 'ja';
}

function html(reply: FastifyReply, status: number, body: string): string {
  reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store');
  return body;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);

/**
 * The public hotline: `/hotline` (server-rendered form, ja/en, no JavaScript needed), the receipt and
 * status pages, and the same as JSON under `/api/v1/hotline/reports` (volunteers and members use
 * their key). Per-address rate limit, honeypot field and optional proof-of-work.
 */
export function publicHotlineRoutes(reports: ReportsService, guard: AbuseGuard): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Plain HTML forms post urlencoded bodies; parsed here only (this plugin's scope).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
      const out: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in out)) out[k] = v;
      done(null, out);
    });

    const powFor = () => (guard.powBits > 0 ? { challenge: guard.challenge(), bits: guard.powBits } : undefined);

    /** The checks every submission goes through before it is read; a string is the refusal. */
    const screen = (req: FastifyRequest, body: Record<string, unknown>): 'honeypot' | 'rate' | string | null => {
      if (str(body.website)) return 'honeypot';
      if (viewerOf(req).kind === 'public' && !guard.take(req.ip)) return 'rate';
      return guard.verifyPow(str(body.pow_challenge), str(body.pow_solution));
    };

    app.get('/hotline', { schema: { hide: true } }, async (req, reply) => html(reply, 200, formPage(langOf(req), { pow: powFor() })));

    app.post('/hotline', { schema: { hide: true }, bodyLimit: FORM_LIMIT }, async (req, reply) => {
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      const lang = langOf(req, str(body.lang));
      const values = { urls: str(body.urls), category: str(body.category), description: str(body.description), contact: str(body.contact) };
      const refusal = screen(req, body);
      // A filled honeypot gets what a success looks like, and nothing is stored.
      if (refusal === 'honeypot') return html(reply, 200, receiptPage(lang, { receipt: fakeReceipt(), urls: [] }));
      if (refusal === 'rate') return html(reply.header('retry-after', '3600'), 429, tooManyPage(lang));
      if (refusal) return html(reply, 400, formPage(lang, { values, problems: [{ field: 'pow', reason: refusal }], pow: powFor() }));
      try {
        const v = viewerOf(req);
        const r = await reports.submit({ urls: values.urls ?? '', category: values.category ?? '', description: values.description, contact: values.contact, lang }, v.kind === 'user' ? v : undefined);
        return html(reply, 201, receiptPage(lang, r));
      } catch (err) {
        if (err instanceof ReportRefused) return html(reply, 400, formPage(lang, { values, problems: err.problems, pow: powFor() }));
        throw err;
      }
    });

    app.get('/hotline/status', { schema: { hide: true } }, async (req, reply) => {
      const receipt = str((req.query as Record<string, unknown>).receipt)?.trim().toUpperCase() ?? '';
      const s = await reports.status(receipt);
      return html(reply, s ? 200 : 404, statusPage(langOf(req), s));
    });

    app.post(
      '/api/v1/hotline/reports',
      {
        schema: {
          tags,
          summary: 'Report URLs of illegal or harmful content (no key needed; volunteers use theirs); answers a receipt number',
          security: [],
          body: Type.Object(
            {
              urls: Type.Union([Type.String({ maxLength: 50_000 }), Type.Array(Type.String({ maxLength: 5000 }), { maxItems: 100 })]),
              category: Type.String({ maxLength: 40 }),
              description: Type.Optional(Type.String({ maxLength: 100_000 })),
              contact: Type.Optional(Type.String({ maxLength: 5000 })),
              lang: Type.Optional(Type.String({ maxLength: 5 })),
              website: Type.Optional(Type.String({ maxLength: 5000 })),
              pow_challenge: Type.Optional(Type.String({ maxLength: 200 })),
              pow_solution: Type.Optional(Type.String({ maxLength: 20 })),
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req, reply) => {
        const refusal = screen(req, req.body);
        if (refusal === 'honeypot') return reply.code(201).send({ receipt: fakeReceipt(), urls: [] });
        if (refusal === 'rate') throw new AppError('rate_limited', 'too many reports from this address; try again in an hour');
        if (refusal) throw new AppError('validation_failed', `pow: ${refusal}`, { field: 'pow', reason: refusal });
        const v = viewerOf(req);
        reply.code(201);
        return reports.submit(req.body, v.kind === 'user' ? v : undefined);
      },
    );

    app.get('/api/v1/hotline/reports/:receipt', { schema: { tags, summary: 'The status of a report by its receipt number', security: [], params: Type.Object({ receipt: Type.String({ maxLength: 40 }) }), response: { ...okAny, ...errorResponses } } }, async (req) => {
      const s = await reports.status(req.params.receipt.toUpperCase());
      if (!s) throw new AppError('not_found', 'no report with this receipt number');
      return s;
    });

    app.get('/api/v1/hotline/categories', { schema: { tags, summary: 'Report categories with guidance and the usual legal bases', security: [], response: okAny } }, async () => ({
      items: HOTLINE_CATEGORIES.map((c) => ({ key: c, name: { ja: CATEGORY_INFO[c].ja, en: CATEGORY_INFO[c].en }, guidance: CATEGORY_INFO[c].guidance, priority: CATEGORY_INFO[c].priority, legal_bases: CATEGORY_INFO[c].legalBases, becomes_indicator: CATEGORY_INFO[c].indicator !== null })),
    }));

    app.get('/api/v1/hotline/pow', { schema: { tags, summary: 'A proof-of-work challenge (bits 0: none asked)', security: [], response: okAny } }, async () => (guard.powBits > 0 ? { challenge: guard.challenge(), bits: guard.powBits } : { challenge: null, bits: 0 }));
  };
}

function fakeReceipt(): string {
  const h = randomBytes(6).toString('hex').toUpperCase();
  return `H-${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8)}`;
}
