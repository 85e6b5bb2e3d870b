/** Report categories of the hotline (src/hotline/categories.ts), in the order the public form shows them. */
export const CATEGORIES = ['csam', 'obscenity', 'drugs', 'fraud_phishing', 'malware', 'harmful', 'other'] as const;
/** An operator's classification of an entry. */
export const CLASSIFICATIONS = ['illegal', 'harmful', 'not_actionable'] as const;
/** Entry statuses the queue can show. */
export const STATUSES = ['new', 'classified', 'actioned', 'removed'] as const;

/** A report of an entry, as operators see it. */
export interface Report {
  readonly at: string;
  readonly category: string;
  readonly source: string;
  readonly description: string | null;
  readonly lang: string | null;
  readonly receipt?: string;
  readonly contact?: string | null;
}

/** An action taken on an entry (deletion request, forward; a police case is `case_id`). */
export interface EntryAction {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly recipient?: { name?: string; email?: string; country?: string } | null;
  readonly created_at?: string;
  readonly done_at?: string | null;
}

/** One reported URL and everything decided about it. */
export interface Entry {
  readonly id: string;
  readonly url: string;
  readonly site: string;
  readonly category: string;
  readonly priority: number;
  readonly report_count: number;
  readonly first_reported_at: string;
  readonly last_reported_at: string;
  readonly status: string;
  readonly classification: string | null;
  readonly legal_basis: string | null;
  readonly decision_note: string | null;
  readonly classified_at: string | null;
  readonly host_ip: string | null;
  readonly country: string | null;
  readonly case_id: string | null;
  readonly indicator_id: string | null;
  readonly removed_at: string | null;
  readonly last_checked_at: string | null;
  readonly reports: readonly Report[];
  readonly actions: readonly EntryAction[];
  readonly checks?: readonly { at: string; result: string; http_status: number | null }[];
}

/** An earlier decision on a site, shown beside its new reports. */
export interface Decision {
  readonly id: string;
  readonly url: string;
  readonly category: string;
  readonly classification: string;
  readonly legal_basis: string | null;
  readonly classified_at: string | null;
  readonly status: string;
  readonly removed_at: string | null;
}

/** One site of the queue. */
export interface Site {
  readonly site: string;
  readonly priority: number;
  readonly reports: number;
  readonly entries: readonly Entry[];
  readonly earlier_decisions: readonly Decision[];
}

/** A category with its guidance and the legal bases operators usually cite. */
export interface Category {
  readonly key: string;
  readonly legal_bases: readonly string[];
}
