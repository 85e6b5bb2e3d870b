import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { keyedContributions } from '../store/keyed-contributions.query.ts';
import type { AnalysisSettings } from './analysis.settings.ts';

// The lifecycle of an indicator: its confidence decays with the time since it was last seen (its
// own modification, or its latest sighting), at a half-life that depends on what it names (IPs in
// days, domains in weeks, hashes never); sightings raise the score. Below indicatorMinScore, or
// past valid_until, or revoked, it leaves blocklists; it stays in the store and in searches.
// isActiveIndicator (in memory) and activeIndicatorSql (inside queries) are the same rule.

const DAY_MS = 86_400_000;

/** What the lifecycle needs to know of an indicator. */
export interface IndicatorFacts {
  /** Key type the pattern names ("ipv4-addr", "file", …): see indicatorKind. */
  readonly kind: string;
  readonly confidence: number | null;
  readonly revoked: boolean;
  readonly validUntil: Date | null;
  /** The indicator's modified (or created) time. */
  readonly modified: Date;
  readonly sightings: number;
  readonly lastSighting: Date | null;
}

/** The kind an indicator decays as: the smallest key type of its pattern (what SQL's min() picks too). */
export function indicatorKind(keys: readonly string[]): string {
  let min: string | null = null;
  for (const k of keys) {
    const t = k.slice(0, Math.max(0, k.indexOf(':')));
    if (t && (min === null || t < min)) min = t;
  }
  return min ?? '';
}

/** Half-life in days of a kind, null when it never decays. */
export function halfLifeOf(kind: string, s: AnalysisSettings): number | null {
  return (s.decay[kind] ?? s.defaultDecay).halfLifeDays;
}

/** Points sightings add: 10 per doubling, at most 30. */
export function sightingBoost(sightings: number): number {
  return Math.min(30, 10 * Math.log2(1 + Math.max(0, sightings)));
}

/**
 * The lifecycle score (0–100) of an indicator at a time, with the terms that make it.
 * @example lifecycleScore({ kind: 'ipv4-addr', confidence: 80, … modified: sevenDaysAgo }, now, s).score // 40
 */
export function lifecycleScore(f: IndicatorFacts, now: Date, s: AnalysisSettings): { score: number; lastSeen: Date; decay: number; boost: number; halfLifeDays: number | null } {
  const lastSeen = f.lastSighting && f.lastSighting > f.modified ? f.lastSighting : f.modified;
  const hl = halfLifeOf(f.kind, s);
  const ageDays = Math.max(0, (now.getTime() - lastSeen.getTime()) / DAY_MS);
  // Capped at 60 half-lives (2^-60 ≈ 0), as in SQL where a larger exponent would underflow.
  const decay = hl === null || hl === 0 ? 1 : Math.pow(0.5, Math.min(60, ageDays / hl));
  const boost = sightingBoost(f.sightings);
  const score = Math.min(100, (f.confidence ?? s.defaultConfidence) * decay + boost);
  return { score, lastSeen, decay, boost, halfLifeDays: hl };
}

/**
 * Whether an indicator belongs in blocklists now: not revoked, not past valid_until, lifecycle score
 * at or above indicatorMinScore.
 * @example if (isActiveIndicator(facts, new Date(), settings)) blocklist.push(value)
 */
export function isActiveIndicator(f: IndicatorFacts, now: Date, s: AnalysisSettings): boolean {
  if (f.revoked) return false;
  if (f.validUntil && f.validUntil <= now) return false;
  return lifecycleScore(f, now, s).score >= s.indicatorMinScore;
}

function halfLifeCase(kindExpr: RawBuilder<unknown>, s: AnalysisSettings): RawBuilder<number | null> {
  const entries = Object.entries(s.decay);
  const whens = entries.map(([k, d]) => sql`when ${k} then ${d.halfLifeDays === null || d.halfLifeDays === 0 ? sql`null` : sql.lit(Number(d.halfLifeDays))}`);
  const def = s.defaultDecay.halfLifeDays;
  return sql<number | null>`(case ${kindExpr} ${sql.join(whens, sql` `)} else ${def === null || def === 0 ? sql`null` : sql.lit(Number(def))} end)`;
}

/**
 * SQL condition on a contributions row `alias` of an indicator (the version in question): the same rule as
 * isActiveIndicator. For blocklist exports: `.where(activeIndicatorSql(db, settings, new Date(), 'c'))`.
 * @example db.selectFrom('contributions as c').where(activeIndicatorSql(db, s, new Date(), 'c'))
 */
export function activeIndicatorSql(db: Kysely<Database>, s: AnalysisSettings, now: Date, alias = 'c'): RawBuilder<boolean> {
  const o = (c: string) => sql.ref(`${alias}.${c}`);
  const at = sql`cast(${now.toISOString()} as timestamptz)`;
  const kind = sql`(select min(split_part(lk.key, ':', 1)) from ${keyedContributions(db).as('lk')} where lk.id = ${o('id')})`;
  const sightings = sql`(select count(*) from object_edges le where le.target_id = ${o('object_id')} and le.label = 'sighting_of_ref')`;
  const lastSighting = sql`(select max(ls.modified) from object_edges le join contributions ls on ls.id = le.contribution_id where le.target_id = ${o('object_id')} and le.label = 'sighting_of_ref')`;
  const lastSeen = sql`greatest(coalesce(${o('modified')}, ${o('created_at')}), ${lastSighting})`;
  const hl = halfLifeCase(kind, s);
  const ageDays = sql`greatest(0, extract(epoch from (${at} - ${lastSeen})) / 86400.0)`;
  const decay = sql`(case when ${hl} is null then 1.0 else power(0.5, least(60.0, ${ageDays} / ${hl})) end)`;
  const boost = sql`least(30.0, 10.0 * log(2.0, 1.0 + ${sightings}))`;
  const conf = sql`coalesce(${o('confidence')}, ${sql.lit(Number(s.defaultConfidence))})`;
  return sql<boolean>`(not ${o('revoked')} and (${o('valid_until')} is null or ${o('valid_until')} > ${at})
    and least(100.0, ${conf} * ${decay} + ${boost}) >= ${sql.lit(Number(s.indicatorMinScore))})`;
}
