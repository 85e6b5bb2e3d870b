import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { visibleObject } from '../access/visibility.policy.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { tlpOfMarkingId } from '../trust/tlp.ts';
import { IdSet } from './id.set.ts';
import type { ParseIssue } from './parsers/parse-result.ts';

const MAX_REPORTED = 200;

/**
 * References that point neither into the file nor to anything the contributor may see: allowed by STIX, but
 * worth a warning that names the object and the property. What others shared out of the contributor's sight
 * counts as unknown, so the warning tells nothing about it (no existence oracle).
 */
export async function danglingReferences(db: Kysely<Database>, viewer: AnyViewer, objects: readonly StixObject[]): Promise<ParseIssue[]> {
  const refs = new DanglingRefs();
  refs.add(objects);
  return refs.finish(db, viewer);
}

/**
 * danglingReferences for a file given in slices (issue 17): the same warnings in the same order. A reference
 * to an object of a later slice is dropped when that object comes; the database is asked once, at the end, for
 * the references still out of the file.
 * @example const refs = new DanglingRefs(); refs.add(slice1); refs.add(slice2); const warnings = await refs.finish(db, viewer)
 */
export class DanglingRefs {
  readonly #inFile = new IdSet(); // every id of the file, compactly: a whole file's at 1,000,000 rows
  readonly #wanted = new Map<string, { index: number; field: string }[]>();
  readonly #shown = new Map<string, string>();
  #offset = 0;

  /**
   * A reference to `id` (an importer-made object dropped before storing) is named `shown`, the id a whole-file
   * parse gives it (placeholderId), and looked for by it: the warnings are those of the file taken whole.
   */
  rename(id: string, shown: string): void {
    if (id !== shown) this.#shown.set(id, shown);
  }

  /**
   * The next objects of the file, in order. `targets`: the ids of these objects that a reference of the file names
   * (ParseSlice.targets), when the parse knows them: only those are remembered.
   */
  add(objects: readonly StixObject[], targets?: readonly string[]): void {
    const inFile = this.#inFile;
    if (targets) for (const id of targets) inFile.add(id);
    else for (const o of objects) inFile.add(o.id);
    const wanted = this.#wanted;
    const shown = this.#shown;
    // A reference out of the file so far, by object index and property (`position` of a list's element, else -1).
    const want = (to: string, index: number, key: string, position: number): void => {
      if (inFile.has(to) || tlpOfMarkingId(to)) return;
      const ref = shown.size ? (shown.get(to) ?? to) : to;
      const list = wanted.get(ref) ?? [];
      list.push({ index, field: position < 0 ? key : `${key}[${position}]` });
      wanted.set(ref, list);
    };
    // Keys, not entries, and no list of references per object: this runs over every object of an ingest (issue 17).
    const offset = this.#offset;
    objects.forEach((o, i) => {
      const index = offset + i;
      for (const k of Object.keys(o)) {
        if (k.endsWith('_ref')) {
          const v = o[k];
          if (typeof v === 'string') want(v, index, k, -1);
        } else if (k.endsWith('_refs')) {
          const v = o[k];
          if (Array.isArray(v)) v.forEach((r: unknown, j) => typeof r === 'string' && want(r, index, k, j));
        }
      }
    });
    this.#offset += objects.length;
  }

  /**
   * The next objects of the file, whose references are all to objects of the file given out so far or in these, or
   * to TLP markings (a feed line's objects, ParseSlice.refsWithin): nothing to look for, their ids are not kept.
   * Only for a file whose later objects never point at these (a feed's lines point within themselves).
   */
  skip(count: number): void {
    this.#offset += count;
  }

  /** The warnings: references neither in the file nor visible to the viewer. */
  async finish(db: Kysely<Database>, viewer: AnyViewer): Promise<ParseIssue[]> {
    const wanted = this.#wanted;
    for (const ref of wanted.keys()) if (this.#inFile.has(ref)) wanted.delete(ref);
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
}
