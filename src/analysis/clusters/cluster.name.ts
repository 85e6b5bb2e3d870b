import { splitKey } from '../value-key.ts';

// Clusters are named after their strongest shared values, the way an analyst would say it:
// "45.9.148.114 + evil-bank.example (12 incidents)". A viewer's name is made from the values that
// viewer may see, so a name never reveals what the policy hides.

const MAX_VALUE = 60;

/**
 * A value as a person reads it in a name: the bare value, a hash shortened with its algorithm.
 * @example displayValue('file:sha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855') // 'SHA-256 e3b0c44298fc…'
 */
export function displayValue(key: string): string {
  const p = splitKey(key);
  if (!p) return key.slice(0, MAX_VALUE);
  if (p.type === 'file' && p.sub) return `${p.sub.toUpperCase()} ${p.value.slice(0, 12)}…`;
  return p.value.length > MAX_VALUE ? `${p.value.slice(0, MAX_VALUE - 1)}…` : p.value;
}

/** The order of evidence in a name: touching most members first, then the heaviest, then by value. */
export function byStrength<T extends { readonly ref: string; readonly weight: number; readonly members: number }>(a: T, b: T): number {
  return b.members - a.members || b.weight - a.weight || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
}

/**
 * The name of a cluster from its evidence: its two strongest shared values and how many incidents
 * (or members, when it has no incident) it holds.
 * @example clusterName([{ kind: 'key', ref: 'ipv4-addr:45.9.148.114', weight: 1, members: 12 }], 12, 13) // '45.9.148.114 (12 incidents)'
 */
export function clusterName(links: readonly { kind: 'key' | 'edge'; ref: string; weight: number; members: number }[], incidents: number, members: number): string {
  const values = links
    .filter((l) => l.kind === 'key')
    .sort(byStrength)
    .slice(0, 2)
    .map((l) => displayValue(l.ref));
  const count = incidents > 0 ? `${incidents} incident${incidents === 1 ? '' : 's'}` : `${members} member${members === 1 ? '' : 's'}`;
  return values.length ? `${values.join(' + ')} (${count})` : `linked by relationships (${count})`;
}
