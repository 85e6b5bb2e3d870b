import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf, viewerOf } from '../http/context.ts';
import { StringEnum, errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { barChart, lineChart } from './chart.svg.ts';
import type { ReportsService } from './reports/reports.service.ts';
import type { StatsService } from './stats.service.ts';

const tags = ['statistics'];
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z][a-z0-9_.]*$' }) });
const Range = {
  from: Type.Optional(Type.String({ maxLength: 12, description: 'first period shown: 2015, FY2015, 2015H1, 2015-10, 2015-10-05' })),
  to: Type.Optional(Type.String({ maxLength: 12, description: 'last period shown' })),
};
const CSV_LIMIT = 20 * 1024 * 1024;

/**
 * `/api/v1/stats/series` (list, one series with year-over-year changes, CSV and JSON exports, SVG charts,
 * CSV import and publishing for hub analysts) and `/api/v1/stats/reports` (monthly and annual reports as
 * HTML or PDF). Published series and CLEAR-based platform series answer without a key.
 */
export function statsRoutes(stats: StatsService, reports: ReportsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: CSV_LIMIT }, (_req, body, done) => done(null, body));

    app.get('/api/v1/stats/series', { schema: { tags, summary: 'Statistic series the caller may see: published tables, the hub\'s own series, and (hub analysts) unpublished imports', response: { ...okAny, ...errorResponses } } }, async (req) => ({
      items: await stats.list(viewerOf(req)),
      next: null,
    }));

    app.get(
      '/api/v1/stats/series/:id',
      {
        schema: {
          tags,
          summary: 'One series: categories, values with year-over-year change phrased as the white papers do (en, ja), and the sums the table promises; format=csv exports it',
          params: Id,
          querystring: Type.Object({ ...Range, format: Type.Optional(StringEnum(['json', 'csv'] as const)) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req, reply) => {
        const range = { from: req.query.from, to: req.query.to };
        if (req.query.format === 'csv') {
          const csv = await stats.exportCsv(viewerOf(req), req.params.id, range);
          return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.id}.csv"`).send(csv);
        }
        const view = await stats.get(viewerOf(req), req.params.id, range);
        if (req.query.format === 'json') reply.header('content-disposition', `attachment; filename="${req.params.id}.json"`);
        return view;
      },
    );

    app.get(
      '/api/v1/stats/series/:id/chart.svg',
      {
        schema: {
          tags,
          summary: 'A chart of the series as SVG: trend lines over periods, or (?period=) bars of one period\'s categories',
          params: Id,
          querystring: Type.Object(
            { ...Range, lang: Type.Optional(StringEnum(['en', 'ja'] as const)), period: Type.Optional(Type.String({ maxLength: 12 })), categories: Type.Optional(Type.String({ maxLength: 1000, description: 'comma-separated category keys' })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.String(), ...errorResponses },
        },
      },
      async (req, reply) => {
        const lang = req.query.lang ?? 'en';
        const v = await stats.get(viewerOf(req), req.params.id, { from: req.query.from, to: req.query.to });
        const wanted = req.query.categories ? new Set(req.query.categories.split(',')) : null;
        const cats = v.categories.filter((c) => (wanted ? wanted.has(c.key) : v.values.some((x) => x.category === c.key)));
        const label = (c: (typeof cats)[number]): string => c.label[lang] || c.key;
        const svg = req.query.period
          ? barChart({ title: `${v.title[lang]} (${req.query.period})`, bars: cats.filter((c) => c.key !== 'total').flatMap((c) => v.values.filter((x) => x.category === c.key && x.period === req.query.period).map((x) => ({ label: label(c), value: x.value }))) })
          : lineChart({ title: v.title[lang], periods: v.periods, lines: cats.slice(0, 8).map((c) => ({ label: label(c), values: v.periods.map((p) => v.values.find((x) => x.category === c.key && x.period === p)?.value ?? null) })) });
        return reply.type('image/svg+xml; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(svg);
      },
    );

    app.post(
      '/api/v1/stats/series/import',
      {
        schema: {
          tags,
          summary: 'Import series from CSV (hub analysts; body text/csv in the documented format). All or nothing: bad lines answer 422 with each line number',
          querystring: Type.Object({ publish: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req, reply) => {
        if (typeof req.body !== 'string') throw new AppError('unsupported_media_type', 'send the CSV as text/csv');
        const r = await stats.importCsv(userOf(req), req.body, { publish: req.query.publish });
        return reply.status(201).send(r);
      },
    );

    app.post(
      '/api/v1/stats/series/:id/publish',
      { schema: { tags, summary: 'Make a stored series public, or take it back (hub analysts)', params: Id, body: Type.Object({ published: Type.Boolean() }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } },
      async (req) => {
        await stats.publish(userOf(req), req.params.id, req.body.published);
        return { id: req.params.id, published: req.body.published };
      },
    );

    app.delete('/api/v1/stats/series/:id', { schema: { tags, summary: 'Delete a stored series (hub analysts)', params: Id, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      await stats.remove(userOf(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.get('/api/v1/stats/reports', { schema: { tags, summary: 'Reports the schedule generated (hub analysts)', response: { ...okAny, ...errorResponses } } }, async (req) => ({
      items: await reports.stored(userOf(req)),
      next: null,
    }));

    app.get(
      '/api/v1/stats/reports/stored/:id',
      { schema: { tags, summary: 'One generated report (hub analysts)', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: Type.Any(), ...errorResponses } } },
      async (req, reply) => {
        const r = await reports.storedContent(userOf(req), req.params.id);
        return reply.type(r.contentType).header('content-disposition', `inline; filename="${r.filename}"`).send(r.body);
      },
    );

    app.get(
      '/api/v1/stats/reports/:period',
      {
        schema: {
          tags,
          summary: 'The report of a period (2026-10 monthly; 2026, FY2026 annual; 2026H1) rendered now for the caller, in Japanese or English, as HTML or PDF',
          params: Type.Object({ period: Type.String({ maxLength: 12 }) }),
          querystring: Type.Object({ lang: Type.Optional(StringEnum(['en', 'ja'] as const)), format: Type.Optional(StringEnum(['html', 'pdf'] as const)) }, { additionalProperties: false }),
          response: { 200: Type.Any(), ...errorResponses },
        },
      },
      async (req, reply) => {
        const r = await reports.render(userOf(req), req.params.period, req.query.lang ?? 'ja', req.query.format ?? 'html');
        // The report is inline SVG and CSS only: nothing to load, nothing to run.
        return reply.type(r.contentType).header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").header('content-disposition', `inline; filename="${r.filename}"`).send(r.body);
      },
    );
  };
}
