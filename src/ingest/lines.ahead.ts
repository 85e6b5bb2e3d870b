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
 * but for its own rows: nobody else writes knowledge while the ingest holds the write lock (taken before `open`). So a
 * batch is probed ahead only when none of its lines can meet a row the ingest wrote before: a line a parse drafted
 * (the CSV parse, csv.parser.ts) is the first and only appearance of its value's three objects in the file (the CSV
 * session gives a value's objects once, MappedRow.fresh); any other line (one found among a slice's objects) is
 * probed ahead only when neither its indicator nor its observable is an id the ingest gave to a write before
 * (`wrote`: the lines found so and every stored object), else insertNewLines probes in the transaction as before.
 * Those ids are kept as 64-bit fingerprints: a false match costs the in-transaction probe, never a wrong answer. The
 * lines' time is the transaction's (`now()`, read once). Numbers the probe took beside the transaction's own (a
 * stored write of the batch before) are taken again in the transaction (insertNewLines). Without a side connection
 * (PGlite) nothing is probed ahead.
 * @example const ahead = await LinesAhead.open(trx, side); const probed = ahead.probe(lines); ahead.wrote(ids)
 */
export class LinesAhead {
  readonly #side: IngestSide | undefined;
  readonly #at: Date | undefined;
  readonly #wrote = new FingerprintSet();

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
   * The lines' probe, started now on the side's other connection; undefined where it must be made in the transaction.
   * `drafted`: how many of the lines, first, a parse drafted (see the class).
   */
  probe(lines: readonly FeedLine[], drafted = 0): Promise<LineProbe> | undefined {
    if (!this.#side || lines.length === 0) return undefined;
    for (let i = drafted; i < lines.length; i++) if (this.#wrote.has(lines[i]!.indicatorId) || this.#wrote.has(lines[i]!.scoId)) return undefined;
    const probed = this.#side.ahead((db) => probeLines(db, lines, this.#at));
    probed?.catch(() => {}); // awaited by the write it is given to; not unhandled meanwhile
    return probed;
  }

  /**
   * A write of this ingest was given these (sent, not necessarily done): its stored objects, and its lines after the
   * first `drafted` (a parse's drafts, see the class). A later line found naming one of their ids is probed in the
   * transaction.
   */
  wrote(stored: readonly { readonly record: { readonly id: string } }[], lines: readonly FeedLine[] = [], drafted = 0): void {
    if (!this.#side) return;
    for (const p of stored) this.#wrote.add(p.record.id);
    for (let i = drafted; i < lines.length; i++) {
      this.#wrote.add(lines[i]!.indicatorId);
      this.#wrote.add(lines[i]!.scoId);
    }
  }
}

/**
 * A set of strings kept as 64-bit fingerprints (two FNV-1a hashes with different offsets) in an open-addressing table
 * over one typed array: 8 bytes a slot, where a Set of ids holds ~100 bytes an id. `has` may answer true for a string
 * never added (about one chance in 2^64 a pair), never false for one added.
 * @example const s = new FingerprintSet(); s.add('indicator--x'); s.has('indicator--x') // true
 */
export class FingerprintSet {
  #table = new Uint32Array(2 * 1024);
  #mask = 1023;
  #count = 0;

  get size(): number {
    return this.#count;
  }

  add(text: string): void {
    fingerprint(text);
    if ((this.#count + 1) * 2 > this.#mask + 1) this.#grow();
    if (this.#put(this.#table, this.#mask, FP[0]!, FP[1]!)) this.#count++;
  }

  has(text: string): boolean {
    fingerprint(text);
    const a = FP[0]!, b = FP[1]!;
    const table = this.#table;
    for (let i = b & this.#mask; ; i = (i + 1) & this.#mask) {
      const x = table[2 * i]!;
      if (x === 0) return false;
      if (x === a && table[2 * i + 1] === b) return true;
    }
  }

  // Puts a fingerprint into a table; true when it was not there.
  #put(table: Uint32Array, mask: number, a: number, b: number): boolean {
    for (let i = b & mask; ; i = (i + 1) & mask) {
      const x = table[2 * i]!;
      if (x === 0) {
        table[2 * i] = a;
        table[2 * i + 1] = b;
        return true;
      }
      if (x === a && table[2 * i + 1] === b) return false;
    }
  }

  #grow(): void {
    const old = this.#table;
    const mask = 2 * (this.#mask + 1) - 1;
    const table = new Uint32Array(2 * (mask + 1));
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.#put(table, mask, old[i]!, old[i + 1]!);
    this.#table = table;
    this.#mask = mask;
  }
}

// The last fingerprint made: its first word never 0 (0 marks an empty slot).
const FP = new Uint32Array(2);

function fingerprint(text: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  FP[0] = (a >>> 0) || 1;
  FP[1] = b >>> 0;
}
