import type { StixObject } from '../stix/stix.types.ts';

function quote(v: string): string {
  return `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A STIX pattern that matches one observable. */
export function patternFor(obj: StixObject): string {
  if (obj.type === 'file' && obj.hashes && typeof obj.hashes === 'object') {
    const parts = Object.entries(obj.hashes as Record<string, string>).map(([algo, h]) => `file:hashes.'${algo}' = ${quote(h)}`);
    return `[${parts.join(' OR ')}]`;
  }
  if (obj.type === 'autonomous-system') return `[autonomous-system:number = ${Number(obj.number)}]`;
  if (obj.type === 'vulnerability') return `[vulnerability:name = ${quote(String(obj.name))}]`;
  if (obj.type === 'cryptocurrency-wallet') return `[cryptocurrency-wallet:address = ${quote(String(obj.address))}]`;
  return `[${obj.type}:value = ${quote(String(obj.value))}]`;
}
