import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Deletion rate and time to removal of one group. */
export interface RemovalFigures {
  readonly key: string;
  /** Entries with a deletion request or forward. */
  readonly requested: number;
  readonly removed: number;
  /** removed / requested, 0..1. */
  readonly deletion_rate: number;
  /** Median hours from the first request to the removal, among the removed. */
  readonly median_hours_to_removal: number | null;
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function group<T>(rows: readonly T[], keyOf: (r: T) => string, removedAt: (r: T) => Date | null, requestedAt: (r: T) => Date): RemovalFigures[] {
  const by = new Map<string, T[]>();
  for (const r of rows) by.set(keyOf(r), [...(by.get(keyOf(r)) ?? []), r]);
  return [...by]
    .map(([key, rs]) => {
      const removed = rs.filter((r) => removedAt(r) !== null);
      return {
        key,
        requested: rs.length,
        removed: removed.length,
        deletion_rate: rs.length ? removed.length / rs.length : 0,
        median_hours_to_removal: median(removed.map((r) => Math.max(0, removedAt(r)!.getTime() - requestedAt(r).getTime()) / 3600_000)),
      };
    })
    .sort((a, b) => b.requested - a.requested || a.key.localeCompare(b.key));
}

/**
 * Hotline statistics: reports by category, source and volunteer group; deletion rate and time to
 * removal by category, by recipient and by country, over entries first reported in [since, until).
 * @example await hotlineStats(db, { since: new Date('2026-01-01') })
 */
export async function hotlineStats(db: Kysely<Database>, o: { since?: Date | undefined; until?: Date | undefined } = {}) {
  let rq = db.selectFrom('hotline_reports as r').leftJoin('orgs as g', 'g.id', 'r.group_org_id').select(['r.category', 'r.source', 'g.name as group_name']).select((eb) => eb.fn.countAll<number>().as('n'));
  if (o.since) rq = rq.where('r.created_at', '>=', o.since);
  if (o.until) rq = rq.where('r.created_at', '<', o.until);
  const reportRows = await rq.groupBy(['r.category', 'r.source', 'g.name']).execute();
  let aq = db
    .selectFrom('hotline_entries as e')
    .innerJoin('hotline_entry_actions as l', 'l.entry_id', 'e.id')
    .innerJoin('actions as a', 'a.id', 'l.action_id')
    .select(['e.id', 'e.category', 'e.country', 'e.removed_at', 'a.created_at', 'a.recipient', 'a.recipient_key'])
    .where('l.kind', 'in', ['deletion_request', 'forward']);
  if (o.since) aq = aq.where('e.first_reported_at', '>=', o.since);
  if (o.until) aq = aq.where('e.first_reported_at', '<', o.until);
  const acted = await aq.orderBy('a.created_at').execute();
  // One row per entry: its first request; per recipient, every recipient asked.
  const firstOf = new Map<string, (typeof acted)[number]>();
  for (const r of acted) if (!firstOf.has(r.id)) firstOf.set(r.id, r);
  const entries = [...firstOf.values()];
  const perRecipient = [...new Map(acted.map((r) => [`${r.id} ${r.recipient_key}`, r])).values()];
  const sum = (f: (r: (typeof reportRows)[number]) => string | null) => {
    const m: Record<string, number> = {};
    for (const r of reportRows) {
      const k = f(r);
      if (k !== null) m[k] = (m[k] ?? 0) + Number(r.n);
    }
    return m;
  };
  const removedAt = (r: (typeof acted)[number]) => r.removed_at;
  const requestedAt = (r: (typeof acted)[number]) => r.created_at;
  return {
    reports: {
      total: reportRows.reduce((n, r) => n + Number(r.n), 0),
      by_category: sum((r) => r.category),
      by_source: sum((r) => r.source),
      by_volunteer_group: sum((r) => (r.source === 'volunteer' ? (r.group_name ?? 'unknown') : null)),
    },
    removal: {
      overall: group(entries, () => 'all', removedAt, requestedAt)[0] ?? { key: 'all', requested: 0, removed: 0, deletion_rate: 0, median_hours_to_removal: null },
      by_category: group(entries, (r) => r.category, removedAt, requestedAt),
      by_recipient: group(perRecipient, (r) => (r.recipient as { name?: string }).name ?? r.recipient_key, removedAt, requestedAt),
      by_country: group(entries, (r) => r.country ?? 'unknown', removedAt, requestedAt),
    },
  };
}
