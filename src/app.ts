import { sql } from 'kysely';
import type { Config } from './config/config.ts';
import { openStorage, type Storage } from './db/database.ts';
import { migrateToLatest } from './db/migrator.ts';
import { Authenticator } from './auth/auth.service.ts';
import { OrgsService } from './orgs/orgs.service.ts';
import { NdaService } from './orgs/nda.service.ts'; // keys and sessions (issue 10.7)
import { Metrics } from './http/metrics.ts';
import { createStixValidator, type StixValidator } from './stix/stix.validator.ts';
import { ObservableIndex } from './lookup/observable.index.ts';
import { catchUpIndex } from './lookup/index.loader.ts';
import { analyzeAfterBulk } from './ingest/bulk-statistics.hook.ts';
import { LookupService } from './lookup/lookup.service.ts';
import { IngestService } from './ingest/ingest.service.ts';
import { failInterruptedIngests } from './ingest/ingests.repository.ts';
import { ObjectsService } from './objects/objects.service.ts';
import { SightingsService } from './sightings/sightings.service.ts';
import { GroupsService } from './groups/groups.service.ts';
import { SanitiseService } from './trust/sanitise.service.ts';
import { createFeedback, type Feedback, type FeedbackOptions } from './feedback/feedback.module.ts'; // feed back (issue 6)
import { createAnalysis } from './analysis/analysis.module.ts'; // analyse (issue 5)
import type { AnalysisService } from './analysis/analysis.service.ts'; // analyse (issue 5)
import type { WarninglistsService } from './analysis/warninglists/warninglists.service.ts'; // analyse (issue 5)
import { createStats, type Stats, type StatsModuleOptions } from './stats/stats.module.ts'; // statistics (issue 16)
import { SessionsService, type SessionOptions } from './sessions/sessions.service.ts'; // sign-in (issue 13)
import { hubKeyLoader, type HubSigningKey } from './signing/hub-key.ts'; // neutralise (issue 12)
import { AuditCheckpointer } from './audit/checkpoint.ts'; // audit (issue 10.9)
import { sharePreviewHook } from './web/share.preview.ts'; // web interface (issue 13)
import { createNeutralise, type Neutralise } from './cases/neutralise.module.ts'; // neutralise (issue 12)
import { DiskBlobStore, type BlobStore } from './evidence/blob.store.ts'; // neutralise (issue 12)
import { createHotline, type Hotline, type HotlineOptions } from './hotline/hotline.module.ts'; // hotline (issue 15)
import { createSensors, type Sensors, type SensorsOptions } from './sensors/sensors.module.ts'; // sense (issue 14)
import { ingestGuards, type IngestGuards } from './ingest/ingest.guards.ts'; // robustness (issue 10.5)
import { clusterAlerts } from './analysis/cluster-alerts.ts'; // analyse (issue 11.5)

/** Contributions an ingest writes before PGlite's knowledge tables get fresh planner statistics at its end. */
const BULK_ANALYZE_CONTRIBUTIONS = 10_000;

const AUTH_CHANNEL = 'kessetsu_auth';
const INGEST_CHANNEL = 'kessetsu_ingest';

/** Everything built from the config, handed down to routes and commands. */
export interface App {
  readonly config: Config;
  readonly storage: Storage;
  readonly metrics: Metrics;
  readonly auth: Authenticator;
  readonly orgs: OrgsService;
  readonly validator: StixValidator;
  readonly index: ObservableIndex;
  readonly ingest: IngestService;
  readonly objects: ObjectsService;
  readonly lookup: LookupService;
  readonly sightings: SightingsService;
  readonly groups: GroupsService;
  readonly sanitise: SanitiseService;
  /** Feed back (issue 6): subscriptions, alerts and their delivery, feeds, exports, advisories, history. */
  readonly feedback: Feedback;
  /** Analyse (issue 5): correlation, clusters, root sources, priorities, lifecycle, enrichment. */
  readonly analysis: AnalysisService;
  /** Analyse (issue 5): `warninglists.match(key)` says which enabled list silences a value. */
  readonly warninglists: WarninglistsService;
  /** Statistics (issue 16): statistic series, platform series within the policy, periodic reports. */
  readonly stats: Stats;
  /** Sign-in (issue 13): passwords, TOTP and browser sessions. */
  readonly sessions: SessionsService;
  /** Neutralise (issue 12): the hub's Ed25519 signing key (config PEM file or the shared database row), loaded once. */
  hubKey(): Promise<HubSigningKey>;
  /** Neutralise (issue 12): cases, evidence custody, referral packages, actions, takedown metrics (`neutralise.metrics`). */
  readonly neutralise: Neutralise;
  /** Keys and sessions (issue 10.7): NDA versions and acceptances (org_admin or the hub's admin). */
  readonly nda: NdaService;
  /** Hotline (issue 15): public reports, triage, deletion requests and forwards, removal tracking. */
  readonly hotline: Hotline;
  /** Sense (issue 14): sensors, their aggregates, detections and observation reports. */
  readonly sensors: Sensors;
  /** Audit (issue 10.9): signed checkpoints of the audit chain's head; `serve` starts the periodic writer. */
  readonly auditCheckpoints: AuditCheckpointer;
  /** Resolves when the observable index has been rebuilt from the database. */
  readonly indexReady: Promise<void>;
  /** Robustness (issue 10.5): parse workers, quotas and ceilings of ingests. */
  readonly guards: IngestGuards;
  close(): Promise<void>;
}

