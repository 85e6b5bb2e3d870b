import type { FastifyPluginAsync } from 'fastify';
import type { Storage } from '../db/database.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import { AdvisoriesService } from './advisories/advisories.service.ts';
import { advisoriesRoutes } from './advisories/advisories.routes.ts';
import { exportRoutes, type ClusterObjects } from './exports/export.routes.ts';
import { FeedsService, type FeedWarninglist, type WarninglistPredicate } from './feeds/feeds.service.ts';
import type { PrefixLimits } from '../observables/cidr.limit.ts'; // parsing (issue 11.3)
import { findYaraCompiler, type YaraCompiler } from './feeds/yara.compile.ts';
import { HistoryService, type ClustersOf } from './history/history.service.ts';
import { clusterMembers, clustersJoined } from './history/clusters.reader.ts';
import { historyRoutes } from './history/history.routes.ts';
import { ALERTS_CHANNEL, OUTBOX_CHANNEL } from './outbox/alerts.writer.ts';
import { Dispatcher, type DispatcherOptions } from './outbox/dispatcher.ts';
import { InboxService } from './outbox/inbox.service.ts';
import { inboxRoutes } from './outbox/inbox.routes.ts';
import { MailSender, type MailSettings } from './outbox/mail.sender.ts';
import { StreamHub, type StreamOptions } from './outbox/stream.hub.ts';
import { alertReads } from './outbox/alert.reads.ts';
import { auditSensitiveReads } from '../audit/sensitive-reads.ts';
import { AlertsEngine } from './subscriptions/alerts.engine.ts';
import { SubscriptionRegistry } from './subscriptions/subscription.registry.ts';
import { SubscriptionsService } from './subscriptions/subscriptions.service.ts';
import { subscriptionsRoutes } from './subscriptions/subscriptions.routes.ts';

/** Options of the feed-back area; all optional. */
export interface FeedbackOptions {
  /** SMTP for e-mail alerts; without it e-mail deliveries wait (pending) until one is configured. */
  readonly mail?: MailSettings | undefined;
  readonly dispatch?: Partial<DispatcherOptions> | undefined;
  readonly stream?: Partial<StreamOptions> | undefined;
  /** The YARA compiler; default: the Debian yarac binary when installed. */
  readonly yara?: (() => Promise<YaraCompiler | undefined>) | undefined;
  /** Parsing (issue 11.3): CIDRs broader than these prefixes never appear in feeds. */
  readonly prefixLimits?: PrefixLimits | undefined;
}

/** Everything the feed-back area offers the rest of the hub. */
export interface Feedback {
  readonly subscriptions: SubscriptionsService;
  readonly registry: SubscriptionRegistry;
  readonly alerts: AlertsEngine;
  readonly inbox: InboxService;
  readonly stream: StreamHub;
  readonly dispatcher: Dispatcher;
  readonly feeds: FeedsService;
  readonly advisories: AdvisoriesService;
  readonly history: HistoryService;
  /** Wires the analysis area: warninglist filter of feeds (with its version, for ETags), clusters (exports, history). */
  setWarninglist(filter: WarninglistPredicate | FeedWarninglist, version: () => string): void;
  setClusters(members: ClusterObjects, ofObjects: ClustersOf): void;
  /** Wires the analysis area's tables as they are: warninglists and clusters. */
  wireAnalysis(warninglists: AnalysisWarninglists): void;
  /** Starts delivering (the server calls it when it starts). */
  start(): void;
  /** Route plugins: registered with one line in the HTTP server. */
  routes(): FastifyPluginAsync;
  close(): Promise<void>;
}

/** What the feed-back area needs of the analysis area's warninglists. */
export interface AnalysisWarninglists {
  silenced(key: string, scope: 'never_correlate' | 'never_blocklist'): unknown;
  hostExcluded(hostKey: string): boolean;
  warnings(key: string): readonly { readonly list: string }[];
  ofObjects(objectIds: readonly string[]): Promise<readonly Record<string, unknown>[]>;
  readonly version: number;
}

