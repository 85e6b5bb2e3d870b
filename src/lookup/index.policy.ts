import { contributionPredicate, countablePredicate, quickVerdicts, type ContributionScope, type QuickVerdict } from '../access/visibility.policy.ts';
import type { AnyViewer } from '../access/viewer.ts';

/** What the policy lets a viewer do with one contribution: see it, count its organisation. */
export const SEEN = 1;
export const COUNTED = 2;
// Past this many slots (65,536 organisations) the predicates are asked each time rather than the memo grown.
const MAX_MEMO = 1 << 20;

/**
 * One viewer's policy, prepared once per request for the index's hot loops: the predicates of
 * visibility.policy.ts (the only rule), the verdict by TLP rank, and a memo of the verdicts the predicates gave.
 * The memo holds contributions that name no recipient and are not RED, whose verdict depends only on their
 * organisation, TLP and anonymous-count consent (RED reads the user, recipients are per contribution): a
 * lookup of many values asks the predicates once per (organisation, TLP, consent) instead of once per hit.
 */
export class IndexPolicy {
  readonly visible: (c: ContributionScope) => boolean;
  readonly countable: (c: ContributionScope & { allowCount: boolean }) => boolean;
  readonly quick: readonly QuickVerdict[];
  // Verdict + 1 per memo slot (0: not asked yet); null: no memo (one-off matches).
  #memo: Int8Array | null;

  /** `memo` false for a policy used for a few keys only (the memo costs 16 bytes per organisation). */
  constructor(viewer: AnyViewer, memo = true, visible = contributionPredicate(viewer), countable = countablePredicate(viewer), quick = quickVerdicts(viewer)) {
    this.visible = visible;
    this.countable = countable;
    this.quick = quick;
    this.#memo = memo ? new Int8Array(0) : null;
  }

  /** The remembered verdict of a memo slot, or -1. */
  recall(slot: number): number {
    const m = this.#memo;
    return m !== null && slot < m.length ? m[slot]! - 1 : -1;
  }

  /** Remembers the verdict of a memo slot. */
  remember(slot: number, verdict: number): void {
    let m = this.#memo;
    if (m === null || slot >= MAX_MEMO) return;
    if (slot >= m.length) {
      const next = new Int8Array(Math.max(slot + 1, m.length * 2, 256));
      next.set(m);
      this.#memo = m = next;
    }
    m[slot] = verdict + 1;
  }
}
