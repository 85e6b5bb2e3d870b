import { sql, type Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { visibleContribution, visibleObject } from '../../access/visibility.policy.ts';
import { auditSensitiveReads } from '../../audit/sensitive-reads.ts';

/** Any selection of the knowledge store an export can carry. */
export interface Selection {
  readonly types?: readonly string[] | undefined;
  readonly ids?: readonly string[] | undefined;
  /** Objects changed at or after. */
  readonly since?: Date | undefined;
  /** Only objects the caller sees at exactly this level (its least restrictive visible contribution). */
  readonly tlp?: Tlp | undefined;
  /** At most this many objects. */
  readonly limit?: number | undefined;
}

/** A selected object with the level the caller sees it at. */
export interface SelectedRow {
  readonly id: string;
  readonly type: string;
  readonly seq: number;
  readonly data: Record<string, unknown>;
  readonly min_rank: number;
}

/**
 * Pages of the objects a viewer may see in a selection, oldest change first (keyset on the change
 * sequence: constant memory), each page's AMBER+STRICT and RED objects audited as read through `via`.
 * @example for await (const page of selectedPages(db, viewer, { types: ['indicator'] }, 'export.stix')) …
 */
export async function* selectedPages(db: Kysely<Database>, v: AnyViewer, sel: Selection, via: string, pageSize = 2000): AsyncGenerator<SelectedRow[]> {
  let after = 0;
  let left = sel.limit ?? Number.MAX_SAFE_INTEGER;
  while (left > 0) {
    let q = db
      .selectFrom('stix_objects as o')
      .select(['o.id', 'o.type', 'o.seq', 'o.data'])
      .select(sql<number>`(select min(c.tlp_rank) from contributions c where c.object_id = o.id and ${visibleContribution(v, 'c')})`.as('min_rank'))
      .where('o.seq', '>', after)
      .where(visibleObject(v, 'o.id'))
      .orderBy('o.seq')
      .limit(Math.min(pageSize, left));
    if (sel.types?.length) q = q.where('o.type', 'in', sel.types);
    if (sel.ids?.length) q = q.where('o.id', 'in', sel.ids);
    if (sel.since) q = q.where('o.updated_at', '>=', sel.since);
    if (sel.tlp)
      q = q.where(sql<boolean>`(select min(c.tlp_rank) from contributions c where c.object_id = o.id and ${visibleContribution(v, 'c')}) = ${['clear', 'green', 'amber', 'amber+strict', 'red'].indexOf(sel.tlp)}`);
    const rows = (await q.execute()) as SelectedRow[];
    if (!rows.length) return;
    await auditSensitiveReads(db, v, rows.map((r) => ({ id: r.id, rank: Number(r.min_rank) })), via);
    yield rows.map((r) => ({ ...r, min_rank: Number(r.min_rank) }));
    after = rows[rows.length - 1]!.seq;
    left -= rows.length;
    if (rows.length < pageSize) return;
  }
}

/** The index keys of objects (indicators' pattern keys, observables' own). */
export async function keysOfObjects(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db.selectFrom('object_keys').select(['object_id', 'key']).where('object_id', 'in', ids.slice(i, i + 5000)).execute();
    for (const r of rows) out.set(r.object_id, [...(out.get(r.object_id) ?? []), r.key]);
  }
  return out;
}
