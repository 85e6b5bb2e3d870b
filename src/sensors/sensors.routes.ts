import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { StringEnum, Uuid, errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { listDetections } from './detect/detections.repository.ts';
import type { Sensors } from './sensors.module.ts';
import { presentSensor } from './sensors.service.ts';
import { reportWindow } from './reports/observations.service.ts';

const tags = ['sense'];
const Tlp = StringEnum(['clear', 'green', 'amber', 'amber+strict', 'red'] as const);
const Kind = StringEnum(['telescope', 'honeypot', 'ids', 'other'] as const);
const Ids = Type.Array(Uuid, { maxItems: 1000 });
const SensorFields = {
  label: Type.String({ minLength: 1, maxLength: 200 }),
  kind: Kind,
  address_space: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000, description: 'CIDRs the sensor watches (detail: owner and hub only)' }),
  share_tlp: Tlp,
  share_orgs: Ids,
  share_groups: Ids,
  public_summary: Type.Boolean({ description: "may the hub's published observation summaries count this sensor (aggregates only)" }),
  rate_limit: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'events per second this sensor may post' }),
};
const NewSensor = Type.Object(
  {
    label: SensorFields.label,
    kind: Type.Optional(SensorFields.kind),
    address_space: Type.Optional(SensorFields.address_space),
    org_id: Type.Optional(Uuid),
    share_tlp: Type.Optional(SensorFields.share_tlp),
    share_orgs: Type.Optional(SensorFields.share_orgs),
    share_groups: Type.Optional(SensorFields.share_groups),
    public_summary: Type.Optional(SensorFields.public_summary),
    rate_limit: Type.Optional(SensorFields.rate_limit),
  },
  { additionalProperties: false },
);
const SensorPatch = Type.Partial(Type.Object(SensorFields), { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const CsvIds = Type.String({ maxLength: 40_000, description: 'comma-separated sensor ids' });
const ReportQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    resolution: Type.Optional(StringEnum(['minute', 'hour', 'day'] as const)),
    sensors: Type.Optional(CsvIds),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    heatmap_ports: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
const BatchReport = Type.Object({ accepted: Type.Integer(), rejected: Type.Integer(), errors: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })) });

function csv(raw: string | undefined): string[] | undefined {
  if (!raw) return undefined;
  const list = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (list.some((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s))) throw new AppError('validation_failed', 'sensors: comma-separated sensor ids', { field: 'sensors' });
  return [...new Set(list)];
}

