import { LINE_CONTRIBUTION_BASE } from '../store/feed-line.ts';
import { analyzeKnowledge, LINE_KNOWLEDGE_TABLES, STORED_KNOWLEDGE_TABLES } from '../store/knowledge.statistics.ts';
import type { IngestHooks } from './ingest.service.ts';

/**
 * An ingest hook that gathers the knowledge tables' statistics at the end of every ingest that wrote at least
 * `minContributions` new or changed contributions (a bulk load: PostgreSQL's own advice is an ANALYZE after one; a
 * re-import of unchanged rows moves no distribution), in its transaction — of the tables it wrote to only: a feed's
 * lines do not re-sample a store's million stored contributions, nor a STIX bundle the feed lines (ANALYZE reads a
 * sample of 30,000 rows a table, ~0.5 s for feed_lines at 100,000 lines). A line's contribution id is 2^50 or more; a
 * changed one was promoted, its line turned into stored rows (both kinds written).
 * @example ingest.addHooks(analyzeAfterBulk(10_000))
 */
export function analyzeAfterBulk(minContributions: number): IngestHooks {
  return {
    begin: () => {
      let written = 0;
      let stored = false;
      let lines = false;
      return {
        slice: async (_trx, slice) => {
          for (const c of slice.contributions) {
            if (!c.inserted && !c.changed) continue;
            written++;
            const line = c.id >= LINE_CONTRIBUTION_BASE;
            if (!line || c.changed) stored = true;
            if (line) lines = true;
          }
        },
        finish: async (trx) => {
          if (written >= minContributions) await analyzeKnowledge(trx, [...(stored ? STORED_KNOWLEDGE_TABLES : []), ...(lines ? LINE_KNOWLEDGE_TABLES : [])]);
        },
      };
    },
  };
}
