import type { AnyViewer } from '../access/viewer.ts';
import { contributionPredicate, countablePredicate, quickVerdicts } from '../access/visibility.policy.ts';
import { guessKind } from './guess-kind.ts';
import type { KeyMatch, ObservableIndex } from './observable.index.ts';

/** The answer for one looked-up value. */
export interface LookupItem extends KeyMatch {
  readonly value: string;
}

/** Answers "have we seen these?" from the in-memory index, within the trust policy. */
export class LookupService {
  readonly #index: ObservableIndex;

  constructor(index: ObservableIndex) {
    this.#index = index;
  }

  /**
   * Looks up raw values (any kind, defanged allowed); values that match nothing visible are only counted.
   * @example lookup.lookup(viewer, ['198.51.100[.]3', 'evil.example'])
   */
  lookup(viewer: AnyViewer, values: readonly string[]): { items: LookupItem[]; found: number; notFound: number; invalid: number } {
    const visible = contributionPredicate(viewer);
    const countable = countablePredicate(viewer);
    const quick = quickVerdicts(viewer);
    const items: LookupItem[] = [];
    let invalid = 0;
    for (const value of values) {
      const key = guessKind(value);
      if (key === null) {
        invalid++;
        continue;
      }
      const m = this.#index.match(viewer, key, visible, countable, quick);
      if (m) items.push({ value, ...m });
    }
    return { items, found: items.length, notFound: values.length - items.length - invalid, invalid };
  }
}
