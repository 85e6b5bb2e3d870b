import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { visibleObject } from '../access/visibility.policy.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { tlpOfMarkingId } from '../trust/tlp.ts';
import type { ParseIssue } from './parsers/parse-result.ts';

const MAX_REPORTED = 200;

function refsOf(obj: StixObject): { field: string; ref: string }[] {
  const out: { field: string; ref: string }[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k.endsWith('_ref') && typeof v === 'string') out.push({ field: k, ref: v });
    else if (k.endsWith('_refs') && Array.isArray(v)) v.forEach((r, i) => typeof r === 'string' && out.push({ field: `${k}[${i}]`, ref: r }));
  }
  return out;
}

/**
 * References that point neither into the file nor to anything the contributor may see: allowed by STIX, but
 * worth a warning that names the object and the property. What others shared out of the contributor's sight
 * counts as unknown, so the warning tells nothing about it (no existence oracle).
 */
export async function danglingReferences(db: Kysely<Database>, viewer: AnyViewer, objects: readonly StixObject[]): Promise<ParseIssue[]> {
  const inFile = new Set(objects.map((o) => o.id));
  const wanted = new Map<string, { index: number; field: string }[]>();
  objects.forEach((o, index) => {
    for (const { field, ref } of refsOf(o)) {
      if (inFile.has(ref) || tlpOfMarkingId(ref)) continue;
      const list = wanted.get(ref) ?? [];
      list.push({ index, field });
      wanted.set(ref, list);
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