/**
 * Builds the feed-back area on the storage and the ingest service: subscriptions matched on every
 * ingest, alerts written in the ingest's transaction, delivered by the dispatcher (webhooks, e-mail),
 * shown in the inbox and the live stream (across nodes via LISTEN/NOTIFY), council feeds, exports,
 * public advisories, and the history of what each member shared.
 * @example const feedback = await createFeedback(storage, ingest, { mail: { smtpUrl, from } })
 */
export async function createFeedback(storage: Storage, ingest: IngestService, opts: FeedbackOptions = {}): Promise<Feedback> {
  const db = storage.db;
  const mail = opts.mail ? new MailSender(opts.mail) : null;
  const dispatcher = new Dispatcher(db, mail, opts.dispatch);
  // What the stream shows at AMBER+STRICT or RED is audited before it is sent (issue 10.9).
  const stream = new StreamHub(db, opts.stream, (v, rows) => auditSensitiveReads(db, v, rows.flatMap((r) => alertReads(r.body)), 'api.stream'));
  await stream.start();
  const registry = new SubscriptionRegistry(db);
  const alerts = new AlertsEngine(db, registry, () => {
    stream.notify();
    dispatcher.wake();
  });
  const subscriptions = new SubscriptionsService(db, () => registry.invalidate());
  const advisories = new AdvisoriesService(db, ingest, alerts);
  let yara: Promise<YaraCompiler | undefined> | undefined;
  const feeds = new FeedsService(db, { kind: storage.kind, yara: opts.yara ?? (() => (yara ??= findYaraCompiler())), prefixLimits: opts.prefixLimits });
  const history = new HistoryService(db);
  const inbox = new InboxService(db);
  let clusterMembersOf: ClusterObjects | undefined;

  ingest.addHooks(alerts.hooks());
  ingest.addHooks(advisories.hooks());
  const unlisten = [
    await storage.listen(ALERTS_CHANNEL, () => stream.notify()),
    await storage.listen(OUTBOX_CHANNEL, () => dispatcher.wake()),
    // Access changes (keys, users, organisations, groups) reach subscription viewers too, and end the
    // live streams of revoked keys and disabled users (issue 10.7).
    await storage.listen('kessetsu_auth', () => {
      registry.invalidate();
      stream.revalidate();
    }),
  ];

  return {
    subscriptions,
    registry,
    alerts,
    inbox,
    stream,
    dispatcher,
    feeds,
    advisories,
    history,
    setWarninglist: (p, v) => feeds.setWarninglist(p, v),
    setClusters(members, ofObjects) {
      clusterMembersOf = members;
      history.setClusters(ofObjects);
    },
    wireAnalysis(warninglists) {
      // Scoped (issue 11.1): never_blocklist lists keep values out of feeds; warning lists keep them, said so.
      feeds.setWarninglist(
        {
          excluded: (key) => warninglists.silenced(key, 'never_blocklist') !== null,
          hostExcluded: (key) => warninglists.hostExcluded(key),
          warnings: (key) => warninglists.warnings(key).map((h) => h.list),
        },
        () => String(warninglists.version),
      );
      clusterMembersOf = clusterMembers(db);
      history.setClusters(clustersJoined(db));
      history.setWarninglists((ids) => warninglists.ofObjects(ids));
    },
    start: () => dispatcher.start(),
    routes() {
      return async (app) => {
        await app.register(subscriptionsRoutes(subscriptions));
        await app.register(inboxRoutes(inbox, stream));
        await app.register(exportRoutes(db, feeds, () => clusterMembersOf));
        await app.register(advisoriesRoutes(advisories, db));
        await app.register(historyRoutes(history));
        app.addHook('onReady', async () => dispatcher.start());
        // Live streams never end by themselves: close them so the server can stop.
        app.addHook('preClose', async () => stream.close());
      };
    },
    async close() {
      await dispatcher.stop();
      await stream.close();
      mail?.close();
      for (const u of unlisten) await u().catch(() => {});
    },
  };
}
