import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Tlp } from '../db/schema.ts';

type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type Stamp = ColumnType<Date, Date | string | undefined, Date | string>;

// The tables of migration 2026-12-04T16-00-sensors, typed here by module augmentation (as the
// analysis and feed-back areas do) so the shared schema file stays the core's.

/** What kind of sensor it is. */
export type SensorKind = 'telescope' | 'honeypot' | 'ids' | 'other';
/** Resolutions of the aggregate tables. */
export type Resolution = 'minute' | 'hour' | 'day';

export interface SensorsTable {
  id: Generated<string>;
  org_id: string;
  created_by: string;
  label: string;
  kind: Generated<SensorKind>;
  address_space: Generated<string[]>;
  share_tlp: Generated<Tlp>;
  share_orgs: Generated<string[]>;
  share_groups: Generated<string[]>;
  public_summary: Generated<boolean>;
  key_prefix: string;
  key_hash: string;
  rate_limit: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  revoked_at: Date | null;
  last_event_at: Date | null;
}

export interface SensorStatsTable {
  sensor_id: string;
  bucket: Stamp;
  packets: number;
  bytes: number;
  unique_sources: number;
  approximate: Generated<boolean>;
  sources: Buffer | null;
}

export interface SensorCountsTable {
  sensor_id: string;
  bucket: Stamp;
  dim: string;
  key: string;
  count: number;
}

export interface SensorRollupsTable {
  sensor_id: string;
  resolution: 'hour' | 'day';
  bucket: Stamp;
}

export interface SensorDetectionsTable {
  id: Generated<number>;
  sensor_id: string;
  kind: string;
  subject: string;
  bucket: Stamp;
  score: number;
  details: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface SensorScannerClaimsTable {
  org_id: string;
  subject: string;
  day: Stamp;
  claimed_at: Generated<Date>;
}

declare module '../db/schema.ts' {
  interface Database {
    sensors: SensorsTable;
    sensor_stats_minute: SensorStatsTable;
    sensor_stats_hour: SensorStatsTable;
    sensor_stats_day: SensorStatsTable;
    sensor_counts_minute: SensorCountsTable;
    sensor_counts_hour: SensorCountsTable;
    sensor_counts_day: SensorCountsTable;
    sensor_rollups: SensorRollupsTable;
    sensor_detections: SensorDetectionsTable;
    sensor_scanner_claims: SensorScannerClaimsTable;
  }
}

export type SensorRow = Selectable<SensorsTable>;
export type DetectionRow = Selectable<SensorDetectionsTable>;
