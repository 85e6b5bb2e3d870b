import { analyzeKnowledge } from '../store/knowledge.statistics.ts';
import type { IngestHooks } from './ingest.service.ts';

/**
 * An ingest hook that gathers the knowledge tables' statistics at the end of every ingest that wrote at least
 * `minContributions` contributions (a bulk load: PostgreSQL's own advice is an ANALYZE after one), in its transaction.
 * @example if (storage.kind === 'pglite') ingest.addHooks(analyzeAfterBulk(10_000))
 */
export function analyzeAfterBulk(minContributions: number): IngestHooks {
  return {
    begin: () => {
      let written = 0;
      return {
        slice: async (_trx, slice) => {
          written += slice.contributions.length;
        },
        finish: async (trx) => {
          if (written >= minContributions) await analyzeKnowledge(trx);
        },
      };
    },
  };
}
