import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import * as foundation from './migrations/2026-11-23T00-00-foundation.ts';
import * as knowledgeStore from './migrations/2026-11-23T01-00-knowledge-store.ts';
import * as analysis from './migrations/2026-11-23T03-00-analysis.ts'; // analysis (issue 5)
import * as feedback from './migrations/2026-11-23T04-00-feedback.ts';
import * as taxii from './migrations/2026-11-23T05-00-taxii.ts';
import * as webSessions from './migrations/2026-12-04T17-00-sessions.ts'; // sign-in (issue 13)
import * as hubSigningKey from './migrations/2026-12-04T15-00-hub-signing-key.ts'; // neutralise (issue 12)
import * as stats from './migrations/2026-12-04T18-00-stats.ts'; // statistics and reports (issue 16)
import * as contributionSeen from './migrations/2026-12-04T18-01-contribution-seen.ts'; // ingest write path (issue 17.1): last_seen of re-ingests
import * as feedEntriesReplan from './migrations/2026-12-05T07-00-feed-entries-replan.ts'; // feed_entries triggers planned per statement
import * as enrichmentRangesBulk from './migrations/2026-12-05T10-00-enrichment-ranges-bulk.ts'; // enrichment ranges without per-range index and key checks
import * as neutralise from './migrations/2026-12-04T15-01-neutralise.ts'; // neutralise (issue 12)
import * as hotline from './migrations/2026-12-04T15-02-hotline.ts'; // hotline (issue 15)
import * as orgAdminNda from './migrations/2026-12-04T12-00-org-admin-nda.ts'; // keys and sessions (issue 10.7)
import * as versionsByContribution from './migrations/2026-12-04T10-00-versions-by-contribution.ts'; // store (issue 10)
import * as sensors from './migrations/2026-12-04T16-00-sensors.ts'; // sense (issue 14)
import * as scannerClaims from './migrations/2026-12-04T16-01-scanner-claims.ts'; // sense (issue 14)
import * as groupInvitations from './migrations/2026-12-04T12-01-group-invitations.ts'; // keys and sessions (issue 10.7)
import * as auditCheckpoints from './migrations/2026-12-04T12-02-audit-checkpoints.ts'; // audit (issue 10.9)
import * as ingestLease from './migrations/2026-12-04T11-00-ingest-lease.ts'; // robustness (issue 10.6)
import * as warninglistScopes from './migrations/2026-12-04T13-00-warninglist-scopes.ts'; // warninglists (issue 11.1)
import * as analysisArithmetic from './migrations/2026-12-04T13-01-analysis-arithmetic.ts'; // analysis arithmetic (issue 11.5)
import * as declaredAssets from './migrations/2026-12-04T12-03-declared-assets.ts'; // keys and sessions (issue 10.7)
import * as searchTrigrams from './migrations/2026-12-04T17-01-search-trigrams.ts'; // web interface (issue 13): word search index
import * as feedEntries from './migrations/2026-12-04T11-01-feed-entries.ts'; // council feeds (issue 17.3)
import * as ingestIndexEntries from './migrations/2026-12-05T09-00-ingest-index-entries.ts'; // ingest write path (issue 17.1): fewer index entries per row
import * as contributionsCopy from './migrations/2026-12-05T11-30-contributions-copy.ts'; // ingest write path (issue 17.1): contributions by COPY
import * as writePathKeysSetWise from './migrations/2026-12-05T11-00-write-path-keys-set-wise.ts'; // ingest write path (issue 17.1): foreign keys checked per statement
import * as idsCollateC from './migrations/2026-12-05T17-00-ids-collate-c.ts'; // ingest write path (issue 17.1): ids compared byte for byte
import * as contributionSeenKeySetWise from './migrations/2026-12-05T20-00-contribution-seen-key-set-wise.ts'; // re-ingest (issue 17.1): contribution_seen's key checked per statement
import * as feedLinesViews from './migrations/2026-12-06T03-00-feed-lines-views.ts'; // flat feed lines (issue 17.1): tables renamed, views in their place
import * as feedLinesSeen from './migrations/2026-12-06T06-00-feed-lines-seen.ts'; // flat feed lines (issue 17.1): contribution_seen holds lines' contributions too
import * as feedLinesFewerIndexEntries from './migrations/2026-12-06T08-00-feed-lines-fewer-index-entries.ts'; // flat feed lines (issue 17.1)
import * as contributionSeenRuns from './migrations/2026-12-06T09-00-contribution-seen-runs.ts'; // re-ingest (issue 17.1): last_seen moved by runs of contribution ids
import * as warninglistHitsOneIndex from './migrations/2026-12-06T12-00-warninglist-hits-one-index.ts'; // ingest write path (issue 17.1): a hit is one index entry
import * as objectKeysNoObjectIndex from './migrations/2026-12-06T13-00-object-keys-no-object-index.ts'; // ingest write path (issue 17.1): object_keys found by object through contributions
import * as feedLinesIndHash from './migrations/2026-12-06T14-00-feed-lines-ind-hash.ts'; // ingest write path (issue 17): a line's indicator id by a hash index
import * as feedSidsSidHash from './migrations/2026-12-06T15-00-feed-sids-sid-hash.ts'; // ingest write path (issue 17): a sid unique by a hash exclusion constraint
import * as fkLockSingleSession from './migrations/2026-12-07T06-00-fk-lock-single-session.ts'; // ingest write path (issue 17): no parent row locked in a single session

