import type { Kysely } from 'kysely';
import type { Viewer } from '../access/viewer.ts';
import type { Database } from '../db/schema.ts';
import type { AnalysisSettings } from './analysis.settings.ts';
import type { StoredCluster } from './job/clusters.persist.ts';
import { viewerClusterFacts } from './queries/priorities.query.ts';

// Clusters crossing a priority reach their subscribers (issue 11.5: law enforcement subscribes to
// referral-level clusters). After each run, clusters at or above the lowest threshold any
// subscription asks for, and new or changed since the last run, are offered to the feed-back area,
// which tells each subscriber once, with the priority and name of that subscriber's own view.

/** What the analysis needs of the feed-back area's alerts (structural: no import of that area). */
export interface ClusterAlertSink {
  minClusterPriority(): Promise<number | null>;
  clusterPriorityChanged(c: {
    clusterId: string;
    name: string | null;
    priority: number;
    previous: number | null;
    objectIds: readonly string[];
    viewFor: (viewer: Viewer, trx: Kysely<Database>) => Promise<{ priority: number; name: string } | null>;
  }): Promise<number[]>;
}

/** At most this many clusters are offered per run, strongest first (a threshold of 0 must not mean every cluster every run). */
const MAX_PER_RUN = 200;

/**
 * The after-run hook that raises cluster alerts.
 * @example analysis.setClusterAlerts(clusterAlerts(() => analysis.settings, app.feedback.alerts))
 */
export function clusterAlerts(settings: () => AnalysisSettings, sink: ClusterAlertSink): (clusters: readonly StoredCluster[]) => Promise<void> {
  return async (clusters) => {
    const min = await sink.minClusterPriority();
    if (min === null) return;
    const offered = clusters
      .filter((c) => c.hubScore >= min && (c.previous === null || c.changed || Math.abs(c.hubScore - c.previous) > 0.005))
      .sort((a, b) => b.hubScore - a.hubScore || a.id - b.id)
      .slice(0, MAX_PER_RUN);
    for (const c of offered) {
      const s = settings();
      await sink.clusterPriorityChanged({
        clusterId: String(c.id),
        name: c.name,
        priority: c.hubScore,
        previous: c.previous,
        objectIds: c.objectIds,
        viewFor: async (viewer, trx) => {
          const v = (await viewerClusterFacts(trx, viewer, [c.id], { now: new Date(), halfLifeDays: s.recencyHalfLifeDays, referralThreshold: s.referralThreshold, defaultConfidence: s.defaultConfidence })).get(c.id);
          return v ? { priority: v.score, name: v.name } : null;
        },
      });
    }
  };
}