function bearerOf(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/** Sensors, their events, stats and detections, and observation reports. */
export function sensorsRoutes(sensors: Sensors): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api/v1/sensors', { schema: { tags, summary: 'Register a sensor; answers its id and key (shown once)', body: NewSensor, response: { ...okAny, ...errorResponses } } }, async (req, reply) => {
      const r = await sensors.registry.register(userOf(req), req.body);
      return reply.status(201).send({ ...r.sensor, key: r.key });
    });
    app.get('/api/v1/sensors', { schema: { tags, summary: 'Sensors the caller sees (its own and the hub: in detail)', response: { ...okAny, ...errorResponses } } }, async (req) => ({ items: await sensors.registry.list(userOf(req)), next: null }));
    app.get('/api/v1/sensors/detections', { schema: { tags, summary: 'Detections of the sensors whose detail the caller sees', querystring: Type.Object({ from: Type.Optional(Type.String({ maxLength: 40 })), to: Type.Optional(Type.String({ maxLength: 40 })), kind: Type.Optional(Type.String({ maxLength: 100 })), sensors: Type.Optional(CsvIds), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } }, async (req) => {
      const v = userOf(req);
      const w = reportWindow({ from: req.query.from, to: req.query.to, resolution: 'day' }, Date.now());
      const visible = await sensors.observations.visible(v, csv(req.query.sensors));
      const mine = visible.filter((s) => sensors.seesDetail(v, s)).map((s) => s.id);
      const kinds = req.query.kind?.split(',').map((k) => k.trim()).filter(Boolean);
      const rows = await listDetections(sensors.db, mine, w.from, w.to, { ...(kinds ? { kinds } : {}), limit: req.query.limit ?? 200 });
      return { items: rows.map((r) => ({ id: r.id, sensor_id: r.sensor_id, kind: r.kind, subject: r.subject, minute: r.bucket.toISOString(), score: r.score, details: r.details })), next: null };
    });
    app.get('/api/v1/sensors/:id', { schema: { tags, summary: 'One sensor', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const v = userOf(req);
      return presentSensor(await sensors.registry.get(v, req.params.id), v);
    });
    app.patch('/api/v1/sensors/:id', { schema: { tags, summary: 'Change a sensor (owner, hub)', params: IdParams, body: SensorPatch, response: { ...okAny, ...errorResponses } } }, async (req) => sensors.registry.update(userOf(req), req.params.id, req.body));
    app.delete('/api/v1/sensors/:id', { schema: { tags, summary: 'Revoke a sensor: its key stops working; its aggregates stay', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) => {
      return sensors.registry.revoke(userOf(req), req.params.id);
    });
    app.post('/api/v1/sensors/:id/key', { schema: { tags, summary: 'Replace the key of a sensor (answered once)', params: IdParams, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const r = await sensors.registry.rotateKey(userOf(req), req.params.id);
      return { ...r.sensor, key: r.key };
    });
    app.get('/api/v1/sensors/:id/stats', { schema: { tags, summary: 'Stats of one sensor over a window (series, top-N, countries, AS, heat map)', params: IdParams, querystring: ReportQuery, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const v = userOf(req);
      const s = await sensors.registry.get(v, req.params.id);
      const q = req.query;
      const report = await sensors.observations.report(v, { from: q.from, to: q.to, resolution: q.resolution, top: q.top, heatmapPorts: q.heatmap_ports }, Date.now(), [s]);
      return { sensor: presentSensor(s, v), ...report };
    });
    app.get('/api/v1/observations', { schema: { tags, summary: 'Observation report over the sensors the caller may see', querystring: ReportQuery, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const q = req.query;
      return sensors.observations.report(userOf(req), { from: q.from, to: q.to, resolution: q.resolution, sensors: csv(q.sensors), top: q.top, heatmapPorts: q.heatmap_ports });
    });
    app.post('/api/v1/observations/summary', { schema: { tags, summary: 'Draft the observation summary advisory of a window (hub analysts; publish it as an advisory)', body: Type.Object({ from: Type.Optional(Type.String({ maxLength: 40 })), to: Type.Optional(Type.String({ maxLength: 40 })), top: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }, { additionalProperties: false }), response: { ...okAny, ...errorResponses } } }, async (req, reply) =>
      reply.status(201).send(await sensors.summary.draft(userOf(req), req.body ?? {})),
    );

    // Events: raw NDJSON bodies (gzip allowed) in their own scope, authenticated by the sensor's key,
    // limited per sensor by the intake rather than by the per-key request limit of people's keys.
    await app.register(async (events) => {
      events.removeAllContentTypeParsers();
      events.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: sensors.bodyLimit }, (_req, body, done) => done(null, body));
      events.post(
        '/api/v1/sensors/:id/events',
        { bodyLimit: sensors.bodyLimit, config: { rateLimit: false }, schema: { tags, summary: 'Post events of a sensor: NDJSON (gzip allowed), in batches; bad lines are reported by number, the rest kept', params: IdParams, response: { 200: BatchReport, ...errorResponses, 413: errorResponses[400], 422: errorResponses[400], 429: errorResponses[400] } } },
        async (req, reply) => {
          const sensor = await sensors.registry.authenticate((req.params as { id: string }).id, bearerOf(req.headers.authorization));
          const body = req.body as Buffer | undefined;
          if (!body || body.length === 0) throw new AppError('bad_request', 'the body is empty: send NDJSON events, one per line');
          try {
            const report = await sensors.intake.accept(sensor, body);
            if (report.accepted === 0 && report.rejected > 0) {
              const first = report.errors[0];
              throw new AppError('unprocessable', `no event taken: ${report.rejected} line(s) refused${first ? `, first at line ${first.line}: ${first.reason}` : ''}`, report);
            }
            return reply.send(report);
          } catch (err) {
            if (err instanceof AppError && err.code === 'rate_limited') {
              const ms = (err.details as { retry_after_ms?: number } | null)?.retry_after_ms ?? 1000;
              reply.header('retry-after', String(Math.max(1, Math.ceil(ms / 1000))));
            }
            throw err;
          }
        },
      );
    });
  };
}
