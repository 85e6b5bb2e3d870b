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

/**
 * The columns of a contributions row that the policy's SQL conditions read (visibleContribution,
 * countableContribution, headContribution and the TAXII conditions built on them), under their table names: a query
 * whose rows carry these can apply the policy to its own rows instead of joining back to `contributions` by id.
 * @example sql`select ${policyColumns('c')}, c.data from contributions c`
 */
export const POLICY_COLUMNS = ['id', 'object_id', 'org_id', 'user_id', 'tlp', 'tlp_rank', 'recipient_orgs', 'recipient_groups', 'recipient_users', 'allow_count', 'owner_rank', 'modified', 'superseded'] as const;

/**
 * POLICY_COLUMNS of the contributions row `alias`, as a select list.
 * @example sql`select ${policyColumns('c')} from contributions c`
 */
export function policyColumns(alias: string): RawBuilder<unknown> {
  return sql.join(POLICY_COLUMNS.map((n) => sql.ref(`${alias}.${n}`)));
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

// Versions. Every contribution carries its own content (its newest version of the object). Of the
// contributions of one object a viewer may see, the one it is shown is the highest-ranked: the hub's explicit
// version, then the owner's (the organisation that first contributed the object), then others'; within that,
// the newest `modified`; then the least restrictive level; then the oldest contribution. Another member's
// newer version therefore never replaces, revokes or re-attributes the owner's for anyone who can see the
// owner's. `superseded` marks the contributions that are not highest-ranked overall (kept by the writer).

/** The ranking of contributions of one object, highest first, as an ORDER BY list on alias `a`. */
export function headOrder(alias = 'c'): RawBuilder<unknown> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  return sql`${col('owner_rank')} desc, ${col('modified')} desc nulls last, ${col('tlp_rank')} asc, ${col('id')} asc`;
}

// Whether contribution `h` ranks above contribution `c` (the order of headOrder).
function ranksAbove(h: string, c: string): RawBuilder<boolean> {
  const r = (a: string, name: string) => sql.ref(`${a}.${name}`);
  const mod = (a: string) => sql`coalesce(${r(a, 'modified')}, '-infinity'::timestamptz)`;
  return sql<boolean>`(${r(h, 'owner_rank')}, ${mod(h)}, -${r(h, 'tlp_rank')}, -${r(h, 'id')}) > (${r(c, 'owner_rank')}, ${mod(c)}, -${r(c, 'tlp_rank')}, -${r(c, 'id')})`;
}

/**
 * SQL condition on a contributions row `alias`: it is the version of its object this viewer is shown — visible,
 * and no visible contribution of the same object ranks higher. `within` narrows what counts as visible (a TAXII
 * collection's condition on alias `c`); by default the viewer's policy.
 * @example db.selectFrom('contributions as c').where(headContribution(viewer, 'c'))
 */
export function headContribution(v: AnyViewer, alias = 'c', within?: (a: string) => RawBuilder<boolean>): RawBuilder<boolean> {
  const seen = within ?? ((a: string) => visibleContribution(v, a));
  if (!within && isHub(v)) return sql<boolean>`not ${sql.ref(`${alias}.superseded`)}`;
  const h = `${alias}_hd`;
  return sql<boolean>`(${seen(alias)} and (not ${sql.ref(`${alias}.superseded`)} or not exists (
    select 1 from contributions ${sql.raw(h)} where ${sql.ref(`${h}.object_id`)} = ${sql.ref(`${alias}.object_id`)}
      and ${ranksAbove(h, alias)} and ${seen(h)})))`;
}

/** In-memory twin of the ranking: positive when `a` ranks above `b`. */
export function compareHeads(a: HeadRank, b: HeadRank): number {
  if (a.ownerRank !== b.ownerRank) return a.ownerRank - b.ownerRank;
  const ma = a.modified ?? -Infinity;
  const mb = b.modified ?? -Infinity;
  if (ma !== mb) return ma > mb ? 1 : -1;
  if (a.tlpRank !== b.tlpRank) return b.tlpRank - a.tlpRank;
  return b.id - a.id;
}

/** What the ranking of versions reads of a contribution. */
export interface HeadRank {
  readonly id: number;
  readonly ownerRank: number;
  /** `modified` in epoch milliseconds, null for SCOs. */
  readonly modified: number | null;
  readonly tlpRank: number;
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
 * SQL condition for counting a contribution toward "N other organisations also reported this": visible to the
 * viewer, or — for members with an accepted NDA only, never the public or organisations without one — its
 * contributor allowed anonymous counting (never for RED, never a law-enforcement organisation's: a suspect
 * must not learn that the police reported its server).
 */
export function countableContribution(v: AnyViewer, alias = 'c'): RawBuilder<boolean> {
  if (v.kind === 'public' || !v.ndaAccepted) return visibleContribution(v, alias);
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  return sql<boolean>`(${visibleContribution(v, alias)} or (${col('allow_count')} and ${col('tlp')} <> 'red'
    and not exists (select 1 from orgs le where le.id = ${col('org_id')} and le.kind = 'law_enforcement')))`;
}

/** The in-memory twin of countableContribution (the caller leaves out law-enforcement contributors). */
export function countablePredicate(v: AnyViewer): (c: ContributionScope & { readonly allowCount: boolean }) => boolean {
  const visible = contributionPredicate(v);
  if (v.kind === 'public' || !v.ndaAccepted) return visible;
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
