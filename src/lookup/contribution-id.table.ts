import { LINE_CONTRIBUTION_BASE } from '../store/feed-line.ts';
import { IntTable } from './int.table.ts';

export { LINE_CONTRIBUTION_BASE };

/**
 * Contribution ids → a number, for both kinds of contribution: stored ones (ids below 2^31) and those a flat feed line
 * presents (2^50 and up, kept by their offset from 2^50), each in a 32-bit table of its own. -1: none.
 * @example const t = new ContributionIdTable(); t.set(LINE_CONTRIBUTION_BASE + 9, 3); t.get(LINE_CONTRIBUTION_BASE + 9) // 3
 */
export class ContributionIdTable {
  readonly #stored = new IntTable(1 << 16);
  readonly #lines = new IntTable(1 << 4);

  /** The value of an id, or -1. */
  get(id: number): number {
    return id >= LINE_CONTRIBUTION_BASE ? this.#lines.get(lineKey(id)) : this.#stored.get(id);
  }

  /** Sets the value of an id; -1 forgets it. A stored id from 2^31 on, or a line's from 2^50 + 2^31, is refused. */
  set(id: number, value: number): void {
    if (id >= LINE_CONTRIBUTION_BASE) this.#lines.set(lineKey(id), value);
    else this.#stored.set(id, value);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#stored.bytes + this.#lines.bytes;
  }
}

// A line's key: its offset, plus one (the table's keys are positive).
const lineKey = (id: number): number => id - LINE_CONTRIBUTION_BASE + 1;