// Listed statically so the migrations ship inside any bundle and run in a stable order.
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '2026-11-23T00-00-foundation': foundation,
  '2026-11-23T01-00-knowledge-store': knowledgeStore,
  '2026-11-23T03-00-analysis': analysis,
  '2026-11-23T04-00-feedback': feedback,
  '2026-11-23T05-00-taxii': taxii,
  '2026-12-04T17-00-sessions': webSessions, // sign-in (issue 13)
  '2026-12-04T15-00-hub-signing-key': hubSigningKey, // neutralise (issue 12)
  '2026-12-04T18-00-stats': stats, // statistics and reports (issue 16)
  '2026-12-04T18-01-contribution-seen': contributionSeen, // ingest write path (issue 17.1)
  '2026-12-05T07-00-feed-entries-replan': feedEntriesReplan, // a bad plan kept per connection stalled big ingests
  '2026-12-05T10-00-enrichment-ranges-bulk': enrichmentRangesBulk, // reference data written and read whole
  '2026-12-04T15-01-neutralise': neutralise, // neutralise (issue 12)
  '2026-12-04T15-02-hotline': hotline, // hotline (issue 15)
  '2026-12-04T12-00-org-admin-nda': orgAdminNda, // keys and sessions (issue 10.7)
  '2026-12-04T10-00-versions-by-contribution': versionsByContribution, // store (issue 10)
  '2026-12-04T16-00-sensors': sensors, // sense (issue 14)
  '2026-12-04T16-01-scanner-claims': scannerClaims, // sense (issue 14)
  '2026-12-04T12-01-group-invitations': groupInvitations, // keys and sessions (issue 10.7)
  '2026-12-04T12-02-audit-checkpoints': auditCheckpoints, // audit (issue 10.9)
  '2026-12-04T11-00-ingest-lease': ingestLease, // robustness (issue 10.6)
  '2026-12-04T13-00-warninglist-scopes': warninglistScopes, // warninglists (issue 11.1)
  '2026-12-04T13-01-analysis-arithmetic': analysisArithmetic, // analysis arithmetic (issue 11.5)
  '2026-12-04T12-03-declared-assets': declaredAssets, // keys and sessions (issue 10.7)
  '2026-12-04T17-01-search-trigrams': searchTrigrams, // web interface (issue 13): word search index
  '2026-12-04T11-01-feed-entries': feedEntries, // council feeds (issue 17.3)
  '2026-12-05T09-00-ingest-index-entries': ingestIndexEntries, // ingest write path (issue 17.1): index entries no reader uses
  '2026-12-05T11-30-contributions-copy': contributionsCopy, // ingest write path (issue 17.1): ids given by the writer for COPY
  '2026-12-05T11-00-write-path-keys-set-wise': writePathKeysSetWise, // ingest write path (issue 17.1): foreign keys checked once per statement
  '2026-12-05T17-00-ids-collate-c': idsCollateC, // ingest write path (issue 17.1): ids compared byte for byte whatever the database's locale
  '2026-12-05T20-00-contribution-seen-key-set-wise': contributionSeenKeySetWise, // re-ingest (issue 17.1): contribution_seen's foreign key checked once per statement
  '2026-12-06T03-00-feed-lines-views': feedLinesViews, // flat feed lines (issue 17.1): the knowledge tables renamed *_stored, read through views with feed_lines
  '2026-12-06T06-00-feed-lines-seen': feedLinesSeen, // flat feed lines (issue 17.1): a re-import touches lines' contributions in contribution_seen
  '2026-12-06T08-00-feed-lines-fewer-index-entries': feedLinesFewerIndexEntries, // flat feed lines (issue 17.1): the registry's observables reached by sco_id, sco_id and rel_id hashed
  '2026-12-06T09-00-contribution-seen-runs': contributionSeenRuns, // re-ingest (issue 17.1): a re-import's last_seen as a row per run of contribution ids
  '2026-12-06T12-00-warninglist-hits-one-index': warninglistHitsOneIndex, // ingest write path (issue 17.1): warninglist hits keyed (key, list), one index
  '2026-12-06T13-00-object-keys-no-object-index': objectKeysNoObjectIndex, // ingest write path (issue 17.1): an object's keys found through its contributions
  '2026-12-06T14-00-feed-lines-ind-hash': feedLinesIndHash, // ingest write path (issue 17): a line's indicator id by a hash index, one line an indicator kept by insertNewLines
  '2026-12-06T15-00-feed-sids-sid-hash': feedSidsSidHash, // ingest write path (issue 17): a sid kept unique by an exclusion constraint on a hash index
  '2026-12-07T06-00-fk-lock-single-session': fkLockSingleSession, // ingest write path (issue 17): foreign-key checks lock no parent row in PGlite's single session
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...MIGRATIONS };
  }
}

