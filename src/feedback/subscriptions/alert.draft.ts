import type { Tlp } from '../../db/schema.ts';
import type { SubscriptionKind } from '../feedback.tables.ts';
import type { CompiledSubscription } from './match.plan.ts';

/** How many matches an alert lists; the rest are counted. A rule matching a million values sends one alert saying so. */
export const SAMPLE = 20;
/** How many object ids an alert records for "what happened to what I shared". */
export const MAX_OBJECTS = 100;

/** One matched value as the subscriber sees it. */
export interface AlertMatch {
  readonly value: string;
  /** The Unicode form of an internationalised host, when it differs from the stored value. */
  readonly display?: string;
  readonly type: string;
  readonly reason: string;
  readonly object_ids: readonly string[];
  readonly tlp: Tlp | null;
}

/** Who contributed what an alert is about, as the subscriber may know it. */
export interface AlertContributor {
  readonly name: string | null;
  readonly sector: string | null;
  readonly anonymous: boolean;
}

/** The stored and delivered body of an alert (the same JSON in inbox, stream, webhook and e-mail). */
export interface AlertBody {
  readonly kind: SubscriptionKind;
  readonly subscription: { readonly id: string; readonly name: string };
  readonly source: Readonly<Record<string, unknown>>;
  readonly contributor: AlertContributor | null;
  /** How many values matched in all; `matches` lists the first SAMPLE. */
  readonly total: number;
  readonly truncated: boolean;
  readonly matches: readonly AlertMatch[];
  /** Kind-specific facts: advisory titles, cluster priority, sighting counts. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** An alert about to be written: for which subscription, saying what. */
export interface AlertDraft {
  readonly sub: CompiledSubscription;
  readonly title: string;
  readonly body: AlertBody;
  readonly objectIds: readonly string[];
  readonly source: string;
}

/**
 * Gathers the matches of one subscription in one event: counts all, keeps the first SAMPLE
 * (once per value) and the first MAX_OBJECTS object ids.
 */
export class MatchCollector {
  total = 0;
  readonly matches: AlertMatch[] = [];
  readonly objectIds = new Set<string>();
  readonly #values = new Set<string>();

  /** Adds a match; a value already counted is not counted again. */
  add(m: AlertMatch): void {
    if (this.#values.has(`${m.type}|${m.value}`)) return;
    this.#values.add(`${m.type}|${m.value}`);
    this.total++;
    if (this.matches.length < SAMPLE) this.matches.push(m);
    for (const id of m.object_ids) if (this.objectIds.size < MAX_OBJECTS) this.objectIds.add(id);
  }
}

function more(total: number, shown: number): string {
  return total > shown ? ` (+${total - shown} more)` : '';
}

/** The English one-line title of an alert (e-mails in Japanese are written from the body). */
export function alertTitle(kind: SubscriptionKind, c: MatchCollector, details: Readonly<Record<string, unknown>> = {}): string {
  const first = c.matches[0];
  const value = first ? first.value.slice(0, 200) : '';
  switch (kind) {
    case 'asset':
      return first?.reason.startsWith('brand ') ? `Brand ${first.reason.slice(6)} imitated: ${value}${more(c.total, 1)}` : `Your assets in shared data: ${value}${more(c.total, 1)}`;
    case 'sector':
      return `Your sector targeted: ${value}${more(c.total, 1)}`;
    case 'indicator':
      return `New indicators: ${value}${more(c.total, 1)}`;
    case 'shared_sighting':
      return first ? `Sighted: ${value}${more(c.total, 1)}` : `Sighted by another organisation: ${c.total} sighting(s) of what you shared`;
    case 'advisory':
      return `Advisory published: ${String(details.title_en || details.title_ja || '')}`;
    case 'cluster_priority':
      return `Cluster ${String(details.name ?? details.cluster_id ?? '')} reached priority ${String(details.priority ?? '')}`;
  }
}

/** Builds the draft of an alert from a collector. */
export function draftOf(sub: CompiledSubscription, c: MatchCollector, source: Record<string, unknown>, contributor: AlertContributor | null, details: Record<string, unknown> = {}): AlertDraft {
  const kind = sub.row.kind;
  return {
    sub,
    title: alertTitle(kind, c, details),
    body: {
      kind,
      subscription: { id: sub.row.id, name: sub.row.name },
      source,
      contributor,
      total: c.total,
      truncated: c.total > c.matches.length,
      matches: c.matches,
      details,
    },
    objectIds: [...c.objectIds],
    source: Object.entries(source)
      .map(([k, v]) => `${k}:${String(v)}`)
      .join(' '),
  };
}
