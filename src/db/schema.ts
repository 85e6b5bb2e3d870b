import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;

/** Organisation kinds of DESIGN.md. */
export type OrgKind = 'industry' | 'academia' | 'law_enforcement' | 'government' | 'international_partner' | 'hub';
/** Industry sectors. */
export type Sector = 'finance' | 'telecom' | 'ecommerce' | 'security_vendor' | 'critical_infrastructure' | 'other';
/** User roles. */
export type Role = 'member' | 'hub_analyst' | 'investigator' | 'hotline_operator' | 'volunteer' | 'admin' | 'org_admin';
/** TLP 2.0 levels, lower-case as stored. */
export type Tlp = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

export interface OrgsTable {
  id: Generated<string>;
  name: string;
  kind: OrgKind;
  sector: Sector | null;
  subsector: string | null;
  country: string | null;
  default_tlp: Generated<Tlp>;
  nda_accepted_at: Date | null;
  nda_accepted_by: string | null;
  /** Secret salt of ids derived from what the organisation shares (never shown). */
  id_salt: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  email: string | null;
  role: Role;
  locale: Generated<string>;
  disabled_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  user_id: string;
  name: Generated<string>;
  prefix: string;
  hash: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface AuditLogTable {
  seq: Generated<number>;
  at: Timestamp;
  actor_user_id: string | null;
  actor_org_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  via: string | null;
  details: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface SharingGroupsTable {
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  owner_org_id: string;
  confidential: Generated<boolean>;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface SharingGroupMembersTable {
  group_id: string;
  org_id: string;
}

export interface IngestsTable {
  id: Generated<string>;
  org_id: string;
  user_id: string | null;
  format: string;
  source: Generated<string>;
  filename: string | null;
  status: 'pending' | 'running' | 'done' | 'failed';
  dry_run: Generated<boolean>;
  params: Json<Record<string, unknown>>;
  counts: Json<Record<string, number>>;
  errors: Json<unknown[]>;
  bytes: Generated<number>;
  created_at: Generated<Date>;
  finished_at: Date | null;
  /** Robustness (issue 10.6): the node running it, and until when its lease holds. */
  node_id: Generated<string | null>;
  lease_until: Generated<Date | null>;
}

/** The registry of STIX ids: what every version of an object shares. Contents live with contributions. */
export interface StixObjectsTable {
  id: string;
  type: string;
  spec_version: Generated<string>;
  created: Date | null;
  value: string | null;
  display: string | null;
  /** The organisation that first contributed the object: only its versions (and the hub's, explicitly) lead. */
  owner_org_id: string | null;
  seq: number;
  added_at: Generated<Date>;
}

/** Earlier contents of a contribution (its current one is in contributions.data). */
export interface StixVersionsTable {
  id: Generated<number>;
  contribution_id: number;
  object_id: string;
  modified: Date | null;
  modified_text: string | null;
  data: Json<Record<string, unknown>>;
  content_hash: string;
  seq: number;
  added_at: Timestamp;
}

export interface ContributionsTable {
  id: Generated<number>;
  object_id: string;
  org_id: string;
  user_id: string | null;
  ingest_id: string | null;
  tlp: Tlp;
  tlp_rank: number;
  pap: string | null;
  anonymous: Generated<boolean>;
  allow_count: Generated<boolean>;
  confidence: number | null;
  recipient_orgs: Generated<string[]>;
  recipient_groups: Generated<string[]>;
  recipient_users: Generated<string[]>;
  scope_key: string;
  first_seen: Timestamp;
  last_seen: Timestamp;
  seq: number;
  created_at: Generated<Date>;
  /** When its content last changed (TAXII date_added of the current version). */
  updated_at: Generated<Date>;
  /** The content this contribution carries: its newest version of the object. */
  data: Json<Record<string, unknown>>;
  modified: Date | null;
  modified_text: string | null;
  revoked: Generated<boolean>;
  name: string | null;
  valid_until: Date | null;
  pattern_usable: boolean | null;
  content_hash: string;
  /** 2: the hub's explicit version, 1: the owner's, 0: another organisation's. */
  owner_rank: Generated<number>;
  /** Some other contribution of the object ranks higher (see visibility.policy.ts headContribution). */
  superseded: Generated<boolean>;
}

export interface ObjectEdgesTable {
  contribution_id: number;
  source_id: string;
  target_id: string;
  via_id: string;
  kind: 'relationship' | 'sighting' | 'ref';
  label: string;
}

export interface ObjectKeysTable {
  contribution_id: number;
  object_id: string;
  key: string;
}

/** The whole database as Kysely sees it. */
export interface Database {
  orgs: OrgsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  sharing_groups: SharingGroupsTable;
  sharing_group_members: SharingGroupMembersTable;
  ingests: IngestsTable;
  stix_objects: StixObjectsTable;
  stix_versions: StixVersionsTable;
  contributions: ContributionsTable;
  object_edges: ObjectEdgesTable;
  object_keys: ObjectKeysTable;
}

// Flat feed lines (issue 17.1, docs/design/feed-lines.md): `stix_objects`, `contributions`, `object_keys`,
// `object_edges` and `feed_entries` are views (readers keep their names and columns) over the `*_stored` tables and
// `feed_lines`. Writers name the stored tables.

/** One line of a flat feed: an observable, the organisation's indicator of it and their based-on relationship. */
export interface FeedLinesTable {
  id: Generated<number>;
  /** The indicator's sequence number; the relationship's is seq + 2, the observable registry row's seq + 1. */
  seq: number;
  /** The observable contribution's sequence number (seq + 1 until a ranking change renumbers it). */
  sco_seq: number;
  updated_at: Date;
  /** The importer's timestamp: created of the indicator and the relationship. */
  created_text: string;
  /** modified of the indicator and the relationship (created, or a millisecond later when the content took its TLP marking). */
  modified_text: string;
  org_id: string;
  user_id: string | null;
  ingest_id: string | null;
  pap: string | null;
  anonymous: Generated<boolean>;
  allow_count: Generated<boolean>;
  confidence: number | null;
  tlp: Tlp;
  tlp_rank: number;
  recipient_orgs: Generated<string[]>;
  recipient_groups: Generated<string[]>;
  recipient_users: Generated<string[]>;
  scope_key: string;
  first_seen: Timestamp;
  last_seen: Timestamp;
  sco_type: string;
  value: string;
  display: string | null;
  sco_id: string;
  ind_id: string;
  rel_id: string;
  /** The observable's id when this line presents its registry row (no stored row, no other line does). */
  sco_reg_id: string | null;
  /** This line's organisation owns the observable's registry row (it registered it first), presented or handed over. */
  sco_owner: Generated<boolean>;
  /** The observable contribution is not the highest-ranked of the observable. */
  sco_sup: Generated<boolean>;
  valid_from_text: string;
  name: string | null;
  description: string | null;
  labels: Generated<string[]>;
  indicator_types: Generated<string[]>;
  ind_hash: string;
  sco_hash: string;
  rel_hash: string;
}

/** The stored knowledge tables and the feed lines, merged into the Database type. */
export interface Database {
  stix_objects_stored: StixObjectsTable;
  contributions_stored: ContributionsTable;
  object_edges_stored: ObjectEdgesTable;
  object_keys_stored: ObjectKeysTable;
  feed_entries_stored: FeedEntriesTable;
  feed_lines: FeedLinesTable;
}

export type OrgRow = Selectable<OrgsTable>;
export type NewOrg = Insertable<OrgsTable>;
export type OrgUpdate = Updateable<OrgsTable>;
export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type ContributionRow = Selectable<ContributionsTable>;
export type StixObjectRow = Selectable<StixObjectsTable>;

// Sign-in (issue 13): logins and browser sessions.
export interface UserLoginsTable {
  user_id: string;
  username: string;
  password_hash: string;
  totp_secret: string | null;
  totp_confirmed_at: Date | null;
  totp_last_step: ColumnType<string | number, number | undefined, number>;
  failed_attempts: Generated<number>;
  locked_until: Date | null;
  password_changed_at: Generated<Date>;
}

export interface WebSessionsTable {
  id: string;
  user_id: string;
  stage: 'totp' | 'enrol' | 'full';
  csrf_token: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  user_agent: string | null;
}

/** Sign-in tables (issue 13), merged into the Database type. */
export interface Database {
  user_logins: UserLoginsTable;
  web_sessions: WebSessionsTable;
}

// Neutralise (issue 12): the hub's Ed25519 signing key when no PEM file is configured.
export interface HubSigningKeysTable {
  name: string;
  private_key_pem: string;
  public_key_pem: string;
  fingerprint: string;
  created_at: Generated<Date>;
}

/** Case states (issue 12). */
export type CaseState = 'proposed' | 'accepted' | 'investigating' | 'actions' | 'closed';
/** Action states (issue 12). */
export type ActionStatus = 'sent' | 'acknowledged' | 'done' | 'refused' | 'reappeared';

export interface CasesTable {
  id: Generated<string>;
  number: string;
  title: string;
  summary_ja: Generated<string>;
  summary_en: Generated<string>;
  state: CaseState;
  source: Generated<string>;
  cluster_id: number | null;
  le_org_id: string;
  outcome: Json<Record<string, unknown>> | null;
  released: Generated<boolean>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  closed_at: Date | null;
}

export interface CaseObjectsTable {
  case_id: string;
  object_id: string;
  role: Generated<string>;
  added_at: Generated<Date>;
}

export interface CaseEventsTable {
  id: Generated<number>;
  case_id: string;
  at: Generated<Date>;
  actor_user_id: string | null;
  actor_org_id: string | null;
  kind: string;
  public: Generated<boolean>;
  details: Json<Record<string, unknown>>;
}

export interface CaseConsentsTable {
  case_id: string;
  org_id: string;
  user_id: string;
  at: Generated<Date>;
}

export interface InternationalRequestsTable {
  id: Generated<string>;
  case_id: string;
  partner: string;
  channel: string;
  country: string | null;
  subject: string;
  body: Generated<string>;
  status: 'sent' | 'answered' | 'closed';
  answer: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  answered_at: Date | null;
}

export interface EvidenceItemsTable {
  id: Generated<string>;
  case_id: string | null;
  kind: 'file' | 'stix' | 'email' | 'package';
  sha256: string;
  size: number;
  media_type: string;
  filename: string;
  object_id: string | null;
  collected_by: string | null;
  collected_by_org: string | null;
  collected_at: Timestamp;
  method: Generated<string>;
  created_at: Generated<Date>;
}

export interface CustodyLogTable {
  seq: Generated<number>;
  at: Timestamp;
  evidence_id: string | null;
  case_id: string | null;
  actor_user_id: string | null;
  actor_org_id: string | null;
  action: string;
  details: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface ReferralPackagesTable {
  id: Generated<string>;
  case_id: string;
  evidence_id: string;
  manifest_sha256: string;
  key_fingerprint: string;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface ContactsTable {
  id: Generated<string>;
  kind: string;
  key: string;
  name: string;
  email: string | null;
  org_id: string | null;
  country: string | null;
  lang: Generated<string>;
  created_at: Generated<Date>;
}

export interface ActionsTable {
  id: Generated<string>;
  case_id: string | null;
  kind: string;
  target_type: string;
  target_value: string;
  target_key: string;
  object_id: string | null;
  recipient: Json<Record<string, unknown>>;
  recipient_key: string;
  lang: Generated<string>;
  status: ActionStatus;
  notice_subject: string;
  notice_text: string;
  alert_id: number | null;
  amount_frozen_jpy: number | null;
  amount_recovered_jpy: number | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  sent_at: Generated<Date>;
  acknowledged_at: Date | null;
  done_at: Date | null;
  refused_at: Date | null;
  reappeared_at: Date | null;
  first_done_seconds: number | null;
  reopen_count: Generated<number>;
}

export interface ActionEventsTable {
  id: Generated<number>;
  action_id: string;
  at: Generated<Date>;
  actor_user_id: string | null;
  from_status: string | null;
  to_status: string;
  note: Generated<string>;
  details: Json<Record<string, unknown>>;
}

/** Neutralise tables (issues 12 and 15), merged into the Database type. */
export interface Database {
  hub_signing_keys: HubSigningKeysTable;
  cases: CasesTable;
  case_objects: CaseObjectsTable;
  case_events: CaseEventsTable;
  case_consents: CaseConsentsTable;
  international_requests: InternationalRequestsTable;
  evidence_items: EvidenceItemsTable;
  custody_log: CustodyLogTable;
  referral_packages: ReferralPackagesTable;
  contacts: ContactsTable;
  actions: ActionsTable;
  action_events: ActionEventsTable;
}

// Statistics and reports (issue 16): series, their categories and values, generated reports.
export interface StatSeriesTable {
  key: string;
  title_en: Generated<string>;
  title_ja: Generated<string>;
  unit: string;
  source: string;
  origin: 'seed' | 'import';
  revision: Generated<string>;
  published: Generated<boolean>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface StatCategoriesTable {
  series_key: string;
  key: string;
  parent: string | null;
  label_en: Generated<string>;
  label_ja: Generated<string>;
  aggregate: Generated<'sum' | 'of_which' | 'none'>;
  position: Generated<number>;
}

export interface StatValuesTable {
  series_key: string;
  category: string;
  period: string;
  period_kind: 'year' | 'fiscal_year' | 'half_year' | 'month' | 'day';
  period_start: string;
  period_end: string;
  value: ColumnType<number, number | string, number | string>;
  source: string;
  note_en: Generated<string>;
  note_ja: Generated<string>;
}

export interface StatReportsTable {
  id: Generated<string>;
  period: string;
  lang: 'en' | 'ja';
  format: 'html' | 'pdf';
  status: 'running' | 'done' | 'failed';
  lease_until: Date | null;
  content: Buffer | null;
  content_type: string | null;
  error: string | null;
  created_at: Generated<Date>;
  finished_at: Date | null;
}

/** Statistics tables (issue 16), merged into the Database type. */
export interface Database {
  stat_series: StatSeriesTable;
  stat_categories: StatCategoriesTable;
  stat_values: StatValuesTable;
  stat_reports: StatReportsTable;
}

// Keys and sessions (issue 10.7): NDA versions and the history of acceptances; orgs know the version accepted.
export interface OrgsTable {
  nda_version: string | null;
}

export interface NdaVersionsTable {
  version: string;
  title: string;
  published_by: string | null;
  published_at: Generated<Date>;
}

export interface NdaAcceptancesTable {
  id: Generated<number>;
  org_id: string;
  version: string;
  signer_user_id: string;
  recorded_by: string | null;
  accepted_at: Generated<Date>;
}

/** Where an invitation into a sharing group stands. */
export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'withdrawn';

export interface SharingGroupInvitationsTable {
  group_id: string;
  org_id: string;
  status: Generated<InvitationStatus>;
  invited_by: string | null;
  invited_at: Generated<Date>;
  responded_by: string | null;
  responded_at: Date | null;
}

/** A signed checkpoint of the audit chain's head (issue 10.9). */
export interface AuditCheckpointsTable {
  id: Generated<number>;
  head_seq: number;
  head_hash: string;
  at: Date;
  key_fingerprint: string;
  signature: string;
}

/** Kinds of asset an organisation declares (issue 10.7). */
export type AssetKind = 'cidr' | 'domain' | 'asn' | 'keyword';

/** An asset of an organisation, recorded by the hub. */
export interface OrgAssetsTable {
  org_id: string;
  kind: AssetKind;
  value: string;
  recorded_by: string | null;
  recorded_at: Generated<Date>;
}

/** A subscription to assets outside the organisation's own, waiting for (or given) a hub analyst's approval. */
export interface SubscriptionApprovalsTable {
  subscription_id: string;
  status: 'pending' | 'approved';
  outside: Json<Record<string, unknown>>;
  requested_at: Generated<Date>;
  decided_by: string | null;
  decided_at: Date | null;
}

/** Keys and sessions tables (issue 10.7), merged into the Database type. */
export interface Database {
  org_assets: OrgAssetsTable;
  subscription_approvals: SubscriptionApprovalsTable;
  audit_checkpoints: AuditCheckpointsTable;
  nda_versions: NdaVersionsTable;
  nda_acceptances: NdaAcceptancesTable;
  sharing_group_invitations: SharingGroupInvitationsTable;
}

// Hotline (issue 15): entries per normalised URL, the reports behind them, actions taken, removal checks.
export interface HotlineEntriesTable {
  id: Generated<string>;
  url: string;
  site: string;
  category: string;
  priority: number;
  report_count: Generated<number>;
  first_reported_at: Generated<Date>;
  last_reported_at: Generated<Date>;
  status: Generated<'new' | 'classified' | 'actioned' | 'removed'>;
  classification: 'illegal' | 'harmful' | 'not_actionable' | null;
  legal_basis: string | null;
  decision_note: string | null;
  classified_by: string | null;
  classified_at: Date | null;
  host_ip: string | null;
  country: string | null;
  case_id: string | null;
  indicator_id: string | null;
  removed_at: Date | null;
  last_checked_at: Date | null;
  last_check: string | null;
  check_failures: Generated<number>;
}

export interface HotlineReportsTable {
  id: Generated<string>;
  receipt: string;
  entry_id: string;
  category: string;
  description: Generated<string>;
  contact: string | null;
  lang: Generated<string>;
  source: 'public' | 'volunteer' | 'member';
  reporter_user_id: string | null;
  group_org_id: string | null;
  created_at: Generated<Date>;
}

export interface HotlineEntryActionsTable {
  entry_id: string;
  action_id: string;
  kind: string;
  created_at: Generated<Date>;
}

export interface HotlineChecksTable {
  id: Generated<number>;
  entry_id: string;
  checked_at: Generated<Date>;
  result: string;
  http_status: number | null;
}

/** Hotline tables (issue 15), merged into the Database type. */
export interface Database {
  hotline_entries: HotlineEntriesTable;
  hotline_reports: HotlineReportsTable;
  hotline_entry_actions: HotlineEntryActionsTable;
  hotline_checks: HotlineChecksTable;
}

/** Council feeds (issue 17.3): each key of an indicator's contribution with what a feed reads of it (kept by triggers). */
export interface FeedEntriesTable {
  /** The contribution's id. */
  id: number;
  key: string;
  object_id: string;
  tlp: Tlp;
  tlp_rank: number;
  org_id: string;
  user_id: string | null;
  recipient_orgs: string[];
  recipient_groups: string[];
  recipient_users: string[];
  revoked: boolean;
  superseded: boolean;
  owner_rank: number;
  modified: Date | null;
  valid_until: Date | null;
  confidence: number | null;
  updated_at: Date;
}

/** Council feed tables (issue 17.3), merged into the Database type. */
export interface Database {
  feed_entries: FeedEntriesTable;
}

// Ingest write path (issue 17.1): the newer last_seen of contributions seen again by a re-ingest, a row per
// contribution (written until 2026-12-06T09-00, kept empty since for the migrations before it).
export interface ContributionSeenTable {
  contribution_id: number;
  last_seen: Date;
}

// Re-ingest (issue 17.1): the contributions a re-ingest saw again, a row per run of consecutive ids seen at one time
// (`ids` is an int8range; written by recordSeenRuns in contributions.repository.ts).
export interface ContributionSeenRunsTable {
  ids: string;
  last_seen: Date;
}

/** The re-ingest tables (issue 17.1), merged into the Database type. */
export interface Database {
  contribution_seen: ContributionSeenTable;
  contribution_seen_runs: ContributionSeenRunsTable;
}