/** Names of all migrations this build knows, oldest first. */
export const migrationNames: readonly string[] = Object.keys(MIGRATIONS).sort();

/**
 * The migrations this build knows that come after the named one, oldest first (tests take them down around an older one).
 * @example migrationsAfter('2026-12-06T03-00-feed-lines-views').map(([name]) => name)
 */
export function migrationsAfter(name: string): [string, Migration][] {
  if (!(name in MIGRATIONS)) throw new Error(`unknown migration: ${name}`);
  return migrationNames.filter((n) => n > name).map((n) => [n, MIGRATIONS[n]!]);
}

function migratorFor(db: Kysely<any>): Migrator {
  // Areas add migrations in parallel branches; order among them does not matter, so allow any order.
  return new Migrator({ db, provider: new StaticProvider(), migrationTableName: 'kysely_migration', allowUnorderedMigrations: true });
}

// Start time (issue 17.3): Kysely's Migrator first checks that its tables exist by introspecting every
// column of every table (~180 ms of CPU on PGlite, twice per start, and once per /readyz). When the
// recorded migrations are exactly the ones this build knows, there is nothing to do and two small queries
// say so; anything else (a new database, pending or unknown migrations, a bad timestamp) goes to Kysely.
async function recordedMigrations(db: Kysely<any>): Promise<Set<string> | null> {
  const table = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db);
  if (!table.rows[0]?.t) return null;
  const rows = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration`.execute(db);
  if (rows.rows.some((r) => Number.isNaN(new Date(r.timestamp).getTime()))) return null;
  return new Set(rows.rows.map((r) => r.name));
}

async function isCurrent(db: Kysely<any>): Promise<boolean> {
  const recorded = await recordedMigrations(db);
  return recorded !== null && recorded.size === migrationNames.length && migrationNames.every((n) => recorded.has(n));
}

/**
 * Applies every pending migration; a no-op when the schema is current.
 * @example const applied = await migrateToLatest(storage.db)
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  if (await isCurrent(db)) return []; // start time (issue 17.3)
  const { error, results } = await migratorFor(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations this build knows that the database has not applied. */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  if (await isCurrent(db)) return []; // start time (issue 17.3): /readyz without introspection
  const all = await migratorFor(db).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
