import { sql, type RawBuilder } from 'kysely';
import type { Tlp } from '../db/schema.ts';
import { isHub, type AnyViewer } from './viewer.ts';

// THE access policy. Every read path asks this module, either for a SQL condition on a
// contributions row (inside its query) or, for the in-memory index, for the same rule as a predicate.
// The rule, for a contribution c and a viewer v:
//   hub analyst or admin ........ everything (reads of AMBER+STRICT and RED are audited by the caller)
//   public (no key) ............. c.tlp = CLEAR
//   organisation without NDA .... CLEAR, or its own contributions
//   member with NDA ............. CLEAR and GREEN; its organisation's own contributions; AMBER and
//                                 AMBER+STRICT naming its organisation or one of its sharing groups
//   RED (any viewer but the hub) . only the contributing user and the users it names (TLP:RED is for
//                                 individual recipients, not for the contributor's colleagues)

/** The parts of a contribution the policy reads. */
export interface ContributionScope {
  readonly orgId: string;
  readonly userId: string | null;
  readonly tlp: Tlp;
  readonly recipientOrgs: readonly string[];
  readonly recipientGroups: readonly string[];
  readonly recipientUsers: readonly string[];
}

/** TLP levels at or above which a read is audited. */
export const AUDITED_RANK = 3;

/**
 * The policy as a predicate, for in-memory read paths (lookup index, live streams).
 * @example const visible = contributionPredicate(viewer); entries.filter((c) => visible(c))
 */
export function contributionPredicate(v: AnyViewer): (c: ContributionScope) => boolean {
  if (v.kind === 'public') return (c) => c.tlp === 'clear';
  if (isHub(v)) return () => true;
  const red = (c: ContributionScope): boolean => c.userId === v.userId || c.recipientUsers.includes(v.userId);
  if (!v.ndaAccepted) return (c) => c.tlp === 'clear' || (c.tlp === 'red' ? red(c) : c.orgId === v.orgId);
  const groups = new Set(v.groupIds);
  return (c) => {
    if (c.tlp === 'red') return red(c);
    if (c.tlp === 'clear' || c.tlp === 'green' || c.orgId === v.orgId) return true;
    return c.recipientOrgs.includes(v.orgId) || c.recipientGroups.some((g) => groups.has(g));
  };
}

function uuidArray(ids: readonly string[]): RawBuilder<unknown> {
  return sql`cast(${sql.val(`{${ids.join(',')}}`)} as uuid[])`;
}

/**
 * The policy as a SQL condition on a contributions row aliased `alias`, for use inside a query.
 * @example db.selectFrom('contributions as c').where(visibleContribution(viewer, 'c'))
 */
export function visibleContribution(v: AnyViewer, alias = 'c'): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  if (v.kind === 'public') return sql<boolean>`${col('tlp')} = 'clear'`;
  if (isHub(v)) return sql<boolean>`true`;
  const red = sql`(${col('tlp')} = 'red' and (${col('user_id')} = ${v.userId} or ${v.userId} = any(${col('recipient_users')})))`;
  if (!v.ndaAccepted) return sql<boolean>`(${col('tlp')} = 'clear' or (${col('tlp')} <> 'red' and ${col('org_id')} = ${v.orgId}) or ${red})`;
  const groups = v.groupIds.length
    ? sql`or (${col('tlp')} in ('amber', 'amber+strict') and ${col('recipient_groups')} && ${uuidArray(v.groupIds)})`
    : sql``;
  return sql<boolean>`(${col('tlp_rank')} <= 1 or (${col('tlp')} <> 'red' and ${col('org_id')} = ${v.orgId})
    or (${col('tlp')} in ('amber', 'amber+strict') and ${v.orgId} = any(${col('recipient_orgs')}))
    ${groups}
    or ${red})`;
}

/**
 * SQL condition: the object `objectIdRef` has at least one contribution the viewer may see.
 * @example db.selectFrom('stix_objects as o').where(visibleObject(viewer, 'o.id'))
 */
export function visibleObject(v: AnyViewer, objectIdRef: string): RawBuilder<boolean> {
  if (isHub(v)) return sql<boolean>`true`;
  return sql<boolean>`exists (select 1 from contributions vc where vc.object_id = ${sql.ref(objectIdRef)} and ${visibleContribution(v, 'vc')})`;
}

/**
 * SQL condition for counting a contribution toward "N other organisations also reported this":
 * visible to the viewer, or its contributor allowed anonymous counting (never for RED).
 */
export function countableContribution(v: AnyViewer, alias = 'c'): RawBuilder<boolean> {
  return sql<boolean>`(${visibleContribution(v, alias)} or (${sql.ref(`${alias}.allow_count`)} and ${sql.ref(`${alias}.tlp`)} <> 'red'))`;
}

/** The in-memory twin of countableContribution. */
export function countablePredicate(v: AnyViewer): (c: ContributionScope & { readonly allowCount: boolean }) => boolean {
  const visible = contributionPredicate(v);
  return (c) => visible(c) || (c.allowCount && c.tlp !== 'red');
}

/** Whether the viewer may see the contributor's identity of a visible contribution (anonymous ones: hub only). */
export function mayUnmask(v: AnyViewer, c: { readonly orgId: string; readonly anonymous: boolean }): boolean {
  if (!c.anonymous) return true;
  return isHub(v) || (v.kind === 'user' && v.orgId === c.orgId);
}

/** What the policy says of a contribution from its TLP alone, before looking at who it names. */
export type QuickVerdict = 'yes' | 'no' | 'scope';

/**
 * The policy by TLP rank (CLEAR … RED) for one viewer, for hot in-memory paths: 'yes' and 'no' are final,
 * 'scope' means the contribution's contributor and recipients decide (ask contributionPredicate).
 * Same rule as contributionPredicate, checked against it in tests.
 */
export function quickVerdicts(v: AnyViewer): readonly QuickVerdict[] {
  if (v.kind === 'public') return ['yes', 'no', 'no', 'no', 'no'];
  if (isHub(v)) return ['yes', 'yes', 'yes', 'yes', 'yes'];
  if (!v.ndaAccepted) return ['yes', 'scope', 'scope', 'scope', 'scope'];
  return ['yes', 'yes', 'scope', 'scope', 'scope'];
}
