import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { FeedLine } from '../store/feed-line.ts';
import { probeLines, type LineProbe } from '../store/feed-lines.repository.ts';
import type { IngestSide } from './ingest.side.ts';

/**
 * An ingest's line probes made ahead (issue 17, docs/design/feed-lines.md 8.6): on PostgreSQL each batch's probe
 * (probeLines: which lines cannot be lines, the owners of their observables, their numbers) runs on the side's other
 * connection while the batch before it is written, instead of on the ingest's connection between two COPYs, the path
 * every batch waits on. That connection sees the committed rows alone, which is what the ingest's transaction sees
 * but for its own rows: nobody else writes knowledge while the ingest holds the write lock (taken before `open`). So
 * only a batch whose lines a parse drafted is probed ahead: the CSV parse (csv.parser.ts) gives a value's three
 * objects once in a file (the CSV session's MappedRow.fresh), so no row the ingest wrote before can be one of theirs.
 * A batch with lines found among a slice's objects (a STIX bundle's) is probed in the transaction, as before. The
 * lines' time is the transaction's (`now()`, read once). Numbers the probe took beside the transaction's own (a
 * stored write of the batch before) are taken again in the transaction (insertNewLines). Without a side connection
 * (PGlite) nothing is probed ahead.
 * @example const ahead = await LinesAhead.open(trx, side); const probed = ahead.probe(split.lines, drafts.length)
 */
export class LinesAhead {
  readonly #side: IngestSide | undefined;
  readonly #at: Date | undefined;

  private constructor(side: IngestSide | undefined, at: Date | undefined) {
    this.#side = side;
    this.#at = at;
  }

  /** For the ingest's transaction `trx`, which holds the knowledge write lock, and its side. */
  static async open(trx: Kysely<Database>, side: IngestSide): Promise<LinesAhead> {
    if (!side.aheadable) return new LinesAhead(undefined, undefined);
    const r = await sql<{ at: Date }>`select now() as at`.execute(trx);
    return new LinesAhead(side, r.rows[0]!.at);
  }

  /**
   * The lines' probe, started now on the side's other connection, when the first `drafted` lines, a parse's drafts,
   * are all of them; undefined where the probe must be made in the transaction.
   */
  probe(lines: readonly FeedLine[], drafted: number): Promise<LineProbe> | undefined {
    if (!this.#side || lines.length === 0 || drafted < lines.length) return undefined;
    const probed = this.#side.ahead((db) => probeLines(db, lines, this.#at));
    probed?.catch(() => {}); // awaited by the write it is given to; not unhandled meanwhile
    return probed;
  }
}
