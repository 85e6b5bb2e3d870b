// Root-source and priority scores. Each is a sum of terms times factors, every term and factor
// reported with its input so the score explains itself. Every term grows with the set of evidence,
// so what a viewer may see never scores higher than what the hub sees: the hub's score is an upper
// bound, and the ranked queries can stop reading once the next hub score is below their page.

import { WARN_FACTOR } from './warninglists/warninglist.scopes.ts';

const DAY_MS = 86_400_000;

/** One line of an explanation: what was counted, how much each counts, the points it gave. */
export interface ScoreTerm {
  readonly term: string;
  readonly value: number;
  readonly weight: number;
  readonly points: number;
  readonly note: string;
}

/** A score with its explanation: points = sum of terms; score = points × product of factors. */
export interface Explained {
  readonly score: number;
  readonly terms: readonly ScoreTerm[];
  readonly factors: readonly ScoreTerm[];
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** The recency factor: 1 for today, ½ + ½·2^(−age/half-life) in between, never below ½. */
export function recencyFactor(lastSeen: Date | null, now: Date, halfLifeDays: number): number {
  if (!lastSeen) return 0.5;
  const age = Math.max(0, (now.getTime() - lastSeen.getTime()) / DAY_MS);
  return 0.5 + 0.5 * Math.pow(0.5, Math.min(60, age / Math.max(halfLifeDays, 0.001)));
}

function explain(terms: ScoreTerm[], factors: ScoreTerm[]): Explained {
  const points = terms.reduce((s, t) => s + t.points, 0);
  const score = factors.reduce((s, f) => s * f.value, points);
  return { score: round(score), terms, factors };
}

function term(name: string, value: number, weight: number, note: string, points = value * weight): ScoreTerm {
  return { term: name, value, weight, points: round(points), note };
}

/** What points at one value, as one viewer may count it. */
export interface RootFacts {
  readonly kind: string;
  readonly incidents: number;
  readonly malware: number;
  readonly reports: number;
  readonly sightings: number;
  readonly orgs: number;
  readonly sectors: number;
  readonly lastSeen: Date | null;
  /** False when every visible piece of evidence came through a URL host, a registrable domain or an ASN. */
  readonly direct: boolean;
  /** Warning lists (scope warn: cloud ranges, dynamic DNS) the value is on; shared infrastructure counts less. */
  readonly warninglists?: readonly string[] | undefined;
}

/** Coarse kinds: an AS holds many unrelated hosts, so its evidence counts half. */
export const KIND_FACTOR: Readonly<Record<string, number>> = { 'autonomous-system': 0.5 };
/** Evidence reached only through derivation (a URL's host, a parent domain, an IP's AS). */
export const DERIVED_FACTOR = 0.8;

/**
 * The root-source score of a value: distinct incidents, malware, reports and sightings pointing at it,
 * organisations and sectors beyond the first, times recency (and ½ for an AS, 0.8 when only derived).
 * @example rootScore({ kind: 'ipv4-addr', incidents: 7, malware: 1, reports: 0, sightings: 0, orgs: 7, sectors: 2, lastSeen: now, direct: true }, now, 30).score // 40
 */
export function rootScore(f: RootFacts, now: Date, halfLifeDays: number): Explained {
  const terms = [
    term('incidents', f.incidents, 3, 'distinct incidents pointing at the value'),
    term('malware', f.malware, 3, 'distinct malware samples or families using it'),
    term('reports', f.reports, 1, 'reports naming it'),
    term('sightings', f.sightings, 1, 'sightings of it'),
    term('organisations', f.orgs, 2, 'organisations beyond the first that reported it or its victims', 2 * Math.max(0, f.orgs - 1)),
    term('sectors', f.sectors, 4, 'sectors beyond the first', 4 * Math.max(0, f.sectors - 1)),
  ];
  const factors = [term('recency', round(recencyFactor(f.lastSeen, now, halfLifeDays), 4), 1, `½ + ½·2^(−days since last seen / ${halfLifeDays})`, 0)];
  const kf = KIND_FACTOR[f.kind];
  if (kf !== undefined) factors.push(term('kind', kf, 1, `${f.kind}: coarse, counts ${kf}`, 0));
  if (!f.direct) factors.push(term('derived', DERIVED_FACTOR, 1, 'seen only through a URL host, parent domain or AS', 0));
  if (f.warninglists?.length) factors.push(term('warninglist', WARN_FACTOR, 1, `on warning list ${f.warninglists.join(', ')}: shared infrastructure, counts ${WARN_FACTOR}`, 0));
  return explain(terms, factors);
}

/** A cluster as one viewer may count it. */
export interface ClusterFacts {
  readonly amountJpy: number;
  readonly victims: number;
  readonly records: number;
  readonly incidents: number;
  readonly orgs: number;
  readonly sectors: number;
  readonly lastSeen: Date | null;
  /** Corroborated confidence 0–1: 1 − Π(1 − c) over organisations (see corroborate). */
  readonly confidence: number;
}

/** Confidence that grows with independent reports: 1 − Π(1 − cᵢ), cᵢ in 0–100, each capped at 99. */
export function corroborate(confidences: readonly number[]): number {
  let miss = 1;
  for (const c of confidences) miss *= 1 - Math.min(99, Math.max(0, c)) / 100;
  return confidences.length ? 1 - miss : 0;
}

/**
 * The priority of a cluster: damage (log-scaled yen, victims, records, de-duplicated by incident),
 * breadth (incidents, organisations and sectors beyond the first), times recency and confidence.
 * @example priorityScore({ amountJpy: 120_000_000, victims: 40, records: 0, incidents: 7, orgs: 7, sectors: 2, lastSeen: now, confidence: 0.99 }, now, 30)
 */
export function priorityScore(f: ClusterFacts, now: Date, halfLifeDays: number): Explained {
  const terms = [
    term('damage_jpy', f.amountJpy, 10, '10 × log10(1 + yen)', 10 * Math.log10(1 + f.amountJpy)),
    term('victims', f.victims, 5, '5 × log10(1 + victims)', 5 * Math.log10(1 + f.victims)),
    term('records', f.records, 2, '2 × log10(1 + records leaked)', 2 * Math.log10(1 + f.records)),
    term('incidents', f.incidents, 2, 'incidents in the cluster'),
    term('organisations', f.orgs, 5, 'organisations beyond the first', 5 * Math.max(0, f.orgs - 1)),
    term('sectors', f.sectors, 10, 'sectors beyond the first', 10 * Math.max(0, f.sectors - 1)),
  ];
  const factors = [
    term('recency', round(recencyFactor(f.lastSeen, now, halfLifeDays), 4), 1, `½ + ½·2^(−days since last activity / ${halfLifeDays})`, 0),
    term('confidence', round(0.5 + 0.5 * f.confidence, 4), 1, '½ + ½ × corroborated confidence 1 − Π(1 − cᵢ) over organisations', 0),
  ];
  return explain(terms, factors);
}
