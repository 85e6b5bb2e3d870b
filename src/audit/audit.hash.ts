import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.ts';

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

/**
 * Hash of one entry chained to the previous entry's hash.
 * @example entryHash(GENESIS_HASH, fields)
 */
export function entryHash(prevHash: string, fields: AuditFields): string {
  return createHash('sha256').update(`${prevHash}\n${canonicalJson(fields)}`).digest('hex');
}
