import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Tlp } from '../db/schema.ts';

type Json<T> = ColumnType<T, string | T, string | T>;

/** One result line of a status resource: an object and its version. */
export interface StatusDetail {
  readonly id: string;
  readonly version: string;
  readonly message?: string;
}

export interface TaxiiStatusesTable {
  id: string;
  org_id: string;
  user_id: string;
  collection_id: string;
  status: 'pending' | 'complete';
  request_timestamp: Date;
  total_count: number;
  success_count: Generated<number>;
  failure_count: Generated<number>;
  pending_count: Generated<number>;
  successes: Json<StatusDetail[]>;
  failures: Json<StatusDetail[]>;
  pendings: Json<StatusDetail[]>;
  ingest_id: string | null;
  updated_at: Generated<Date>;
}

/** How a remote is called: no credentials, HTTP basic, or a bearer token. */
export type RemoteAuth = 'none' | 'basic' | 'bearer';

export interface TaxiiRemotesTable {
  id: Generated<string>;
  name: string;
  collection_url: string;
  auth: RemoteAuth;
  username: string | null;
  secret: string | null;
  partner_org_id: string;
  default_tlp: Generated<Tlp>;
  max_tlp: Generated<Tlp>;
  interval_seconds: Generated<number>;
  enabled: Generated<boolean>;
  added_after: string | null;
  last_pull_at: Date | null;
  last_pull_count: number | null;
  last_error: string | null;
  lease_until: Date | null;
  created_at: Generated<Date>;
}

export interface TaxiiPushStateTable {
  remote_id: string;
  collection_id: string;
  cursor: string;
  pushed: Generated<number>;
  updated_at: Generated<Date>;
}

declare module '../db/schema.ts' {
  interface Database {
    taxii_statuses: TaxiiStatusesTable;
    taxii_remotes: TaxiiRemotesTable;
    taxii_push_state: TaxiiPushStateTable;
  }
}

export type TaxiiStatusRow = Selectable<TaxiiStatusesTable>;
export type TaxiiRemoteRow = Selectable<TaxiiRemotesTable>;
