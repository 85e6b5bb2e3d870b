import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.ts';

/** The fields of a custody entry that its hash covers. */
export interface CustodyFields {
  readonly at: string;
  readonly evidenceId: string | null;
  readonly caseId: string | null;
  readonly actorUserId: string | null;
  readonly actorOrgId: string | null;
  readonly action: string;
  readonly details: unknown;
}

/** The hash the custody chain starts from. */
export const CUSTODY_GENESIS = '0'.repeat(64);

/**
 * Hash of one custody entry chained to the previous entry's hash (the audit log's scheme, its own chain).
 * @example custodyHash(CUSTODY_GENESIS, fields)
 */
export function custodyHash(prevHash: string, fields: CustodyFields): string {
  return createHash('sha256').update(`custody\n${prevHash}\n${canonicalJson(fields)}`).digest('hex');
}
