import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { AnalysisService } from '../analysis/analysis.service.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { ObjectsService } from '../objects/objects.service.ts';
import type { HistoryService } from '../feedback/history/history.service.ts';
import type { HubSigningKey } from '../signing/hub-key.ts';
import { DiskBlobStore, type BlobStore } from '../evidence/blob.store.ts';
import { EvidenceService } from '../evidence/evidence.service.ts';
import { evidenceRoutes } from '../evidence/evidence.routes.ts';
import { ActionsService } from '../actions/actions.service.ts';
import { actionsRoutes } from '../actions/actions.routes.ts';
import { ContactsService } from '../actions/contacts.service.ts';
import { takedownMetrics, type TakedownMetrics } from '../actions/actions.metrics.ts';
import { reappearanceHook } from '../actions/reappearance.hook.ts';
import { CaseFilesService } from './case-files.service.ts';
import { casesForHistory } from './case.history.ts';
import { CasesService } from './cases.service.ts';
import { casesRoutes } from './cases.routes.ts';
import { RequestsService } from './requests.service.ts';

/** What the neutralise area needs from the composition root. */
export interface NeutraliseDeps {
  readonly db: Kysely<Database>;
  readonly config: Pick<Config, 'evidenceDir' | 'ingestLimit'>;
  readonly analysis: AnalysisService;
  readonly ingest: IngestService;
  readonly objects: ObjectsService;
  readonly history: HistoryService;
  readonly hubKey: () => Promise<HubSigningKey>;
  /** The evidence store the composition root chose (S3-compatible when configured); the folder when absent. */
  readonly store?: BlobStore;
}

/** The neutralise area (issue 12): cases, evidence, packages, actions, contacts, takedown metrics. */
export interface Neutralise {
  readonly cases: CasesService;
  readonly files: CaseFilesService;
  readonly requests: RequestsService;
  readonly evidence: EvidenceService;
  readonly actions: ActionsService;
  readonly contacts: ContactsService;
  /**
   * Takedown and freeze metrics over [since, until), within what the viewer may see (for the statistics area).
   * @example await app.neutralise.metrics(hubViewer, { since: new Date('2026-01-01') })
   */
  metrics(viewer: Viewer, o?: { since?: Date | undefined; until?: Date | undefined }): Promise<TakedownMetrics>;
  routes(): FastifyPluginAsync;
}

/**
 * Builds the neutralise area: wires the reappearance hook into ingests and cases and takedowns into
 * the contribution histories.
 * @example const neutralise = createNeutralise({ db, config, analysis, ingest, objects, history: feedback.history, hubKey })
 */
export function createNeutralise(d: NeutraliseDeps): Neutralise {
  const store = d.store ?? new DiskBlobStore(d.config.evidenceDir);
  const evidence = new EvidenceService(d.db, store);
  const cases = new CasesService(d.db, d.analysis, d.ingest);
  const enrich = (key: string) => d.analysis.correlation.enrich(key);
  const files = new CaseFilesService({ db: d.db, evidence, objects: d.objects, hubKey: d.hubKey, enrich });
  const requests = new RequestsService(d.db);
  const actions = new ActionsService(d.db, d.analysis.enrichment);
  const contacts = new ContactsService(d.db);
  const metrics = (viewer: Viewer, o: { since?: Date | undefined; until?: Date | undefined } = {}) => takedownMetrics(d.db, viewer, o);
  d.ingest.addHooks(reappearanceHook());
  d.history.setCases((v, ids) => casesForHistory(d.db, v, ids));
  return {
    cases,
    files,
    requests,
    evidence,
    actions,
    contacts,
    metrics,
    routes() {
      return async (app) => {
        await app.register(casesRoutes(cases, requests));
        await app.register(actionsRoutes(actions, contacts, metrics));
        await app.register(evidenceRoutes(files, cases, evidence, { evidenceLimit: 512 * 1024 * 1024, ingestLimit: d.config.ingestLimit }));
      };
    },
  };
}
