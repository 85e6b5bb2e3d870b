import type { AnalysisSettings } from '../analysis.settings.ts';
import { rootScore } from '../scoring.ts';
import { ipOfKey, isInfrastructureKey, keyType, urlHostKey } from '../value-key.ts';
import { createHash } from 'node:crypto';
import { neighbours, type AnalysisGraph } from './analysis.graph.ts';
import type { Scope, Signatures } from './signatures.ts';

/** Facts of the members, by case index. */
export interface CaseFacts {
  readonly types: readonly string[];
  /** Last activity, ms since epoch, NaN when unknown. */
  readonly seenAt: Float64Array;
  /** Organisations that contributed each case. */
  readonly orgs: readonly (readonly string[])[];
  /** The signature of each case's contributions. */
  readonly sigs: readonly string[];
}

/** What the computation needs from outside: warninglists, enrichment, the index, sectors, signatures. */
export interface RootContext {
  readonly warninglisted: (key: string) => boolean;
  /** Warning lists (scope warn) a value is on: its score counts less. */
  readonly warnedBy?: ((key: string) => readonly string[]) | undefined;
  readonly registrableDomain: (host: string) => string | null;
  readonly asnOf: (ip: string) => number | null;
  /** The contributions under a key with their objects (no policy: hub-wide). */
  readonly scopesOfKey: (key: string) => readonly (Omit<Scope, 'confidence'> & { readonly objectId: string })[];
  /** The organisations that contributed a key (no policy: hub-wide); cheaper than scopesOfKey. */
  readonly orgsOfKey: (key: string) => readonly string[];
  readonly sectorOf: (orgId: string) => string | null;
  readonly signatures: Signatures;
}

/** Objects pointing at a value, counted per signature, type, role (0 holder, 1 case) and derivation. */
export interface RootFact {
  readonly sig: string;
  readonly type: string;
  readonly role: 0 | 1;
  readonly derived: boolean;
  objects: number;
  /** ms since epoch, NaN when unknown. */
  lastSeen: number;
}

/** A value kept as a root-source candidate, with its facts to store. */
export interface RootCandidate {
  readonly key: string;
  readonly kind: string;
  readonly hubScore: number;
  readonly tooCommon: boolean;
  readonly connections: number;
  readonly facts: readonly RootFact[];
  readonly hash: string;
  /** Warning lists the value is on (its score is lowered by their factor). */
  readonly warninglists: readonly string[];
}

const NONE: number[] = [];
const NO_LISTS: readonly string[] = [];

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

/**
 * Scores every infrastructure value (and the hosts, registrable domains and ASes behind them) by what
 * points at it, hub-wide; keeps those with at least rootSourceMinConnections cases or organisations,
 * with their facts counted per signature. Warninglisted values neither score nor lend their evidence
 * to a coarser value.
 */
