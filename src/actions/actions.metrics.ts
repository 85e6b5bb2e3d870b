import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { visibleAction } from './actions.repository.ts';

/** Counts and clocks of one group of actions (a kind, or a recipient). */
export interface ActionGroupMetrics {
  readonly group: string;
  readonly requested: number;
  readonly done: number;
  readonly refused: number;
  readonly reappeared: number;
  readonly open: number;
  /** done ÷ requested, or null when nothing was requested. */
  readonly rate: number | null;
  /** Median hours from request to first completion, over the completed ones. */
  readonly median_hours_to_done: number | null;
}

/** Takedown and freeze metrics over a period, as far as the viewer may see actions. */
export interface TakedownMetrics {
  readonly since: string | null;
  readonly until: string | null;
  readonly by_kind: readonly ActionGroupMetrics[];
  readonly by_recipient: readonly ActionGroupMetrics[];
  readonly freezes: { readonly requested: number; readonly done: number; readonly amount_frozen_jpy: number; readonly amount_recovered_jpy: number };
}

interface Row {
  group: string;
  requested: number;
  done: number;
  refused: number;
  reappeared: number;
  open: number;
  median: number | null;
}

function present(r: Row): ActionGroupMetrics {
  const requested = Number(r.requested);
  return {
    group: r.group,
    requested,
    done: Number(r.done),
    refused: Number(r.refused),
    reappeared: Number(r.reappeared),
    open: Number(r.open),
    rate: requested ? Number(r.done) / requested : null,
    median_hours_to_done: r.median === null ? null : Number(r.median) / 3600,
  };
}

/**
 * Takedown rate and median time to takedown by kind and by recipient, freezes and the amounts
 * frozen and recovered, over actions opened in [since, until) that the viewer may see (hub
 * analysts: all; police: their cases' actions; a recipient: actions addressed to it). "done"
 * counts an action completed at least once (a reappeared one too: it was taken down).
 * For the statistics area (issue 16): call `app.actions.metrics(viewer, { since, until })`.
 * @example await takedownMetrics(db, hubViewer, { since: new Date('2026-01-01') })
 */
export async function takedownMetrics(db: Kysely<Database>, viewer: Viewer, o: { since?: Date | undefined; until?: Date | undefined } = {}): Promise<TakedownMetrics> {
  const period = sql`${visibleAction(viewer)} ${o.since ? sql`and a.created_at >= ${o.since}` : sql``} ${o.until ? sql`and a.created_at < ${o.until}` : sql``}`;
  const grouped = (by: ReturnType<typeof sql>) =>
    sql<Row>`select ${by} as "group", count(*)::int as requested,
        count(*) filter (where a.first_done_seconds is not null)::int as done,
        count(*) filter (where a.status = 'refused')::int as refused,
        count(*) filter (where a.reopen_count > 0)::int as reappeared,
        count(*) filter (where a.status in ('sent', 'acknowledged', 'reappeared'))::int as open,
        percentile_cont(0.5) within group (order by a.first_done_seconds) filter (where a.first_done_seconds is not null) as median
      from actions a where ${period} group by 1 order by 2 desc, 1`.execute(db);
  const [byKind, byRecipient, freezes] = await Promise.all([
    grouped(sql`a.kind`),
    grouped(sql`coalesce(a.recipient->>'name', a.recipient_key)`),
    sql<{ requested: number; done: number; frozen: number | null; recovered: number | null }>`
      select count(*)::int as requested, count(*) filter (where a.first_done_seconds is not null)::int as done,
        sum(a.amount_frozen_jpy) as frozen, sum(a.amount_recovered_jpy) as recovered
      from actions a where a.kind = 'account_freeze' and ${period}`.execute(db),
  ]);
  const f = freezes.rows[0]!;
  return {
    since: o.since?.toISOString() ?? null,
    until: o.until?.toISOString() ?? null,
    by_kind: byKind.rows.map(present),
    by_recipient: byRecipient.rows.map(present),
    freezes: { requested: Number(f.requested), done: Number(f.done), amount_frozen_jpy: Number(f.frozen ?? 0), amount_recovered_jpy: Number(f.recovered ?? 0) },
  };
}
