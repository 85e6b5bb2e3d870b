import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { StoredContribution } from '../store/contributions.repository.ts';
import type { LineSplit } from '../store/feed-line.ts';
import { insertNewLines, lineContributions, type LineProbe } from '../store/feed-lines.repository.ts';
import { buildBatch, writeBuilt, type BuiltBatch, type WriteCounts, type WriteOptions } from '../store/knowledge.writer.ts';

/** What a batch's write answers: its counts, its contributions (the hooks' facts) and how many objects it took. */
export type LinesBatchResult = WriteCounts & { contributions: StoredContribution[]; size: number };

/**
 * Writes a first import's batch with its flat feed lines (docs/design/feed-lines.md): the lines by COPY into
 * feed_lines, then the rest (`built`, made from split.rest) the stored way, with the objects of the lines that could
 * not be lines (insertNewLines says which) — in the caller's transaction, which holds the write lock. A line's three
 * contributions count as created and reach the hooks like the stored path's. `tails`: the lines' COPY rows, built ahead;
 * `probed`: their probe, made ahead (lines.ahead.ts).
 * @example const r = await writeWithLines(trx, split, buildBatch(split.rest, true), { orgId, lines: true })
 */
export async function writeWithLines(trx: Kysely<Database>, split: LineSplit, built: BuiltBatch, opts: WriteOptions, tails?: readonly (string | Uint8Array)[], probed?: Promise<LineProbe>): Promise<LinesBatchResult> {
  const { written, ids, refused } = await insertNewLines(trx, split.lines, tails, { locked: true, probed });
  const stored = refused.length ? buildBatch([...split.rest, ...refused.flatMap(split.objectsOf)], true) : built;
  const r = await writeBuilt(trx, stored, { ...opts, lines: true });
  const own = written.flatMap((l, i) => lineContributions(l, ids[i]!));
  return { created: r.created + own.length, updated: r.updated, unchanged: r.unchanged, contributions: [...r.contributions, ...own], size: stored.size + own.length };
}
