// Stable cluster ids across runs. A cluster keeps its id while it grows or shrinks. When several
// old clusters end up in one new component they merge: the biggest (then the oldest, the smaller
// id) survives and the others are recorded as merged into it. When an old cluster's members end up
// in several components it split: every piece gets a new id recording that it split from the old one.

/** An old cluster: its id and how many members it had. */
export interface OldCluster {
  readonly id: number;
  readonly members: number;
}

/** What becomes of one new component. */
export interface Assignment {
  /** The surviving old id, or null for a new cluster. */
  readonly id: number | null;
  /** Old clusters merged into this one. */
  readonly mergedFrom: number[];
  /** Old clusters this component is a piece of. */
  readonly splitFrom: number[];
  /** True when the membership differs from the surviving cluster's. */
  readonly changed: boolean;
}

/** The fate of an old cluster that did not survive. */
export type OldFate = { readonly id: number; readonly kind: 'merged'; readonly into: number } | { readonly id: number; readonly kind: 'split'; readonly into: number[] } | { readonly id: number; readonly kind: 'dissolved' };

/**
 * Matches new components (lists of member keys) to old clusters through their members' old cluster ids.
 * Split pieces refer to their new components by index (`into` of split fates: component indexes).
 * @example assignIds([[a, b, c]], new Map([[a, 7], [b, 7]]), new Map([[7, { id: 7, members: 2 }]]))
 */
export function assignIds<M>(
  comps: readonly (readonly M[])[],
  oldOf: ReadonlyMap<M, number>,
  old: ReadonlyMap<number, OldCluster>,
): { assignments: Assignment[]; fates: OldFate[] } {
  const counts = comps.map((members) => {
    const c = new Map<number, number>();
    for (const m of members) {
      const o = oldOf.get(m);
      if (o !== undefined) c.set(o, (c.get(o) ?? 0) + 1);
    }
    return c;
  });
  const pieces = new Map<number, number[]>();
  counts.forEach((c, i) => {
    for (const o of c.keys()) {
      const list = pieces.get(o);
      if (list) list.push(i);
      else pieces.set(o, [i]);
    }
  });
  const survivorOf = new Map<number, number>();
  const assignments = comps.map((members, i): Assignment => {
    const c = counts[i]!;
    const whole = [...c.keys()].filter((o) => pieces.get(o)!.length === 1);
    const splitFrom = [...c.keys()].filter((o) => pieces.get(o)!.length > 1).sort((a, b) => a - b);
    if (whole.length === 0) return { id: null, mergedFrom: [], splitFrom, changed: true };
    const size = (o: number): number => old.get(o)?.members ?? c.get(o)!;
    whole.sort((a, b) => size(b) - size(a) || a - b);
    const survivor = whole[0]!;
    const mergedFrom = whole.slice(1);
    for (const o of whole) survivorOf.set(o, survivor);
    const changed = mergedFrom.length > 0 || splitFrom.length > 0 || members.length !== size(survivor) || c.get(survivor) !== members.length;
    return { id: survivor, mergedFrom, splitFrom, changed };
  });
  const fates: OldFate[] = [];
  for (const o of [...old.keys()].sort((a, b) => a - b)) {
    const p = pieces.get(o);
    if (!p) fates.push({ id: o, kind: 'dissolved' });
    else if (p.length > 1) fates.push({ id: o, kind: 'split', into: p });
    else if (survivorOf.get(o) !== o) fates.push({ id: o, kind: 'merged', into: survivorOf.get(o)! });
  }
  return { assignments, fates };
}
