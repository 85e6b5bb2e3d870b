import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest (CI on the quiet machine, bench/RESULTS.md "Test suite duration"; the files over 9 s
// in the lead's CI of 2026-12-05 ~05:00 UTC, longest first, with sign-in and blob-store at their times after this
// session's cuts and feeds.test at its usual ~11-14 s, not the 74.5 s of a timeout in that run) start first.
// On a clean clone vitest has no timings and orders files by size, so a thin per-backend wrapper of a long
// scenario (a few lines) would start last and stretch the end of the run on two workers. Names that no longer
// exist are ignored; files not named keep vitest's own order after these.
const LONGEST = [
  'test/web/journeys.test.ts',
  'test/scenarios/real-feeds.pglite.test.ts',
  'test/cli/cli.test.ts',
  'test/feedback/delivery.test.ts',
  'test/web/hotline.journeys.test.ts',
  'test/scenarios/banking-campaign.test.ts',
  'test/robust/no-stall.test.ts',
  'test/scenarios/real-feeds.postgres.test.ts',
  'test/scenarios/feeds-export.test.ts',
  'test/web/admin.journeys.test.ts',
  'test/robust/faults.test.ts',
  'test/feedback/feeds.test.ts',
  'test/sensors/replay.realdata.test.ts',
  'test/collect/real-data.test.ts',
  'test/neutralise/referral-to-closure.test.ts',
  'test/robust/pg-restart.test.ts',
  'test/sessions/sign-in.test.ts',
  'test/stats/reports.test.ts',
  'src/analysis/analysis.storage.test.ts',
  'test/hotline/abuse.test.ts',
  'test/scenarios/analysis-arithmetic.test.ts',
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