export function computeRootSources(g: AnalysisGraph, facts: CaseFacts, ctx: RootContext, s: AnalysisSettings, now: Date): { candidates: RootCandidate[]; warninglisted: number } {
  // Values are visited by number; only the coarser values derived from them (hosts, registrable
  // domains, ASes) need a map by name: a million-entry map of strings would cost seconds.
  const direct = new Uint8Array(g.keys.length);
  const derivedOf = new Map<string, number[]>();
  let warninglisted = 0;
  for (let k = 0; k < g.keys.length; k++) {
    const key = g.keys[k]!;
    if (!isInfrastructureKey(key)) continue;
    if (ctx.warninglisted(key)) {
      warninglisted++;
      continue;
    }
    direct[k] = 1;
    for (const d of derivedKeys(key, ctx)) {
      const list = derivedOf.get(d);
      if (list) list.push(k);
      else derivedOf.set(d, [k]);
    }
  }
  const holderMark = new Int32Array(g.holderSeqs.length).fill(-1);
  const caseMark = new Int32Array(g.cases.length).fill(-1);
  // Scratch space reused for every value: a million values must not cost a million arrays.
  const caseBuf = new Int32Array(g.cases.length);
  const caseDerived = new Uint8Array(g.cases.length);
  const candidates: RootCandidate[] = [];
  let mark = 0;
  let nCases = 0;
  let holders = 0;
  const visit = (k: number, derived: boolean): void => {
    for (const h of neighbours(g.keyHolders, k)) {
      if (holderMark[h] === mark) continue;
      holderMark[h] = mark;
      holders++;
      for (const c of neighbours(g.holderCases, h)) {
        if (caseMark[c] === mark) continue;
        caseMark[c] = mark;
        caseBuf[nCases] = c;
        caseDerived[nCases++] = derived ? 1 : 0;
      }
    }
  };
  const few: string[] = [];
  const addFew = (o: string): void => {
    if (!few.includes(o)) few.push(o);
  };
  const consider = (key: string, own: number | undefined, derivedFrom: readonly number[]): void => {
    if (own === undefined && ctx.warninglisted(key)) return;
    mark++;
    nCases = 0;
    holders = 0;
    if (own !== undefined) visit(own, false);
    for (const k of derivedFrom) visit(k, true);
    // Most values have one incident from one organisation: settle those without building anything.
    if (nCases < s.rootSourceMinConnections) {
      few.length = 0;
      for (let i = 0; i < nCases; i++) for (const o of facts.orgs[caseBuf[i]!] ?? []) addFew(o);
      if (own !== undefined) for (const o of ctx.orgsOfKey(key)) addFew(o);
      for (const k of derivedFrom) for (const o of ctx.orgsOfKey(g.keys[k]!)) addFew(o);
      if (few.length < s.rootSourceMinConnections) return;
    }
    const keyList = own !== undefined ? [own, ...derivedFrom] : derivedFrom;
    const cases: { c: number; derived: boolean }[] = [];
    for (let i = 0; i < nCases; i++) cases.push({ c: caseBuf[i]!, derived: caseDerived[i] === 1 });
    // Holders as the index knows them, with their contributions (a value reported by two
    // organisations qualifies without any incident).
    const holderScopes = new Map<string, { derived: boolean; scopes: Omit<Scope, 'confidence'>[] }>();
    for (const [i, k] of keyList.entries()) {
      const derived = !(own !== undefined && i === 0);
      for (const sc of ctx.scopesOfKey(g.keys[k]!)) {
        const at = holderScopes.get(sc.objectId);
        if (at) {
          if (at.derived === derived) at.scopes.push(sc);
        } else holderScopes.set(sc.objectId, { derived, scopes: [sc] });
      }
    }
    const orgs = new Set<string>();
    for (const h of holderScopes.values()) for (const sc of h.scopes) orgs.add(sc.orgId);
    for (const { c } of cases) for (const o of facts.orgs[c] ?? []) orgs.add(o);
    if (cases.length < s.rootSourceMinConnections && orgs.size < s.rootSourceMinConnections) return;
    const tooCommon = cases.length + holders > s.tooCommon;
    const by: Record<string, number> = { incident: 0, malware: 0, report: 0, sighting: 0 };
    const rows = new Map<string, RootFact>();
    const add = (sig: string, type: string, role: 0 | 1, derived: boolean, seen: number) => {
      const id = `${sig}|${type}|${role}|${derived ? 1 : 0}`;
      const f = rows.get(id);
      if (f) {
        f.objects++;
        if (!Number.isNaN(seen) && !(seen <= f.lastSeen)) f.lastSeen = seen;
      } else rows.set(id, { sig, type, role, derived, objects: 1, lastSeen: seen });
    };
    let last = NaN;
    for (const { c, derived } of cases) {
      const t = facts.types[c]!;
      by[t] = (by[t] ?? 0) + 1;
      const seen = facts.seenAt[c]!;
      if (!Number.isNaN(seen) && !(seen <= last)) last = seen;
      add(facts.sigs[c]!, t, 1, derived, seen);
    }
    for (const [objectId, h] of holderScopes) add(ctx.signatures.of(h.scopes.map((x) => ({ ...x, confidence: null }))), objectId.slice(0, objectId.indexOf('--')), 0, h.derived, NaN);
    const sectors = new Set<string>();
    for (const o of orgs) {
      const sec = ctx.sectorOf(o);
      if (sec) sectors.add(sec);
    }
    const kind = keyType(key);
    const warn = ctx.warnedBy?.(key) ?? NO_LISTS;
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
        warninglists: warn,
      },
      now,
      s.recencyHalfLifeDays,
    );
    const list = [...rows.values()].sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : a.role - b.role || Number(a.derived) - Number(b.derived)));
    const hash = createHash('sha1')
      .update(list.map((f) => `${f.sig}|${f.type}|${f.role}|${f.derived}|${f.objects}|${Number.isNaN(f.lastSeen) ? '' : f.lastSeen}`).join('\n'))
      .digest('base64url');
    candidates.push({ key, kind, hubScore: explained.score, tooCommon, connections: cases.length + holders, facts: list, hash, warninglists: warn });
  };
  for (let k = 0; k < g.keys.length; k++) {
    if (!direct[k]) continue;
    const key = g.keys[k]!;
    const from = derivedOf.size ? derivedOf.get(key) : undefined;
    if (from) derivedOf.delete(key);
    consider(key, k, from ?? NONE);
  }
  for (const [key, from] of derivedOf) consider(key, undefined, from);
  return { candidates, warninglisted };
}
