import { createHash } from 'node:crypto';

/** The fields of an audit entry that its hash covers. */
export interface AuditFields {
  readonly at: string;
  readonly actorUserId: string | null;
  readonly actorOrgId: string | null;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly via: string | null;
  readonly details: unknown;
}

/** The hash the chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Hash of one entry chained to the previous entry's hash.
 * @example entryHash(GENESIS_HASH, fields)
 */
export function entryHash(prevHash: string, fields: AuditFields): string {
  return createHash('sha256').update(`${prevHash}\n${canonicalJson(fields)}`).digest('hex');
}
