import type { ScoreTerm } from './Explanation.tsx';

/** A cluster ranked by priority (GET /api/v1/priorities, /clusters). */
export interface ClusterView {
  readonly id: number;
  readonly score: number;
  readonly referral_candidate: boolean;
  readonly explanation: { score: number; terms: ScoreTerm[]; factors: ScoreTerm[] };
  readonly members: { visible: number; incidents: number; by_type: Record<string, number> };
  readonly damage: { amount_jpy: number; victims: number; records: number };
  readonly organisations: number;
  readonly sectors: string[];
  readonly first_seen: string | null;
  readonly last_seen: string | null;
  readonly status?: string;
}

/** A root source (GET /api/v1/root-sources). */
export interface RootSource {
  readonly key: string;
  readonly kind: string;
  readonly value: string;
  readonly score: number;
  readonly too_common: boolean;
  readonly explanation: { score: number; terms: ScoreTerm[]; factors: ScoreTerm[] };
  readonly evidence: { incidents: number; malware: number; reports: number; sightings: number; organisations: number; sectors: string[] };
  readonly last_seen: string | null;
}

/** An alert in the inbox (GET /api/v1/inbox). */
export interface InboxItem {
  readonly id: number;
  readonly kind: string;
  readonly title: string;
  readonly created_at: string;
  readonly read: boolean;
  readonly alert: { total?: number; matches?: { value: string; display?: string; reason: string; tlp: string | null; object_id?: string }[]; [k: string]: unknown };
}

/** An object in a list (GET /api/v1/objects). */
export interface ObjectSummary {
  readonly id: string;
  readonly type: string;
  readonly tlp: string;
  readonly added_at: string;
  readonly updated_at: string;
  readonly object: Record<string, unknown> & { name?: string; value?: string; pattern?: string };
}

/** The best short label of a STIX object. */
export function labelOf(o: { name?: unknown; value?: unknown; pattern?: unknown; id?: unknown; number?: unknown }): string {
  if (typeof o.name === 'string' && o.name) return o.name;
  if (typeof o.value === 'string') return o.value;
  if (typeof o.number === 'number') return `AS${o.number}`;
  if (typeof o.pattern === 'string') return o.pattern;
  return String(o.id ?? '');
}
