import { sql, type Kysely } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import type { AnyViewer } from '../access/viewer.ts';
import type { Storage } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import type { Feedback } from '../feedback/feedback.module.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import type { GeoLookup } from './aggregate/minute.rows.ts';
import { Partitions } from './aggregate/partitions.repository.ts';
import { DetectionActions } from './detect/detection.actions.ts';
import { Detectors, type DetectorOptions } from './detect/detectors.ts';
import { RawArchive } from './raw.archive.ts';
import { ObservationsService } from './reports/observations.service.ts';
import { ObservationSummary } from './reports/summary.service.ts';
import { SensorFlusher, DEFAULT_RETENTION, type Retention } from './sensor.flusher.ts';
import { SensorIntake, type IntakeOptions } from './sensor.pipeline.ts';
import { seesDetail } from './sensor.policy.ts';
import { sensorsRoutes } from './sensors.routes.ts';
import { SensorsService } from './sensors.service.ts';
import type { SensorRow } from './sensors.tables.ts';
import { warmDetectors } from './detect/warm.ts';

/** Settings of the sensors area (from the config; tests shorten the clocks). */
export interface SensorsOptions {
  readonly intake?: Partial<IntakeOptions>;
  readonly detectors?: Partial<DetectorOptions>;
  readonly retention?: Partial<Retention>;
  /** Folder for the raw events (gzip NDJSON); none: raw events are not kept. */
  readonly archiveDir?: string | undefined;
  /** How often closed minutes are written, in ms. */
  readonly tickMs?: number;
  /** Largest request body of a batch, compressed, in bytes. */
  readonly bodyLimit?: number;
  readonly now?: () => number;
  readonly onError?: (what: string, err: unknown) => void;
}

/** The sensors area as the rest of the hub sees it. */
export interface Sensors {
  readonly db: Kysely<Database>;
  readonly registry: SensorsService;
  readonly intake: SensorIntake;
  readonly flusher: SensorFlusher;
  readonly detectors: Detectors;
  readonly observations: ObservationsService;
  readonly summary: ObservationSummary;
  readonly bodyLimit: number;
  seesDetail(v: AnyViewer, s: SensorRow): boolean;
  /** Writes every open minute now, rolls up and sends pending sightings (tests, shutdown). */
  flushNow(): Promise<void>;
  /** Starts the flush timer (the server calls it when it starts). */
  start(): void;
  routes(): FastifyPluginAsync;
  close(): Promise<void>;
}

const SENSORS_CHANNEL = 'kessetsu_sensors';

/** What the sensors area is built on. */
export interface SensorsDeps {
  readonly storage: Storage;
  readonly ingest: IngestService;
  readonly index: ObservableIndex;
  readonly feedback: Pick<Feedback, 'registry' | 'alerts' | 'advisories'>;
  readonly enrichment: EnrichmentService;
}

/**
 * Builds the sensors area: registry and keys, intake of events into the in-memory aggregator, the
 * flusher (time-partitioned aggregates, roll-ups, retention), detectors and their actions, and
 * observation reports. One call from the composition root.
 * @example const sensors = await createSensors({ storage, ingest, index, feedback, enrichment: analysis.enrichment })
 */
export async function createSensors(deps: SensorsDeps, opts: SensorsOptions = {}): Promise<Sensors> {
  const db = deps.storage.db;
  const onError = opts.onError ?? (() => {});
  const registry = new SensorsService(db, () => void sql`select pg_notify(${SENSORS_CHANNEL}, '')`.execute(db).catch(() => {}));
  const unlisten = await deps.storage.listen(SENSORS_CHANNEL, () => registry.invalidate());
  const now = opts.now ?? Date.now;
  const intake = new SensorIntake(opts.intake, opts.archiveDir ? new RawArchive(opts.archiveDir) : null, now);
  const partitions = new Partitions(db);
  const detectors = new Detectors(opts.detectors);
  const actions = new DetectionActions({ db, ingest: deps.ingest, index: deps.index, registry: deps.feedback.registry, alerts: deps.feedback.alerts, onError });
  // Each source is looked up once per minute at most; a cache spares the binary searches of busy scanners.
  const cache = new Map<string, ReturnType<GeoLookup>>();
  const geo: GeoLookup = (ip) => {
    let g = cache.get(ip);
    if (g === undefined) {
      if (cache.size > 500_000) cache.clear();
      const info = deps.enrichment.ipInfo(ip);
      g = info ? { country: info.country, asn: info.asn } : null;
      cache.set(ip, g);
    }
    return g;
  };
  const flusher = new SensorFlusher({ db, aggregator: intake.aggregator, partitions, detectors, actions, geo: () => geo, sensors: () => registry.active(), retention: { ...DEFAULT_RETENTION, ...opts.retention }, onError, now });
  const observations = new ObservationsService(db, () => registry.active(), (asn) => deps.enrichment.asnHolder(asn));
  const summary = new ObservationSummary(db, observations, deps.feedback.advisories);
  await warmDetectors(db, detectors, now()).catch((err) => onError('warming the detectors from stored minutes', err));
  let timer: NodeJS.Timeout | null = null;
  const sensors: Sensors = {
    db,
    registry,
    intake,
    flusher,
    detectors,
    observations,
    summary,
    bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024,
    seesDetail,
    async flushNow() {
      await flusher.tick(true);
      await actions.flush(await registry.active());
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void flusher.tick().catch((err) => onError('sensor flush', err)), opts.tickMs ?? 5_000);
      timer.unref();
    },
    routes() {
      return async (app) => {
        await app.register(sensorsRoutes(sensors));
        app.addHook('onReady', async () => sensors.start());
      };
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      await flusher.tick(true).catch((err) => onError('last sensor flush', err));
      await actions.flush(await registry.active()).catch(() => {});
      await unlisten().catch(() => {});
    },
  };
  return sensors;
}
