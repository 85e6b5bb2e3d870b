import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Viewer } from '../../access/viewer.ts';
import { visibleObject } from '../../access/visibility.policy.ts';
import type { IngestHooks } from '../../ingest/ingest.service.ts';
import { writeAlerts } from '../outbox/alerts.writer.ts';
import { MatchCollector, draftOf, type AlertDraft } from './alert.draft.ts';
import { IngestMatcher } from './ingest.matcher.ts';
import type { CompiledSubscription } from './match.plan.ts';
import { storeLookups } from './store.lookups.ts';
import { preparedOfLine } from '../../store/feed-line.ts';
import type { SubscriptionRegistry } from './subscription.registry.ts';

/** A cluster whose priority changed, as the analysis area reports it. */
export interface ClusterPriorityChange {
  readonly clusterId: string;
  readonly name: string | null;
  /** The hub's priority: no subscriber's view scores higher. */
  readonly priority: number;
  readonly previous: number | null;
  /** Objects of the cluster: a subscriber hears of it only if it may see one of them. */
  readonly objectIds: readonly string[];
  /**
   * The cluster as one subscriber may see it: its own priority and a name made of values it may see
   * (issue 11.5). Without it, subscribers are told the hub's priority and name.
   */
  readonly viewFor?: (viewer: Viewer, trx: Kysely<Database>) => Promise<{ priority: number; name: string } | null>;
}

/**
 * Turns what happens into alerts: matches every committed ingest inside its transaction (so the
 * alerts and their deliveries commit with the data, or not at all), and raises alerts for
 * published advisories and clusters crossing a priority. `onAlerts` runs after a commit that
 * wrote alerts (streams, dispatcher).
 */
export class AlertsEngine {
  readonly #db: Kysely<Database>;
  readonly #registry: SubscriptionRegistry;
  readonly #onAlerts: () => void;
  /** Ingests whose matching failed; the data is kept, the failure is counted (metrics) and logged by the caller. */
  failures = 0;

  constructor(db: Kysely<Database>, registry: SubscriptionRegistry, onAlerts: () => void) {
    this.#db = db;
    this.#registry = registry;
    this.#onAlerts = onAlerts;
  }

  /** The ingest hooks: match slice by slice and write at the end of the transaction, announce after commit. */
  hooks(): IngestHooks {
    return {
      begin: async (trx, ingest) => {
        const matcher = new IngestMatcher(await this.#registry.plan(trx), ingest);
        if (matcher.idle) return undefined;
        let failed = false;
        let written = false;
        // A matching bug must not refuse members' data: the ingest commits without alerts.
        const guarded = async (fn: () => unknown): Promise<void> => {
          if (failed) return;
          try {
            await fn();
          } catch {
            failed = true;
            this.failures++;
          }
        };
        return {
          // A slice's lines are matched as the objects they stand for.
          slice: (_t, slice) => guarded(() => matcher.add(slice.lines?.length ? { ...slice, objects: [...slice.objects, ...slice.lines.flatMap(preparedOfLine)] } : slice)),
          finish: async (t) => {
            let drafts: AlertDraft[] = [];
            await guarded(async () => (drafts = await matcher.drafts(storeLookups(t))));
            if (!failed && (await writeAlerts(t, drafts)).length) written = true;
          },
          committed: () => {
            if (written) this.#onAlerts();
          },
        };
      },
    };
  }

  /** Writes alerts built per subscription of a kind, inside a transaction (the caller's or a new one). */
  async raise(trx: Kysely<Database> | undefined, kind: 'advisory' | 'cluster_priority', build: (sub: CompiledSubscription, trx: Kysely<Database>) => Promise<AlertDraft | null> | AlertDraft | null): Promise<number[]> {
    const run = async (t: Kysely<Database>): Promise<number[]> => {
      const plan = await this.#registry.plan(t);
      const drafts: AlertDraft[] = [];
      for (const i of plan.byKind[kind]) {
        const d = await build(plan.subs[i]!, t);
        if (d) drafts.push(d);
      }
      return writeAlerts(t, drafts);
    };
    const ids = trx ? await run(trx) : await this.#db.transaction().execute(run);
    if (ids.length && !trx) this.#onAlerts();
    return ids;
  }

  /** Announces alerts written in a transaction the caller has now committed. */
  announce(): void {
    this.#onAlerts();
  }

  /** The lowest priority any active cluster subscription asks for, or null when there is none (the analysis skips the rest). */
  async minClusterPriority(): Promise<number | null> {
    const plan = await this.#registry.plan(this.#db);
    const mins = plan.byKind.cluster_priority.map((i) => plan.subs[i]!.minPriority);
    return mins.length ? Math.min(...mins) : null;
  }

  /**
   * Tells subscribers that a cluster crossed their priority threshold (called by the analysis area
   * after each run): once per subscription and cluster, only to subscribers that may see at least one
   * of the cluster's objects, with the priority and name of their own view when `viewFor` is given.
   * @example await engine.clusterPriorityChanged({ clusterId, name: 'banking trojan', priority: 82, previous: 40, objectIds })
   */
  async clusterPriorityChanged(c: ClusterPriorityChange): Promise<number[]> {
    return this.raise(undefined, 'cluster_priority', async (sub, trx) => {
      if (c.priority < sub.minPriority) return null;
      if (!c.objectIds.length) return null;
      const source = `cluster:${c.clusterId}`;
      // Once per subscription and cluster: a cluster that stays above the threshold is not news.
      const told = await trx.selectFrom('alerts').select('id').where('subscription_id', '=', sub.row.id).where('source', '=', source).limit(1).executeTakeFirst();
      if (told) return null;
      // Inside the alert transaction: PGlite has one connection, and it is ours now.
      const seen = await trx
        .selectFrom('stix_objects as o')
        .select('o.id')
        .where('o.id', 'in', c.objectIds.slice(0, 10_000))
        .where(visibleObject(sub.viewer, 'o.id'))
        .limit(100)
        .execute();
      if (!seen.length) return null;
      const view = c.viewFor ? await c.viewFor(sub.viewer, trx) : { priority: c.priority, name: c.name };
      if (!view || view.priority < sub.minPriority) return null;
      const m = new MatchCollector();
      m.add({ value: view.name ?? c.clusterId, type: 'cluster', reason: `priority ${view.priority} ≥ ${sub.minPriority}`, object_ids: seen.map((r) => r.id), tlp: null });
      return draftOf(sub, m, { cluster: c.clusterId }, null, { cluster_id: c.clusterId, name: view.name, priority: view.priority, url: `/api/v1/clusters/${c.clusterId}` });
    });
  }

  /** Max alert id, for tests and streams. */
  async lastAlertId(): Promise<number> {
    const r = await this.#db.selectFrom('alerts').select(sql<number | null>`max(id)`.as('m')).executeTakeFirst();
    return Number(r?.m ?? 0);
  }
}
