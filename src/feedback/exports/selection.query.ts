import { sql, type Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { headContribution } from '../../access/visibility.policy.ts';
import { auditSensitiveReads } from '../../audit/sensitive-reads.ts';

/** Any selection of the knowledge store an export can carry. */
export interface Selection {
  readonly types?: readonly string[] | undefined;
  readonly ids?: readonly string[] | undefined;
  /** Objects changed at or after. */
  readonly since?: Date | undefined;
  /** Only objects whose version shown to the caller is at exactly this level. */
  readonly tlp?: Tlp | undefined;
  /** At most this many objects. */
  readonly limit?: number | undefined;
}

/** A selected object: the version the caller is shown, with its level. */
export interface SelectedRow {
  readonly id: string;
  readonly type: string;
  readonly seq: number;
  readonly data: Record<string, unknown>;
  readonly min_rank: number;
  /** The contribution whose version this is. */
  readonly contribution_id: number;
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
      .selectFrom('contributions as c')
      .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
      .select(['o.id', 'o.type', 'c.seq', 'c.data', 'c.tlp_rank as min_rank', 'c.id as contribution_id'])
      .where('c.seq', '>', after)
      .where(headContribution(v, 'c'))
      .orderBy('c.seq')
      // Page size and types written into the statement, not parameters: its generic plan is then kept (objects.repository.ts).
      .limit(sql.lit(Math.min(pageSize, left)));
    if (sel.types?.length) q = q.where('o.type', 'in', sel.types.map((t) => sql.lit(t)));
    if (sel.ids?.length) q = q.where('o.id', 'in', sel.ids);
    if (sel.since) q = q.where('c.updated_at', '>=', sel.since);
    if (sel.tlp) q = q.where('c.tlp_rank', '=', ['clear', 'green', 'amber', 'amber+strict', 'red'].indexOf(sel.tlp));
    const rows = (await q.execute()) as SelectedRow[];
    if (!rows.length) return;
    await auditSensitiveReads(db, v, rows.map((r) => ({ id: r.id, rank: Number(r.min_rank) })), via);
    yield rows.map((r) => ({ ...r, min_rank: Number(r.min_rank) }));
    after = rows[rows.length - 1]!.seq;
    left -= rows.length;
    if (rows.length < pageSize) return;
  }
}

/** The index keys of the versions shown (indicators' pattern keys, observables' own), by object id. */
export async function keysOfVersions(db: Kysely<Database>, rows: readonly Pick<SelectedRow, 'id' | 'contribution_id'>[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const objectOf = new Map(rows.map((r) => [Number(r.contribution_id), r.id]));
  const ids = [...objectOf.keys()];
  for (let i = 0; i < ids.length; i += 5000) {
    const found = await db.selectFrom('object_keys').select(['contribution_id', 'key']).where('contribution_id', 'in', ids.slice(i, i + 5000)).execute();
    for (const r of found) {
      const id = objectOf.get(Number(r.contribution_id))!;
      out.set(id, [...(out.get(id) ?? []), r.key]);
    }
  }
  return out;
}