/**
 * The composition root: opens storage, migrates, and wires services together.
 * @example const app = await createApp(loadConfig(process.env)); await app.close()
 */
export async function createApp(config: Config, opts: { storage?: Storage; migrate?: boolean; index?: boolean; feedback?: FeedbackOptions; stats?: Partial<StatsModuleOptions>; hotline?: Partial<HotlineOptions>; sensors?: SensorsOptions; sessions?: SessionOptions } = {}): Promise<App> {
  const storage = opts.storage ?? (await openStorage(config));
  const db = storage.db;
  if (opts.migrate !== false) await migrateToLatest(db);
  await failInterruptedIngests(db);
  const metrics = new Metrics();
  const auth = new Authenticator(db, { failures: { maxFailures: config.authFailuresPerMinute, windowMs: 60_000 } });
  // Changes to keys, users and organisations reach every node's key cache.
  const notifyAccessChange = (): Promise<void> => {
    auth.invalidate();
    return sql`select pg_notify(${AUTH_CHANNEL}, '')`
      .execute(db)
      .then(() => undefined)
      .catch(() => {});
  };
  const unlistenAuth = await storage.listen(AUTH_CHANNEL, () => auth.invalidate());
  const orgs = new OrgsService(db, notifyAccessChange);
  const nda = new NdaService(db, notifyAccessChange); // keys and sessions (issue 10.7)
  const validator = createStixValidator(config.stixSchemaDir);
  const index = new ObservableIndex();
  // CLI commands that only write (import, migrate) do not need lookups: no index to load or keep.
  index.active = opts.index !== false;
  // The index is rebuilt in the background so the server answers at once on a big database.
  const indexReady = catchUpIndex(db, index).then(() => undefined);
  indexReady.catch(() => {});
  const guards = ingestGuards(db, config, validator); // robustness (issue 10.5)
  const ingest = new IngestService(db, index, { jobThreshold: 10 * 1024 * 1024, ...guards.serviceOptions, prefixLimits: config.minCidrPrefix, side: storage.side }); // prefixLimits: parsing (issue 11.3)
  ingest.addHooks({
    afterCommit: (ev) => {
      metrics.inc('kessetsu_ingested_objects_total', 'Objects ingested, by format.', { source: 'ingest' }, ev.objects, { data: true });
      sql`select pg_notify(${INGEST_CHANNEL}, ${ev.ingestId})`.execute(db).catch(() => {});
    },
  });
  // A bulk load gathers the planner's statistics at its end, or reads through the knowledge views plan blind: PGlite has
  // no autovacuum, and PostgreSQL's comes a minute or more later (a re-import right after a first import of 20,000 lines
  // probed every line of the organisation per row: BitmapAnd of feed_lines' organisation index, 0.6 ms a row).
  ingest.addHooks(analyzeAfterBulk(BULK_ANALYZE_CONTRIBUTIONS));
  // PGlite never checkpoints by itself: a long ingest does, between its slices, once its WAL passes the bound.
  if (storage.walCheck) ingest.addHooks({ begin: () => ({ slice: (trx) => storage.walCheck!(trx) }) });
  // Another node's ingest: bring this node's index up to date.
  const unlistenIngest = await storage.listen(INGEST_CHANNEL, () => void catchUpIndex(db, index).catch(() => {}));
  const objects = new ObjectsService(db);
  const lookup = new LookupService(index, db); // with db: AMBER+STRICT and RED answers audited (issue 10.9)
  const sightings = new SightingsService(db, ingest, index);
  const groups = new GroupsService(db, notifyAccessChange);
  const sanitise = new SanitiseService(db, ingest);
  const analysis = await createAnalysis(storage, ingest, index, indexReady); // analyse (issue 5)
  // Mail and private webhook targets come from the config unless a caller (tests) says otherwise.
  const feedbackOpts: FeedbackOptions = opts.feedback ?? {
    ...(config.smtpUrl ? { mail: { smtpUrl: config.smtpUrl, from: config.mailFrom } } : {}),
    ...(config.webhookAllowPrivate ? { dispatch: { allowPrivateTargets: true } } : {}),
  };
  const feedback = await createFeedback(storage, ingest, { prefixLimits: config.minCidrPrefix, ...feedbackOpts }); // feed back (issue 6); prefixLimits: parsing (issue 11.3)
  const sessions = new SessionsService(db, opts.sessions); // sign-in (issue 13)
  ingest.addHooks(sharePreviewHook(index, (key) => analysis.warninglists.match(key))); // web interface (issue 13): dry-run share preview
  const hubKey = hubKeyLoader(db, config); // neutralise (issue 12)
  const auditCheckpoints = new AuditCheckpointer(db, hubKey, { intervalMs: config.auditCheckpointMinutes * 60_000, file: config.auditCheckpointFile }); // audit (issue 10.9)
  const evidenceStore: BlobStore = config.evidenceS3 ? new (await import('./evidence/s3.blob-store.ts')).S3BlobStore(config.evidenceS3) : new DiskBlobStore(config.evidenceDir); // neutralise (issue 12): S3-compatible when configured; start time (issue 17.3): the AWS SDK loaded only then
  const neutralise = createNeutralise({ db, config, analysis, ingest, objects, history: feedback.history, hubKey, store: evidenceStore }); // neutralise (issue 12)
  const hotline = createHotline({ db, enrichment: analysis.enrichment, ingest, neutralise, options: { reportsPerHour: config.hotlineReportsPerHour, powBits: config.hotlinePowBits, checkIntervalMs: config.hotlineCheckIntervalMinutes * 60_000, fetchTimeoutMs: config.hotlineFetchTimeoutMs, fetchAllowPrivate: config.hotlineFetchAllowPrivate, ...opts.hotline } }); // hotline (issue 15)
  feedback.wireAnalysis(analysis.warninglists); // feed back (issue 6): warninglists filter feeds; clusters in exports and history
  const stats = await createStats(db, { chromiumPath: config.chromiumPath, reportIntervalMs: config.reportIntervalMinutes * 60_000, ...opts.stats }); // statistics (issue 16)
  stats.setAnalysis(analysis.views); // statistics (issue 16): top root sources and priorities in reports
  const sensors = await createSensors({ storage, ingest, index, feedback, enrichment: analysis.enrichment }, opts.sensors ?? { // sense (issue 14)
    archiveDir: config.sensorArchiveDir,
    intake: { ratePerSecond: config.sensorRate },
    retention: { minute: config.sensorRetentionDays.minute * 86_400_000, hour: config.sensorRetentionDays.hour * 86_400_000, day: config.sensorRetentionDays.day * 86_400_000 },
  });
  analysis.setClusterAlerts(clusterAlerts(() => analysis.settings, feedback.alerts)); // analyse (issue 11.5): clusters crossing a priority alert their subscribers
  return {
    config,
    storage,
    metrics,
    auth,
    orgs,
    validator,
    index,
    ingest,
    objects,
    lookup,
    sightings,
    groups,
    sanitise,
    feedback,
    analysis, // analyse (issue 5)
    warninglists: analysis.warninglists, // analyse (issue 5)
    stats, // statistics (issue 16)
    sessions, // sign-in (issue 13)
    hubKey, // neutralise (issue 12)
    neutralise, // neutralise (issue 12)
    nda, // keys and sessions (issue 10.7)
    hotline, // hotline (issue 15)
    sensors, // sense (issue 14)
    auditCheckpoints, // audit (issue 10.9)
    indexReady,
    guards, // robustness (issue 10.5)
    async close() {
      await hotline.close(); // hotline (issue 15)
      await sensors.close(); // sense (issue 14): the last minutes are written before the rest stops
      await ingest.drain();
      await guards.close(); // robustness (issue 10.5)
      await auditCheckpoints.stop(); // audit (issue 10.9): a last signed checkpoint
      await feedback.close(); // feed back (issue 6)
      await stats.close(); // statistics (issue 16)
      await analysis.close(); // analyse (issue 5)
      await indexReady.catch(() => {});
      await evidenceStore.close?.(); // neutralise (issue 12)
      await auth.close();
      await unlistenAuth();
      await unlistenIngest();
      if (!opts.storage) await storage.close();
    },
  };
}
