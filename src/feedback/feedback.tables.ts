import type { ColumnType, Generated, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string | T, string | T>;

/** What a subscription listens for. */
export type SubscriptionKind = 'asset' | 'sector' | 'indicator' | 'shared_sighting' | 'cluster_priority' | 'advisory';

export interface SubscriptionsTable {
  id: Generated<string>;
  org_id: string;
  user_id: string | null;
  created_by: string;
  name: string;
  kind: SubscriptionKind;
  rule: Json<Record<string, unknown>>;
  webhook_url: string | null;
  webhook_secret: string | null;
  email: Generated<boolean>;
  enabled: Generated<boolean>;
  deleted_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AlertsTable {
  id: Generated<number>;
  subscription_id: string | null;
  org_id: string;
  user_id: string | null;
  kind: string;
  title: string;
  body: Json<Record<string, unknown>>;
  source: string;
  created_at: Generated<Date>;
}

export interface AlertObjectsTable {
  alert_id: number;
  object_id: string;
}

export interface AlertReadsTable {
  alert_id: number;
  user_id: string;
  read_at: Generated<Date>;
}

/** Delivery channels that leave the hub. */
export type OutboxChannel = 'webhook' | 'email';
/** Where a delivery stands. */
export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxTable {
  id: Generated<number>;
  alert_id: number;
  subscription_id: string | null;
  channel: OutboxChannel;
  target: string;
  recipient_user_id: string | null;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  locked_until: Date | null;
  last_error: string | null;
  last_status: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  delivered_at: Date | null;
}

export interface FeedSidsTable {
  key: string;
  sid: number;
}

export interface AdvisoriesTable {
  id: Generated<string>;
  status: Generated<'draft' | 'published' | 'withdrawn'>;
  title_ja: Generated<string>;
  title_en: Generated<string>;
  body_ja: Generated<string>;
  body_en: Generated<string>;
  object_ids: Generated<string[]>;
  report_id: string | null;
  created_by: string;
  published_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  published_at: Date | null;
}

declare module '../db/schema.ts' {
  interface Database {
    subscriptions: SubscriptionsTable;
    alerts: AlertsTable;
    alert_objects: AlertObjectsTable;
    alert_reads: AlertReadsTable;
    outbox: OutboxTable;
    feed_sids: FeedSidsTable;
    advisories: AdvisoriesTable;
  }
}

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type AlertRow = Selectable<AlertsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type AdvisoryRow = Selectable<AdvisoriesTable>;
