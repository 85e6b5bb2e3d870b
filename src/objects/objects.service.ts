import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { notFound } from '../shared/errors.ts';
import { auditSensitiveReads } from '../audit/sensitive-reads.ts';
import { tlpRank } from '../trust/tlp.ts';
import { findVisibleObject, listVersions, listVisibleObjects, reportersOf, visibleContributionsOf, visibleNeighbours, type ObjectFilter } from './objects.repository.ts';
import { presentContribution, presentObject, type ContributionOut } from './object.presenter.ts';
import type { StixObject } from '../stix/stix.types.ts';

/** An object in a list. */
export interface ObjectSummary {
  readonly id: string;
  readonly type: string;
  readonly tlp: Tlp;
  readonly added_at: string;
  readonly updated_at: string;
  readonly object: StixObject;
}

/** Reading the knowledge store, always through the access policy. */
export class ObjectsService {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** A page of visible objects and the cursor to the next. */
  async list(viewer: AnyViewer, filter: ObjectFilter): Promise<{ items: ObjectSummary[]; nextSeq: number | null }> {
    const rows = await listVisibleObjects(this.#db, viewer, filter);
    await auditSensitiveReads(this.#db, viewer, rows.map((r) => ({ id: r.id, rank: r.min_rank })), 'api.objects.list');
    const items = rows.map((r) => ({
      id: r.id,
      type: r.type,
      tlp: (['clear', 'green', 'amber', 'amber+strict', 'red'] as const)[r.min_rank]!,
      added_at: r.added_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
      object: presentObject(r.data),
    }));
    return { items, nextSeq: rows.length === filter.limit ? rows[rows.length - 1]!.seq : null };
  }

  /** One object with its versions, graph neighbours, sightings and the contributions the viewer may see; 404 otherwise. */
  async get(viewer: AnyViewer, id: string) {
    const row = await findVisibleObject(this.#db, viewer, id);
    if (!row) throw notFound('object', id);
    const [contributions, versions, neighbours, reporters] = await Promise.all([
      visibleContributionsOf(this.#db, viewer, id),
      listVersions(this.#db, viewer, id),
      visibleNeighbours(this.#db, viewer, id),
      reportersOf(this.#db, viewer, id),
    ]);
    const maxRank = Math.max(row.min_rank, ...contributions.map((c) => tlpRank(c.tlp)));
    await auditSensitiveReads(this.#db, viewer, [{ id, rank: maxRank }], 'api.objects.get');
    const shown: ContributionOut[] = contributions.map((c) => presentContribution(viewer, c));
    const byContribution = new Map(contributions.map((c, i) => [c.id, shown[i]!]));
    return {
      id: row.id,
      type: row.type,
      tlp: (['clear', 'green', 'amber', 'amber+strict', 'red'] as const)[row.min_rank]!,
      object: presentObject(row.data),
      // Every version the viewer may see, with whose contribution carries it: another member's version of
      // the object is shown as theirs, beside (never instead of) the owner's.
      versions: versions.map((v) => ({
        modified: v.modified_text,
        added_at: v.added_at.toISOString(),
        tlp: v.tlp,
        current: v.current,
        shown: v.current && v.contribution_id === row.contribution_id,
        organisation: byContribution.get(v.contribution_id)?.organisation ?? null,
      })),
      relationships: neighbours
        .filter((n) => n.kind !== 'sighting')
        .map((n) => ({ via: n.via_id, kind: n.kind, label: n.label, direction: n.source_id === id ? 'out' : 'in', object: { id: n.far_id, type: n.far_type, name: n.far_name ?? n.far_value } })),
      sightings: neighbours.filter((n) => n.kind === 'sighting' || n.label === 'sighting_of_ref').map((n) => ({ sighting: n.via_id, object: { id: n.far_id, type: n.far_type, name: n.far_name ?? n.far_value } })),
      contributions: shown,
      reported_by: reporters,
    };
  }

  /** Objects reachable in up to maxHops visible edges, with the path to each (breadth first). */
  async paths(viewer: AnyViewer, from: string, to: string | undefined, maxHops: number) {
    if (!(await findVisibleObject(this.#db, viewer, from))) throw notFound('object', from);
    const seen = new Map<string, string[]>([[from, [from]]]);
    let frontier = [from];
    const found: { to: string; path: string[] }[] = [];
    for (let hop = 1; hop <= maxHops && frontier.length; hop++) {
      const next: string[] = [];
      for (const node of frontier.slice(0, 200)) {
        for (const n of await visibleNeighbours(this.#db, viewer, node, 200)) {
          if (seen.has(n.far_id)) continue;
          const path = [...seen.get(node)!, n.via_id, n.far_id];
          seen.set(n.far_id, path);
          next.push(n.far_id);
          if (!to || n.far_id === to) found.push({ to: n.far_id, path });
        }
      }
      if (to && found.length) break;
      frontier = next;
    }
    return found.slice(0, 1000);
  }
}
