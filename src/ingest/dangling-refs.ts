import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { visibleObject } from '../access/visibility.policy.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { tlpOfMarkingId } from '../trust/tlp.ts';
import type { ParseIssue } from './parsers/parse-result.ts';

const MAX_REPORTED = 200;

/**
 * References that point neither into the file nor to anything the contributor may see: allowed by STIX, but
 * worth a warning that names the object and the property. What others shared out of the contributor's sight
 * counts as unknown, so the warning tells nothing about it (no existence oracle).
 */
export async function danglingReferences(db: Kysely<Database>, viewer: AnyViewer, objects: readonly StixObject[]): Promise<ParseIssue[]> {
  const inFile = new Set(objects.map((o) => o.id));
  const wanted = new Map<string, { index: number; field: string }[]>();
  // A reference out of the file, by object index and property (`position` of a list's element, else -1).
  const want = (ref: string, index: number, key: string, position: number): void => {
    if (inFile.has(ref) || tlpOfMarkingId(ref)) return;
    const list = wanted.get(ref) ?? [];
    list.push({ index, field: position < 0 ? key : `${key}[${position}]` });
    wanted.set(ref, list);
  };
  // Keys, not entries, and no list of references per object: this runs over every object of an ingest (issue 17).
  objects.forEach((o, index) => {
    for (const k of Object.keys(o)) {
      if (k.endsWith('_ref')) {
        const v = o[k];
        if (typeof v === 'string') want(v, index, k, -1);
      } else if (k.endsWith('_refs')) {
        const v = o[k];
        if (Array.isArray(v)) v.forEach((r: unknown, i) => typeof r === 'string' && want(r, index, k, i));
      }
    }
  });
  if (wanted.size === 0) return [];
  const known = new Set<string>();
  const ids = [...wanted.keys()];
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db
      .selectFrom('stix_objects as o')
      .select('o.id')
      .where('o.id', 'in', ids.slice(i, i + 5000))
      .where(visibleObject(viewer, 'o.id'))
      .execute();
    for (const r of rows) known.add(r.id);
  }
  const issues: ParseIssue[] = [];
  for (const [ref, uses] of wanted) {
    if (known.has(ref)) continue;
    for (const u of uses) if (issues.length < MAX_REPORTED) issues.push({ where: `objects[${u.index}].${u.field}`, reason: `dangling reference: ${ref.slice(0, 120)} is neither in this file nor among the objects you can see` });
  }
  return issues;
}
