import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest (the lead's quiet-machine CI of 2026-12-05 ~08:00 UTC, the 28 longest, longest first)
// start first.
// On a clean clone vitest has no timings and orders files by size, so a thin per-backend wrapper of a long
// scenario (a few lines) would start last and stretch the end of the run on two workers. Names that no longer
// exist are ignored; files not named keep vitest's own order after these.
const LONGEST = [
  'test/web/journeys.test.ts',
  'test/scenarios/real-feeds.pglite.test.ts',
  'test/feedback/delivery.test.ts',
  'test/robust/no-stall.test.ts',
  'test/scenarios/feeds-export.test.ts',
  'test/cli/cli.test.ts',
  'test/scenarios/banking-campaign.test.ts',
  'test/web/admin.journeys.test.ts',
  'test/sensors/replay.realdata.test.ts',
  'test/collect/real-data.test.ts',
  'test/neutralise/referral-to-closure.test.ts',
  'src/analysis/analysis.storage.test.ts',
  'test/robust/faults.test.ts',
  'test/scenarios/real-feeds.postgres.test.ts',
  'test/web/hotline.journeys.test.ts',
  'test/stats/reports.test.ts',
  'test/neutralise/blob-store.contract.test.ts',
  'test/robust/pg-restart.test.ts',
  'test/scenarios/analysis-arithmetic.test.ts',
  'test/feedback/feeds.test.ts',
  'test/collect/batched-write.test.ts',
  'test/neutralise/evidence-s3.test.ts',
  'test/collect/comment-lines.test.ts',
  'test/hotline/hotline.e2e.test.ts',
  'test/hotline/abuse.test.ts',
  'test/collect/bad-input.test.ts',
  'test/trust/versions-property.test.ts',
  'test/feedback/exports.test.ts',
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
