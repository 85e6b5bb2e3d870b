import { analyzeKnowledge } from '../store/knowledge.statistics.ts';
import type { IngestHooks } from './ingest.service.ts';

/**
 * An ingest hook that gathers the knowledge tables' statistics at the end of every ingest that wrote at least
 * `minContributions` new or changed contributions (a bulk load: PostgreSQL's own advice is an ANALYZE after one; a
 * re-import of unchanged rows moves no distribution), in its transaction.
 * @example ingest.addHooks(analyzeAfterBulk(10_000))
 */
export function analyzeAfterBulk(minContributions: number): IngestHooks {
  return {
    begin: () => {
      let written = 0;
      return {
        slice: async (_trx, slice) => {
          for (const c of slice.contributions) if (c.inserted || c.changed) written++;
        },
        finish: async (trx) => {
          if (written >= minContributions) await analyzeKnowledge(trx);
        },
      };
    },
  };
}
