import type { AnyViewer } from '../access/viewer.ts';
import type { LookupItem, ObservableIndex } from './observable.index.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { auditSensitiveReads } from '../audit/sensitive-reads.ts';
import { TLP_LEVELS } from '../trust/tlp.ts';

export type { LookupItem } from './observable.index.ts';

/** Answers "have we seen these?" from the in-memory index, within the trust policy. */
export class LookupService {
  readonly #index: ObservableIndex;
  readonly #db: Kysely<Database> | undefined;

  /** With a database, `lookupAudited` writes AMBER+STRICT and RED answers to the audit log. */
  constructor(index: ObservableIndex, db?: Kysely<Database>) {
    this.#index = index;
    this.#db = db;
  }

  /** `lookup`, then the objects it showed at AMBER+STRICT or RED written to the audit log (issue 10.9). */
  async lookupAudited(viewer: AnyViewer, values: readonly string[], via = 'api.lookup'): Promise<ReturnType<LookupService['lookup']>> {
    const r = this.lookup(viewer, values);
    if (this.#db) {
      const shown = r.items.flatMap((i) => i.objects.map((o) => ({ id: o.id, rank: TLP_LEVELS.indexOf(o.tlp) })));
      await auditSensitiveReads(this.#db, viewer, shown, via);
    }
    return r;
  }

  /**
   * Looks up raw values (any kind, defanged allowed); values that match nothing visible are only counted.
   * @example lookup.lookup(viewer, ['198.51.100[.]3', 'evil.example'])
   */
  lookup(viewer: AnyViewer, values: readonly string[]): { items: LookupItem[]; found: number; notFound: number; invalid: number } {
    const { items, invalid } = this.#index.lookupValues(viewer, values);
    return { items, found: items.length, notFound: values.length - items.length - invalid, invalid };
  }
}
