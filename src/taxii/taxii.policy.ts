import { sql, type RawBuilder } from 'kysely';
import type { AnyViewer } from '../access/viewer.ts';
import { visibleContribution } from '../access/visibility.policy.ts';

// What may leave through TAXII: the access policy, narrowed. TAXII clients are machines that forward
// what they receive, so (DESIGN.md, "Sharing and access"):
//   international partners (federation peers) .... nothing above AMBER
//   AMBER+STRICT ................................. only to the contributing organisation and the organisations
//                                                   it names (never through a sharing group, never to the hub
//                                                   unless named)
//   RED .......................................... only to the contributing user and the users it names
//   a push to a remote ........................... as the partner organisation, and never above AMBER

/** TLP rank of AMBER: the highest level a federation peer may receive. */
export const FEDERATION_MAX_RANK = 2;

/** Options of the TAXII policy. */
export interface TaxiiPolicyOptions {
  /** Apply the federation ceiling whatever the viewer's organisation kind (pushes to remotes). */
  readonly federation?: boolean;
}

/**
 * SQL condition: the contribution row `alias` may be served to the viewer through TAXII.
 * @example db.selectFrom('contributions as c').where(taxiiContribution(viewer, 'c'))
 */
export function taxiiContribution(v: AnyViewer, alias = 'c', opts: TaxiiPolicyOptions = {}): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  const base = visibleContribution(v, alias);
  if (v.kind === 'public') return base;
  if (opts.federation || v.orgKind === 'international_partner') return sql<boolean>`(${col('tlp_rank')} <= ${sql.lit(FEDERATION_MAX_RANK)} and ${base})`;
  return sql<boolean>`((${col('tlp_rank')} <= ${sql.lit(FEDERATION_MAX_RANK)}
      or (${col('tlp')} = 'amber+strict' and (${col('org_id')} = ${v.orgId} or ${v.orgId} = any(${col('recipient_orgs')})))
      or (${col('tlp')} = 'red' and (${col('user_id')} = ${v.userId} or ${v.userId} = any(${col('recipient_users')}))))
    and ${base})`;
}
