import type { AnalysisSettings } from '../analysis.settings.ts';
import { components, EvidenceGroups, type Component } from '../clusters/cluster.builder.ts';
import { keyType } from '../value-key.ts';
import { casesOfHolders, neighbours, type AnalysisGraph } from './analysis.graph.ts';

/** Why values were kept out of clustering. */
export interface ClusterStats {
  keysLinking: number;
  warninglisted: number;
  tooCommon: number;
  edges: number;
  passThrough: number;
}

/** Components with the evidence references resolved to names (keys, edge objects). */
export interface ComputedClusters {
  readonly components: Component[];
  /** Names of evidence by kind and ref: keys[ref] for 'key', edgeRefs[ref] for 'edge'. */
  readonly edgeRefs: readonly string[];
  readonly stats: ClusterStats;
}

/**
 * Groups the graph's evidence (shared non-warninglisted values, edges between members, pass-through
 * objects) and computes connected components.
 * @example computeClusters(graph, (key) => warninglists.match(key) !== null, settings)
 */
export function computeClusters(g: AnalysisGraph, warninglisted: (key: string) => boolean, s: AnalysisSettings): ComputedClusters {
  const groups = new EvidenceGroups();
  const stats: ClusterStats = { keysLinking: 0, warninglisted: 0, tooCommon: 0, edges: 0, passThrough: 0 };
  const stamp = new Int32Array(g.cases.length).fill(-1);
  for (let k = 0; k < g.keys.length; k++) {
    const holders = neighbours(g.keyHolders, k);
    const { cases, capped } = casesOfHolders(g, holders, stamp, k, s.tooCommon);
    if (cases.length < 2) continue;
    const key = g.keys[k]!;
    if (warninglisted(key)) {
      stats.warninglisted++;
      continue;
    }
    if (capped) {
      stats.tooCommon++;
      continue;
    }
    stats.keysLinking++;
    groups.push('key', k, s.keyWeights[keyType(key)] ?? s.defaultKeyWeight, cases);
  }
  const edgeRefs: string[] = [];
  for (const e of g.caseEdges) {
    groups.push('edge', edgeRefs.length, s.relationshipWeight, [e.a, e.b]);
    edgeRefs.push(e.via);
    stats.edges++;
  }
  for (const p of g.passCases) {
    groups.push('edge', edgeRefs.length, s.relationshipWeight, p.cases);
    edgeRefs.push(p.id);
    stats.passThrough++;
  }
  return { components: components(g.cases.length, groups, s), edgeRefs, stats };
}
