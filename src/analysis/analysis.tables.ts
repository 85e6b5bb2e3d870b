import type { ColumnType, Generated } from 'kysely';
import type { Tlp } from '../db/schema.ts';

type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type Stamp = ColumnType<Date, Date | string | undefined, Date | string>;

// The tables of migration 2026-11-23T03-00-analysis, typed here by module augmentation so the
// shared schema file stays the core's.

/** A MISP warninglist as imported. */
export interface WarninglistsTable {
  slug: string;
  name: string;
  description: Generated<string>;
  version: Generated<number>;
  type: 'cidr' | 'hostname' | 'string' | 'substring' | 'regex';
  matching_attributes: Generated<string[]>;
  entries: string[];
  entry_count: number;
  enabled: Generated<boolean>;
  source: string | null;
  imported_at: Stamp;
  /** What the list suppresses (migration T13-00): never_correlate, never_blocklist, warn. */
  scopes: Generated<string[]>;
  /** True once an admin chose the scopes: imports and upgrades keep them. */
  scopes_by_admin: Generated<boolean>;
  /** Built into Kessetsu, or imported. */
  origin: Generated<'builtin' | 'import'>;
}

/** A value of the store found on a list (never deleted from the store: the list only decides what skips it). */
export interface WarninglistHitsTable {
  key: string;
  list: string;
  first_seen: Stamp;
}

/** An imported enrichment file (APNIC delegated statistics, ip2asn). */
export interface EnrichmentDatasetsTable {
  name: string;
  kind: string;
  source: string | null;
  ranges: number;
  imported_at: Stamp;
}

/** One address range of a dataset. */
export interface EnrichmentRangesTable {
  dataset: string;
  family: number;
  start_hex: string;
  end_hex: string;
  asn: number | null;
  country: string | null;
  holder: string | null;
}

/** The deployment's analysis settings (one row). */
export interface AnalysisSettingsTable {
  id: Generated<number>;
  settings: Json<Record<string, unknown>>;
  updated_at: Stamp;
}

/** One run of the analysis job. */
export interface AnalysisRunsTable {
  id: Generated<number>;
  trigger: string;
  status: 'running' | 'done' | 'failed';
  started_at: Stamp;
  finished_at: Date | null;
  stats: Json<Record<string, unknown>>;
}

/** A cluster (campaign candidate) with a stable id. */
export interface AnalysisClustersTable {
  id: Generated<number>;
  status: 'active' | 'merged' | 'split' | 'dissolved';
  members: number;
  evidence: number;
  hub_score: Generated<number>;
  referral_candidate: Generated<boolean>;
  merged_into: number | null;
  merged_from: Generated<number[]>;
  split_from: Generated<number[]>;
  split_into: Generated<number[]>;
  first_seen: Date | null;
  last_seen: Date | null;
  created_run: number | null;
  updated_run: number | null;
  created_at: Stamp;
  updated_at: Stamp;
  /** Readable name from the strongest shared values (migration T13-01). */
  name: string | null;
}

/** An incident, report, malware or sighting in a cluster, with the figures priorities sum. */
export interface AnalysisClusterMembersTable {
  object_id: string;
  cluster_id: number;
  object_type: string;
  sig: string;
  amount_jpy: number | null;
  victims: number | null;
  records: number | null;
  seen_at: Date | null;
  confidence: number | null;
  /** A sanitised copy: the original's id (migration T13-01). */
  copy_of: string | null;
  /** Counts only for viewers who may not see this signature (the original's): '' for originals. */
  unless_sig: Generated<string>;
}

/** Evidence that holds a cluster together. */
export interface AnalysisClusterLinksTable {
  cluster_id: number;
  kind: 'key' | 'edge';
  ref: string;
  weight: number;
  members: number;
}

/** What happened to a cluster in a run: created, grew, shrank, merged, split, dissolved. */
export interface AnalysisClusterEventsTable {
  id: Generated<number>;
  run_id: number | null;
  cluster_id: number;
  kind: string;
  other_ids: Generated<number[]>;
  members: number | null;
  at: Stamp;
}

/** A value scored as possible root infrastructure (hub-wide score; viewers get their own at query time). */
export interface AnalysisRootSourcesTable {
  key: string;
  kind: string;
  hub_score: number;
  too_common: Generated<boolean>;
  connections: number;
  evidence_hash: string;
  run_id: number | null;
  updated_at: Stamp;
  /** Product of the warning lists' factors (1: none). */
  score_factor: Generated<number>;
  /** The warning lists (scope warn) the value is on. */
  warninglists: Generated<string[]>;
}

/** One contribution scope of a signature (the contributions of one object). */
export interface AnalysisSignaturesTable {
  sig: string;
  ord: number;
  org_id: string;
  user_id: string | null;
  tlp: Tlp;
  tlp_rank: number;
  recipient_orgs: string[];
  recipient_groups: string[];
  recipient_users: string[];
  allow_count: boolean;
  confidence: number | null;
  /** False for the hub's contribution to a sanitised copy: it decides who sees, never who reported (T13-01). */
  reporter: Generated<boolean>;
}

/** Objects pointing at a root-source value, counted by signature. */
export interface AnalysisRootFactsTable {
  key: string;
  sig: string;
  object_type: string;
  role: number;
  derived: boolean;
  objects: number;
  last_seen: Date | null;
}

/** A cluster's members counted by signature and type. */
export interface AnalysisClusterFactsTable {
  cluster_id: number;
  sig: string;
  object_type: string;
  objects: number;
  amount_jpy: number;
  victims: number;
  records: number;
  first_seen: Date | null;
  last_seen: Date | null;
  /** As analysis_cluster_members.unless_sig. */
  unless_sig: Generated<string>;
}

/** The correlation summary of one ingest, for its contributor. */
export interface AnalysisIngestCorrelationsTable {
  ingest_id: string;
  org_id: string;
  user_id: string | null;
  checked: number;
  correlated: number;
  warninglisted: number;
  too_common: number;
  items: Json<unknown[]>;
  created_at: Stamp;
}

declare module '../db/schema.ts' {
  interface Database {
    analysis_warninglists: WarninglistsTable;
    analysis_warninglist_hits: WarninglistHitsTable;
    enrichment_datasets: EnrichmentDatasetsTable;
    enrichment_ranges: EnrichmentRangesTable;
    analysis_settings: AnalysisSettingsTable;
    analysis_runs: AnalysisRunsTable;
    analysis_clusters: AnalysisClustersTable;
    analysis_cluster_members: AnalysisClusterMembersTable;
    analysis_cluster_links: AnalysisClusterLinksTable;
    analysis_cluster_events: AnalysisClusterEventsTable;
    analysis_root_sources: AnalysisRootSourcesTable;
    analysis_signatures: AnalysisSignaturesTable;
    analysis_root_facts: AnalysisRootFactsTable;
    analysis_cluster_facts: AnalysisClusterFactsTable;
    analysis_ingest_correlations: AnalysisIngestCorrelationsTable;
  }
}
