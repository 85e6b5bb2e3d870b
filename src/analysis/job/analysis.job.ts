import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import '../analysis.tables.ts';
import type { AnalysisSettings } from '../analysis.settings.ts';
import { corroborate, priorityScore } from '../scoring.ts';
import { buildGraph } from './analysis.graph.ts';
import { computeClusters } from './clusters.compute.ts';
import { persistClusters, type ClusterChanges, type ClusterToStore, type MemberFact } from './clusters.persist.ts';
import { idsOfSeqs, loadCaseContributions, loadGraph } from './graph.loader.ts';
import { computeRootSources, type RootContext } from './root-sources.compute.ts';
import { persistRootSources } from './root-sources.persist.ts';

// Only one node writes analysis results at a time; a second run waits, then works on fresh data.
const ANALYSIS_LOCK = 7_340_005;

/** What the job needs: the database, warninglists, enrichment and the index (hub-wide). */
export interface JobDeps {
  readonly db: Kysely<Database>;
  readonly settings: AnalysisSettings;
  readonly warninglisted: (key: string) => boolean;
  readonly registrableDomain: (host: string) => string | null;
  readonly asnOf: (ip: string) => number | null;
  readonly orgsOfKey: (key: string) => readonly string[];
}

/** What one run did, with timings in milliseconds. */
export interface RunReport {
  readonly runId: number;
  readonly cases: number;
  readonly keys: number;
  readonly holders: number;
  readonly clusters: ClusterChanges;
  readonly rootSources: { stored: number; rewritten: number; removed: number; warninglisted: number };
  readonly linking: { keysLinking: number; warninglisted: number; tooCommon: number; edges: number; passThrough: number };
  readonly ms: { load: number; compute: number; write: number; total: number };
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
    const { raw, cases } = await loadGraph(db);
    const contributions = await loadCaseContributions(db);
    const orgRows = await db.selectFrom('orgs').select(['id', sql<string>`coalesce(sector, kind)`.as('sector')]).execute();
    const sectorOf = new Map(orgRows.map((o) => [o.id, o.sector]));
    const t1 = performance.now();
    const graph = buildGraph(raw, s.tooCommon);
    const clustered = computeClusters(graph, deps.warninglisted, s);
    const caseOrgs = cases.map((c) => [...new Set((contributions.get(c.seq) ?? []).map((x) => x.org))]);
    const seenAt = Float64Array.from(cases, (c) => c.seenAt?.getTime() ?? NaN);
    const ctx: RootContext = { ...deps, sectorOf: (o) => sectorOf.get(o) ?? null };
    const roots = computeRootSources(graph, { types: cases.map((c) => c.type), seenAt, orgs: caseOrgs }, ctx, s, now);
    const comps: ClusterToStore[] = clustered.components.map((comp) => {
      const members = comp.members.map((i): MemberFact => {
        const c = cases[i]!;
        return { objectId: c.id, type: c.type, amountJpy: c.amountJpy, victims: c.victims, records: c.records, seenAt: c.seenAt, confidence: c.confidence };
      });
      const orgs = new Map<string, number>();
      for (const i of comp.members)
        for (const x of contributions.get(cases[i]!.seq) ?? []) {
          const conf = x.confidence ?? cases[i]!.confidence ?? s.defaultConfidence;
          orgs.set(x.org, Math.max(orgs.get(x.org) ?? 0, conf));
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
      return {
        members,
        links: comp.links.map((l) => ({ kind: l.kind, ref: l.kind === 'key' ? graph.keys[l.ref]! : clustered.edgeRefs[l.ref]!, weight: l.weight, members: l.members })),
        evidence: comp.evidence,
        hubScore: score.score,
        referral: score.score >= s.referralThreshold,
        firstSeen: first < Infinity ? new Date(first) : null,
        lastSeen: last > -Infinity ? new Date(last) : null,
      };
    });
    const holderSeqs = [...new Set(roots.candidates.flatMap((r) => r.holders.map((h) => graph.holderSeqs[h.h]!)))];
    const holderIds = await idsOfSeqs(db, holderSeqs);
    const t2 = performance.now();
    const result = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${ANALYSIS_LOCK})`.execute(trx);
      const clusters = await persistClusters(trx, runId, comps);
      const stored = await persistRootSources(
        trx,
        runId,
        roots.candidates.map((r) => ({
          key: r.key,
          kind: r.kind,
          hubScore: r.hubScore,
          tooCommon: r.tooCommon,
          connections: r.connections,
          hash: r.hash,
          evidence: () => [
            ...r.holders.flatMap(({ h, derived }) => {
              const o = holderIds.get(graph.holderSeqs[h]!);
              return o ? [{ objectId: o.id, type: o.type, role: 0 as const, derived, seenAt: o.modified }] : [];
            }),
            ...r.cases.map(({ c, derived }) => ({ objectId: cases[c]!.id, type: cases[c]!.type, role: 1 as const, derived, seenAt: cases[c]!.seenAt })),
          ],
        })),
      );
      return { clusters, stored };
    });
    const t3 = performance.now();
    const report: RunReport = {
      runId,
      cases: cases.length,
      keys: graph.keys.length,
      holders: graph.holderSeqs.length,
      clusters: result.clusters,
      rootSources: { ...result.stored, warninglisted: roots.warninglisted },
      linking: clustered.stats,
      ms: { load: Math.round(t1 - t0), compute: Math.round(t2 - t1), write: Math.round(t3 - t2), total: Math.round(t3 - t0) },
    };
    await db.updateTable('analysis_runs').set({ status: 'done', finished_at: new Date(), stats: JSON.stringify(report) }).where('id', '=', runId).execute();
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
