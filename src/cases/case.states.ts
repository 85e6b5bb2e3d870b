import type { CaseState } from '../db/schema.ts';

/** Every case state, in the order a case normally moves through them. */
export const CASE_STATES: readonly CaseState[] = ['proposed', 'accepted', 'investigating', 'actions', 'closed'];

const NEXT: Readonly<Record<CaseState, readonly CaseState[]>> = {
  proposed: ['accepted', 'closed'],
  accepted: ['investigating', 'actions', 'closed'],
  investigating: ['actions', 'closed'],
  actions: ['investigating', 'closed'],
  closed: [],
};

/**
 * Whether a case may move from one state to another (a closed case stays closed).
 * @example canMove('proposed', 'accepted') // true
 */
export function canMove(from: CaseState, to: CaseState): boolean {
  return NEXT[from].includes(to);
}

/** How a case ended: arrests, seizures, takedowns, or no action and why. */
export interface CaseOutcome {
  readonly arrests: number;
  readonly seizures: number;
  readonly takedowns: number;
  readonly no_action_reason: string | null;
  readonly note: string;
}

/** The kinds of result an outcome records, for the contributors' view and the metrics. */
export function outcomeKinds(o: CaseOutcome): string[] {
  const kinds: string[] = [];
  if (o.arrests > 0) kinds.push('arrests');
  if (o.seizures > 0) kinds.push('seizures');
  if (o.takedowns > 0) kinds.push('takedowns');
  if (kinds.length === 0) kinds.push('no_action');
  return kinds;
}

/** Names of states in Japanese, for notices and e-mail. */
export const STATE_JA: Readonly<Record<CaseState, string>> = {
  proposed: '提案中',
  accepted: '警察が受理',
  investigating: '捜査中',
  actions: '措置実施中',
  closed: '終結',
};

/** Names of states in English. */
export const STATE_EN: Readonly<Record<CaseState, string>> = {
  proposed: 'proposed',
  accepted: 'accepted by law enforcement',
  investigating: 'under investigation',
  actions: 'actions under way',
  closed: 'closed',
};
