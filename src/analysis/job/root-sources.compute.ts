import type { AnalysisSettings } from '../analysis.settings.ts';
import { rootScore } from '../scoring.ts';
import { ipOfKey, isInfrastructureKey, keyType, urlHostKey } from '../value-key.ts';
import { neighbours, type AnalysisGraph } from './analysis.graph.ts';

/** Facts of the members, by case index. */
export interface CaseFacts {
  readonly types: readonly string[];
  /** Last activity, ms since epoch, NaN when unknown. */
  readonly seenAt: Float64Array;
  /** Organisations that contributed each case. */
  readonly orgs: readonly (readonly string[])[];
}

/** What the computation needs from outside: warninglists, enrichment, the index, sectors. */
export interface RootContext {
  readonly warninglisted: (key: string) => boolean;
  readonly registrableDomain: (host: string) => string | null;
  readonly asnOf: (ip: string) => number | null;
  /** Organisations that contributed a key's holders (no policy: hub-wide). */
  readonly orgsOfKey: (key: string) => readonly string[];
  readonly sectorOf: (orgId: string) => string | null;
}

/** A value kept as a root-source candidate, with the evidence to store. */
export interface RootCandidate {
  readonly key: string;
  readonly kind: string;
  readonly hubScore: number;
  readonly tooCommon: boolean;
  readonly connections: number;
  /** Holder indexes and case indexes, each with whether it came only through derivation. */
  readonly holders: readonly { h: number; derived: boolean }[];
  readonly cases: readonly { c: number; derived: boolean }[];
  readonly hash: string;
}

/** The values a key stands for at a coarser level: a URL's host, a domain's registrable domain, an IP's AS. */
export function derivedKeys(key: string, ctx: Pick<RootContext, 'registrableDomain' | 'asnOf'>): string[] {
  const out: string[] = [];
  const host = urlHostKey(key);
  const base = host ?? key;
  if (host) out.push(host);
  if (base.startsWith('domain-name:')) {
    const d = base.slice(12);
    const r = ctx.registrableDomain(d);
    if (r && r !== d) out.push(`domain-name:${r}`);
  }
  const ip = ipOfKey(base);
  if (ip) {
    const asn = ctx.asnOf(ip.ip);
    if (asn !== null) out.push(`autonomous-system:${asn}`);
  }
  return out;
}

function fnv(h: number, x: number): number {
  h ^= x & 0xffff;
  h = Math.imul(h, 16777619);
  h ^= x >>> 16;
  return Math.imul(h, 16777619) >>> 0;
}

/**
 * Scores every infrastructure value (and the hosts, registrable domains and ASes behind them) by what
 * points at it, hub-wide; keeps those with at least rootSourceMinConnections cases or organisations.
 * Warninglisted values neither score nor lend their evidence to a coarser value.
 */
export function computeRootSources(g: AnalysisGraph, facts: CaseFacts, ctx: RootContext, s: AnalysisSettings, now: Date): { candidates: RootCandidate[]; warninglisted: number } {
  const keyIndex = new Map<string, number>();
  g.keys.forEach((k, i) => keyIndex.set(k, i));
  const sources = new Map<string, number[]>();
  let warninglisted = 0;
  for (let k = 0; k < g.keys.length; k++) {
    const key = g.keys[k]!;
    if (!isInfrastructureKey(key)) continue;
    if (ctx.warninglisted(key)) {
      warninglisted++;
      continue;
    }
    if (!sources.has(key)) sources.set(key, []);
    for (const d of derivedKeys(key, ctx)) {
      const list = sources.get(d);
      if (list) list.push(k);
      else sources.set(d, [k]);
    }
  }
  const holderMark = new Int32Array(g.holderSeqs.length).fill(-1);
  const caseMark = new Int32Array(g.cases.length).fill(-1);
  const candidates: RootCandidate[] = [];
  let mark = 0;
  for (const [key, derivedFrom] of sources) {
    if (derivedFrom.length && ctx.warninglisted(key)) continue;
    mark++;
    const holders: { h: number; derived: boolean }[] = [];
    const cases: { c: number; derived: boolean }[] = [];
    const own = keyIndex.get(key);
    const keyList = own !== undefined ? [own, ...derivedFrom] : derivedFrom;
    for (const [i, k] of keyList.entries()) {
      const derived = !(own !== undefined && i === 0);
      for (const h of neighbours(g.keyHolders, k)) {
        if (holderMark[h] === mark) continue;
        holderMark[h] = mark;
        holders.push({ h, derived });
        for (const c of neighbours(g.holderCases, h)) {
          if (caseMark[c] === mark) continue;
          caseMark[c] = mark;
          cases.push({ c, derived });
        }
      }
    }
    const orgs = new Set<string>();
    for (const k of keyList) for (const o of ctx.orgsOfKey(g.keys[k]!)) orgs.add(o);
    for (const { c } of cases) for (const o of facts.orgs[c] ?? []) orgs.add(o);
    if (cases.length < s.rootSourceMinConnections && orgs.size < s.rootSourceMinConnections) continue;
    const by: Record<string, number> = { incident: 0, malware: 0, report: 0, sighting: 0 };
    let last = NaN;
    let hash = 2166136261;
    for (const { c, derived } of cases) {
      const t = facts.types[c]!;
      by[t] = (by[t] ?? 0) + 1;
      const seen = facts.seenAt[c]!;
      if (!Number.isNaN(seen) && !(seen <= last)) last = seen;
      hash = fnv(fnv(hash, c * 2 + (derived ? 1 : 0)), Number.isNaN(seen) ? 0 : seen / 1000);
    }
    for (const { h, derived } of holders) hash = fnv(hash, h * 2 + (derived ? 1 : 0) + 0x40000000);
    const sectors = new Set<string>();
    for (const o of orgs) {
      const sec = ctx.sectorOf(o);
      if (sec) sectors.add(sec);
    }
    const kind = keyType(key);
    const explained = rootScore(
      {
        kind,
        incidents: by.incident!,
        malware: by.malware!,
        reports: by.report!,
        sightings: by.sighting!,
        orgs: orgs.size,
        sectors: sectors.size,
        lastSeen: Number.isNaN(last) ? null : new Date(last),
        direct: own !== undefined,
      },
      now,
      s.recencyHalfLifeDays,
    );
    const connections = cases.length + holders.length;
    const tooCommon = connections > s.tooCommon;
    candidates.push({
      key,
      kind,
      hubScore: explained.score,
      tooCommon,
      connections,
      // A value behind everything keeps a bounded sample of its evidence (counts stay in the hub score).
      cases: tooCommon ? cases.slice(0, s.tooCommon) : cases,
      holders: tooCommon ? holders.slice(0, Math.max(1, s.tooCommon - Math.min(cases.length, s.tooCommon))) : holders,
      hash: `${hash.toString(16)}:${cases.length}:${holders.length}`,
    });
  }
  return { candidates, warninglisted };
}
