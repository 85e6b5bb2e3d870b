import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Storage } from '../db/database.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import { EnrichmentService } from '../enrichment/enrichment.service.ts';
import { AnalysisService } from './analysis.service.ts';
import { WarninglistsService } from './warninglists/warninglists.service.ts';

// Another node changed warninglists, enrichment or settings: reload them here too. The message is "<what> <node>":
// every listener hears its own node's messages too (PGlite's one session, and PostgreSQL's listening connection of
// the same process), and the node that made the change has already reloaded, so it skips its own.
const ANALYSIS_CHANNEL = 'kessetsu_analysis';
// Another process ingested (a CLI import next to a server): schedule an analysis run here.
const INGEST_CHANNEL = 'kessetsu_ingest';

/**
 * Builds the analysis with its warninglists and enrichment, loads them, hooks correlation into
 * ingests and listens for changes made by other nodes. One call from the composition root.
 * @example const analysis = await createAnalysis(storage, ingest, index, indexReady)
 */
export async function createAnalysis(storage: Storage, ingest: IngestService, index: ObservableIndex, indexReady: Promise<void>): Promise<AnalysisService> {
  const db = storage.db;
  const node = randomUUID();
  const notify = (what: string) => () => void sql`select pg_notify(${ANALYSIS_CHANNEL}, ${`${what} ${node}`})`.execute(db).catch(() => {});
  const warninglists = new WarninglistsService(db, notify('warninglists'));
  const enrichment = new EnrichmentService(db, notify('enrichment'));
  const analysis = new AnalysisService({ db, index, indexReady, warninglists, enrichment, onSettings: notify('settings') });
  await analysis.start();
  ingest.addHooks(analysis.ingestHooks());
  const unlisten = await storage.listen(ANALYSIS_CHANNEL, (message) => {
    // A message without a node (an older release's) is another node's.
    const [what, from] = message.split(' ');
    if (from === node) return;
    const reload = what === 'warninglists' ? warninglists.reload() : what === 'enrichment' ? enrichment.reload() : analysis.reloadSettings();
    void reload.catch(() => {});
  });
  const unlistenIngest = await storage.listen(INGEST_CHANNEL, () => analysis.schedule());
  analysis.onClose(async () => {
    await unlisten();
    await unlistenIngest();
  });
  return analysis;
}
