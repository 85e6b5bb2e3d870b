import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import '../analysis.tables.ts';
import type { AnalysisSettings } from '../analysis.settings.ts';
import { corroborate, priorityScore } from '../scoring.ts';
import { buildGraph } from './analysis.graph.ts';
import { computeClusters } from './clusters.compute.ts';
import { persistClusters, type ClusterChanges, type ClusterToStore, type MemberFact, type StoredCluster } from './clusters.persist.ts';
import { loadCaseContributions, loadCopies, loadGraph, type LoadedCase } from './graph.loader.ts';
import { foldCopies, originalsOf } from './copies.ts';
import { clusterName } from '../clusters/cluster.name.ts';
import { computeRootSources, type RootContext } from './root-sources.compute.ts';
import { persistRootSources, persistSignatures } from './root-sources.persist.ts';
import { Signatures, type Scope } from './signatures.ts';

// Only one node writes analysis results at a time; a second run waits, then works on fresh data.
const ANALYSIS_LOCK = 7_340_005;

/** What the job needs: the database, warninglists, enrichment and the index (hub-wide). */
export interface JobDeps {
  readonly db: Kysely<Database>;
  readonly settings: AnalysisSettings;
  /** True when a list takes the value out of correlation (never_correlate). */
  readonly warninglisted: (key: string) => boolean;
  /** Warning lists (scope warn) the value is on: its root-source score counts less. */
  readonly warnedBy?: (key: string) => readonly string[];
  /** Called with the stored clusters after the run committed (alerts on clusters crossing a priority). */
  readonly onClusters?: (clusters: readonly StoredCluster[]) => Promise<void>;
  /** Records which values of the store are on enabled lists (inside the run's transaction). */
  readonly syncHits?: (keys: readonly string[], trx: Kysely<Database>) => Promise<unknown>;
  readonly registrableDomain: (host: string) => string | null;
  readonly asnOf: (ip: string) => number | null;
  /** The contributions under a key with their objects (the observable index; no policy: hub-wide). */
  readonly scopesOfKey: (key: string) => readonly (Omit<Scope, 'confidence'> & { readonly objectId: string })[];
  /** The organisations that contributed a key (no policy: hub-wide). */
  readonly orgsOfKey: (key: string) => readonly string[];
}

/**
 * The sanitised copies of some originals as members: each counts only for viewers who may see neither
 * its original nor an earlier copy (unlessSig), and its hub contribution is no reporter.
 */
function copyMembers(originals: readonly LoadedCase[], copiesOf: ReadonlyMap<number, LoadedCase[]>, contributions: ReadonlyMap<number, readonly Scope[]>, signatures: Signatures): MemberFact[] {
  const out: MemberFact[] = [];
  for (const o of originals) {
    const copies = copiesOf.get(o.seq);
    if (!copies) continue;
    const seenBefore: Scope[] = [...(contributions.get(o.seq) ?? [])];
    for (const c of copies) {
      const own = (contributions.get(c.seq) ?? []).map((x) => ({ ...x, reporter: false }));
      out.push({
        objectId: c.id,
        type: c.type,
        sig: signatures.of(own),
        unlessSig: signatures.of(seenBefore),
        copyOf: o.id,
        amountJpy: c.amountJpy,
        victims: c.victims,
        records: c.records,
        seenAt: c.seenAt,
        confidence: c.confidence,
      });
      seenBefore.push(...own);
    }
  }
  return out;
}

/** What one run did, with timings in milliseconds. */
export interface RunReport {
  readonly run_id: number;
  readonly cases: number;
  readonly keys: number;
  readonly holders: number;
  readonly clusters: ClusterChanges;
  readonly root_sources: { stored: number; rewritten: number; removed: number; warninglisted: number };
  readonly linking: { keys_linking: number; warninglisted: number; too_common: number; edges: number; pass_through: number };
  readonly ms: { load: number; compute: number; graph: number; clusters: number; roots: number; write: number; total: number };
}

/**
 * One analysis run: reads the graph, computes clusters (stable ids) and root sources, stores them in
 * one transaction, and records the run.
 * @example const report = await runAnalysis(deps, 'cli')
 */
