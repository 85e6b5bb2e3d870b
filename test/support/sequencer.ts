import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest (the lead's quiet-machine CIs of 2026-12-05 ~08:00 UTC: every file over 3 s, longest
// first) start first, so that the run ends on files of a second or less on both workers.
// On a clean clone vitest has no timings and orders files by size, so a thin per-backend wrapper of a long
// scenario (a few lines) would start last and stretch the end of the run on two workers. Names that no longer
// exist are ignored; files not named keep vitest's own order after these.
const LONGEST = [
  'test/web/journeys.test.ts',
  'test/scenarios/real-feeds.pglite.test.ts',
  'test/scenarios/banking-campaign.test.ts',
  'test/scenarios/feeds-export.test.ts',
  'test/feedback/delivery.test.ts',
  'test/cli/cli.test.ts',
  'test/robust/no-stall.test.ts',
  'test/stats/reports.test.ts',
  'test/web/admin.journeys.test.ts',
  'test/web/hotline.journeys.test.ts',
  'test/collect/real-data.test.ts',
  'test/scenarios/real-feeds.postgres.test.ts',
  'test/sensors/replay.realdata.test.ts',
  'test/neutralise/referral-to-closure.test.ts',
  'test/robust/faults.test.ts',
  'test/robust/pg-restart.test.ts',
  'test/scenarios/analysis-arithmetic.test.ts',
  'src/analysis/analysis.storage.test.ts',
  'test/neutralise/blob-store.contract.test.ts',
  'test/feedback/feeds.test.ts',
  'test/collect/batched-write.test.ts',
  'test/collect/bad-input.test.ts',
  'test/hotline/abuse.test.ts',
  'test/startup/pglite-start.test.ts',
  'test/neutralise/evidence-s3.test.ts',
  'test/collect/comment-lines.test.ts',
  'test/hotline/hotline.e2e.test.ts',
  'test/trust/policy-property.test.ts',
  'src/cli/analysis.command.test.ts',
  'test/trust/versions-property.test.ts',
  'test/trust/policy-table.test.ts',
  'test/collect/hostile-input.test.ts',
  'test/feedback/feed-connections.test.ts',
  'test/feedback/exports.test.ts',
  'src/taxii/taxii.federation.test.ts',
  'src/cli/taxii.command.test.ts',
  'test/feedback/two-nodes.test.ts',
  'src/cli/stats.command.test.ts',
  'test/collect/idempotent.test.ts',
  'test/robust/quotas.test.ts',
  'test/sensors/cowrie-ingest.test.ts',
  'test/feedback/analysis-wiring.test.ts',
  'test/http/route-schemas.test.ts',
  'test/feedback/export-cli.test.ts',
];

/** vitest's sequencer with the known longest files moved to the front. */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = LONGEST.indexOf(path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/'));
      return i === -1 ? LONGEST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}
