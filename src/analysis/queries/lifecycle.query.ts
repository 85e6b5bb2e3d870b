import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnalysisSettings } from '../analysis.settings.ts';
import { keyedContributions } from '../../store/keyed-contributions.query.ts';
import { halfLifeOf, indicatorKind, isActiveIndicator, type IndicatorFacts } from '../lifecycle.ts';

/** Where an indicator stands: in blocklists or not, and why not. */
export interface IndicatorLifecycle {
  readonly indicator: string;
  readonly active: boolean;
  /** Why it left blocklists: revoked, past valid_until, or decayed below the minimum score. */
  readonly reason: 'revoked' | 'valid_until' | 'decayed' | null;
  readonly kind: string;
  readonly half_life_days: number | null;
  readonly valid_until: string | null;
  readonly confidence: number | null;
}

/** The lifecycle facts of indicators by id, of their leading version (sightings counted hub-wide: blocklists are one decision for all). */
export async function indicatorFacts(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, IndicatorFacts>> {
  const out = new Map<string, IndicatorFacts>();
  if (ids.length === 0) return out;
  const rows = await sql<{ id: string; revoked: boolean; valid_until: Date | null; confidence: number | null; modified: Date | null; added_at: Date; keys: string[] | null; sightings: number; last_sighting: Date | null }>`
    select c.object_id as id, c.revoked, c.valid_until, c.confidence, c.modified, c.created_at as added_at,
      (select array_agg(k.key) from ${keyedContributions(db).as('k')} where k.id = c.id) as keys,
      (select count(*) from object_edges e where e.target_id = c.object_id and e.label = 'sighting_of_ref') as sightings,
      (select max(s.modified) from object_edges e join contributions s on s.id = e.contribution_id where e.target_id = c.object_id and e.label = 'sighting_of_ref') as last_sighting
    from contributions c
    where c.object_id in (select jsonb_array_elements_text(cast(${JSON.stringify(ids)} as jsonb))) and left(c.object_id, 11) = 'indicator--' and not c.superseded`.execute(db);
  for (const r of rows.rows)
    out.set(r.id, {
      kind: indicatorKind(r.keys ?? []),
      confidence: r.confidence,
      revoked: r.revoked,
      validUntil: r.valid_until,
      modified: r.modified ?? r.added_at,
      sightings: Number(r.sightings),
      lastSighting: r.last_sighting,
    });
  return out;
}

/**
 * The lifecycle of indicators the caller already may see.
 * @example await indicatorLifecycles(db, ['indicator--…'], settings, new Date())
 */
export async function indicatorLifecycles(db: Kysely<Database>, ids: readonly string[], s: AnalysisSettings, now: Date): Promise<IndicatorLifecycle[]> {
  const facts = await indicatorFacts(db, ids);
  return [...facts].map(([id, f]) => {
    const active = isActiveIndicator(f, now, s);
    const reason = active ? null : f.revoked ? 'revoked' : f.validUntil && f.validUntil <= now ? 'valid_until' : 'decayed';
    return { indicator: id, active, reason, kind: f.kind, half_life_days: halfLifeOf(f.kind, s), valid_until: f.validUntil ? f.validUntil.toISOString() : null, confidence: f.confidence };
  });
}