export async function runAnalysis(deps: JobDeps, trigger: string, now = new Date()): Promise<RunReport> {
  const t0 = performance.now();
  const { db, settings: s } = deps;
  const run = await db.insertInto('analysis_runs').values({ trigger, status: 'running', stats: '{}' }).returning('id').executeTakeFirstOrThrow();
  const runId = Number(run.id);
  try {
    const loaded = await loadGraph(db);
    // Sanitised copies fold onto their originals: one incident, however many TLP levels it is shared at.
    const { raw, cases, copiesOf } = foldCopies(loaded.raw, loaded.cases, originalsOf(await loadCopies(db)));
    const contributions = await loadCaseContributions(db);
    const orgRows = await db.selectFrom('orgs').select(['id', sql<string>`coalesce(sector, kind)`.as('sector')]).execute();
    const sectorOf = new Map(orgRows.map((o) => [o.id, o.sector]));
    const t1 = performance.now();
    const graph = buildGraph(raw, s.tooCommon);
    const tGraph = performance.now();
    const clustered = computeClusters(graph, deps.warninglisted, s);
    const tClusters = performance.now();
    const caseOrgs = cases.map((c) => [...new Set((contributions.get(c.seq) ?? []).map((x) => x.orgId))]);
    const seenAt = Float64Array.from(cases, (c) => c.seenAt?.getTime() ?? NaN);
    const signatures = new Signatures();
    const caseSigs = cases.map((c) => signatures.of(contributions.get(c.seq) ?? []));
    const ctx: RootContext = { ...deps, sectorOf: (o) => sectorOf.get(o) ?? null, signatures };
    const roots = computeRootSources(graph, { types: cases.map((c) => c.type), seenAt, orgs: caseOrgs, sigs: caseSigs }, ctx, s, now);
    const tRoots = performance.now();
    const comps: ClusterToStore[] = clustered.components.map((comp) => {
      const members = comp.members.map((i): MemberFact => {
        const c = cases[i]!;
        return { objectId: c.id, type: c.type, sig: caseSigs[i]!, amountJpy: c.amountJpy, victims: c.victims, records: c.records, seenAt: c.seenAt, confidence: c.confidence };
      });
      const orgs = new Map<string, number>();
      for (const i of comp.members)
        for (const x of contributions.get(cases[i]!.seq) ?? []) {
          const conf = x.confidence ?? s.defaultConfidence;
          orgs.set(x.orgId, Math.max(orgs.get(x.orgId) ?? 0, conf));
        }
      const sectors = new Set([...orgs.keys()].map((o) => sectorOf.get(o)).filter(Boolean));
      let first = Infinity;
      let last = -Infinity;
      for (const m of members) {
        const t = m.seenAt?.getTime();
        if (t === undefined) continue;
        first = Math.min(first, t);
        last = Math.max(last, t);
      }
      const score = priorityScore(
        {
          amountJpy: members.reduce((sum, m) => sum + (m.amountJpy ?? 0), 0),
          victims: members.reduce((sum, m) => sum + (m.victims ?? 0), 0),
          records: members.reduce((sum, m) => sum + (m.records ?? 0), 0),
          incidents: members.filter((m) => m.type === 'incident').length,
          orgs: orgs.size,
          sectors: sectors.size,
          lastSeen: last > -Infinity ? new Date(last) : null,
          confidence: corroborate([...orgs.values()]),
        },
        now,
        s.recencyHalfLifeDays,
      );
      const links = comp.links.map((l) => ({ kind: l.kind, ref: l.kind === 'key' ? graph.keys[l.ref]! : clustered.edgeRefs[l.ref]!, weight: l.weight, members: l.members }));
      return {
        members: [...members, ...copyMembers(comp.members.map((i) => cases[i]!), copiesOf, contributions, signatures)],
        name: clusterName(links, members.filter((m) => m.type === 'incident').length, members.length),
        links,
        evidence: comp.evidence,
        hubScore: score.score,
        referral: score.score >= s.referralThreshold,
        firstSeen: first < Infinity ? new Date(first) : null,
        lastSeen: last > -Infinity ? new Date(last) : null,
      };
    });
    const t2 = performance.now();
    const result = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${ANALYSIS_LOCK})`.execute(trx);
      const clusters = await persistClusters(trx, runId, comps);
      await persistSignatures(trx, signatures);
      const stored = await persistRootSources(trx, runId, roots.candidates);
      await deps.syncHits?.(graph.keys, trx);
      return { clusters, stored };
    });
    const t3 = performance.now();
    const { stored: storedClusters, ...clusterChanges } = result.clusters;
    const report: RunReport = {
      run_id: runId,
      cases: cases.length,
      keys: graph.keys.length,
      holders: graph.holderSeqs.length,
      clusters: clusterChanges,
      root_sources: { ...result.stored, warninglisted: roots.warninglisted },
      linking: { keys_linking: clustered.stats.keysLinking, warninglisted: clustered.stats.warninglisted, too_common: clustered.stats.tooCommon, edges: clustered.stats.edges, pass_through: clustered.stats.passThrough },
      ms: { load: Math.round(t1 - t0), compute: Math.round(t2 - t1), graph: Math.round(tGraph - t1), clusters: Math.round(tClusters - tGraph), roots: Math.round(tRoots - tClusters), write: Math.round(t3 - t2), total: Math.round(t3 - t0) },
    };
    await db.updateTable('analysis_runs').set({ status: 'done', finished_at: new Date(), stats: JSON.stringify(report) }).where('id', '=', runId).execute();
    // After the commit: alerts must not announce what a rollback would take back.
    await deps.onClusters?.(storedClusters).catch(() => {});
    return report;
  } catch (err) {
    await db
      .updateTable('analysis_runs')
      .set({ status: 'failed', finished_at: new Date(), stats: JSON.stringify({ error: (err as Error).message }) })
      .where('id', '=', runId)
      .execute()
      .catch(() => {});
    throw err;
  }
}
