import { contributionPredicate, countablePredicate, type ContributionScope } from '../../access/visibility.policy.ts';
import type { Viewer } from '../../access/viewer.ts';
import type { SubscriptionKind } from '../feedback.tables.ts';
import { AssetMatcher } from './asset.matcher.ts';
import { sectorFamily } from './sector.families.ts';
import { subscriberViewer } from './subscriber.viewer.ts';
import type { ActiveSubscriptionRow } from './subscriptions.repository.ts';
import type { AssetRule, ClusterRule, IndicatorRule, SectorRule } from './subscription.rules.ts';

/** A subscription ready to match: its row, the viewer it hears as, and that viewer's policy. */
export interface CompiledSubscription {
  readonly row: ActiveSubscriptionRow;
  readonly viewer: Viewer;
  readonly visible: (c: ContributionScope) => boolean;
  readonly countable: (c: ContributionScope & { readonly allowCount: boolean }) => boolean;
  /** Sector families the subscription listens for (sector kind). */
  readonly sectors: ReadonlySet<string>;
  /** Observable types and lower-cased group names or ids (indicator kind). */
  readonly types: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly minConfidence: number | null;
  readonly minPriority: number;
}

/** Every active subscription compiled once, reused for every ingest until one changes. */
export interface MatchPlan {
  readonly subs: readonly CompiledSubscription[];
  /** Subscriptions by kind, as indices into subs. */
  readonly byKind: Readonly<Record<SubscriptionKind, readonly number[]>>;
  /** One matcher for all asset rules; its owner numbers index assetOwners. */
  readonly asset: AssetMatcher;
  readonly assetOwners: readonly number[];
}

// Kessetsu organisation sectors as the STIX vocabulary names them (the org's own sector by default).
function ownSectors(row: ActiveSubscriptionRow): string[] {
  return [row.org_sector ?? row.org_kind];
}

/**
 * Compiles subscriptions into a plan: viewers and predicates built once, every asset rule merged
 * into one matcher.
 * @example const plan = compilePlan(await activeSubscriptions(db))
 */
export function compilePlan(rows: readonly ActiveSubscriptionRow[]): MatchPlan {
  const byKind: Record<SubscriptionKind, number[]> = { asset: [], sector: [], indicator: [], shared_sighting: [], cluster_priority: [], advisory: [] };
  const assetRules: AssetRule[] = [];
  const assetOwners: number[] = [];
  const subs = rows.map((row, i): CompiledSubscription => {
    byKind[row.kind].push(i);
    const viewer = subscriberViewer(row);
    const rule = row.rule as Record<string, unknown>;
    if (row.kind === 'asset') {
      assetRules.push(rule as unknown as AssetRule);
      assetOwners.push(i);
    }
    const sectorRule = row.kind === 'sector' ? (rule as unknown as SectorRule) : undefined;
    const ind = row.kind === 'indicator' ? (rule as unknown as IndicatorRule) : undefined;
    return {
      row,
      viewer,
      visible: contributionPredicate(viewer),
      countable: countablePredicate(viewer),
      sectors: new Set((sectorRule ? (sectorRule.sectors.length ? sectorRule.sectors : ownSectors(row)) : []).map(sectorFamily)),
      types: new Set(ind?.types ?? []),
      groups: new Set((ind?.groups ?? []).map((g) => g.toLowerCase())),
      minConfidence: ind?.min_confidence ?? null,
      minPriority: row.kind === 'cluster_priority' ? (rule as unknown as ClusterRule).min_priority : 0,
    };
  });
  return { subs, byKind, asset: new AssetMatcher(assetRules), assetOwners };
}
