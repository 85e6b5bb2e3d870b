import type { Kysely } from 'kysely';
import type { Database, OrgRow, Tlp } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { StixObject } from '../stix/stix.types.ts';
import type { PreparedObject } from '../store/knowledge.writer.ts';
import type { PrefixLimits } from '../observables/cidr.limit.ts';
import type { ParseIssue } from './parsers/parse-result.ts';
import type { ParseHead } from './parse/parse.task.ts';
import type { IngestParams } from './ingest.params.ts';
import { SlicePreparer } from './prepare.ts';
import { DanglingRefs } from './dangling-refs.ts';
import { authorshipSuspects, refusedSuspects, type Speakers } from './authorship.check.ts';
import { unstorableIssue } from './unstorable.check.ts';
import { broadIn, broadIssue, REFS } from './broad-cidr.check.ts';
import { placeholderId } from './parsers/stable-id.factory.ts';
import type { LineDraft } from './parse/line-draft.ts';
import type { UnhashedLine } from '../store/feed-line.ts';

// How many of the sorted `slots` are at most `k`: the lines before the object at position k.
function countUpTo(slots: readonly number[], k: number): number {
  let n = 0;
  while (n < slots.length && slots[n]! <= k) n++;
  return n;
}

/** What a streamed file came to once its last slice is in: the same facts #commit derives from a whole file. */
export interface StreamOutcome {
  readonly errors: ParseIssue[];
  /** The warnings before the dangling references and the reviews (those need the database and the hooks). */
  readonly warnings: ParseIssue[];
  readonly tlp: Record<string, number>;
  /** Nothing of the file may be stored: the transaction is rolled back, the ingest `failed`. */
  readonly rejectedAll: boolean;
  /** Objects counted as the ingest's (before a rejection empties them, as #commit counts them). */
  readonly objects: number;
  /** The count of rejected objects when the file is refused whole. */
  readonly rejected: number;
  /** The dangling references are to be looked for (the file's objects were not all refused before them). */
  readonly danglingRefs: DanglingRefs | null;
  /** The prepared objects stand (a review of them means something): false once a strict refusal took them all. */
  readonly preparedStand: boolean;
  /** The last warning when nothing was found and nothing refused (after the reviews', as #commit orders them). */
  readonly nothing: ParseIssue | null;
}

/** What the parse says of a slice (ParseSlice): ids it made the organisation's, references kept within the file. */
export interface SliceFacts {
  readonly generated?: ReadonlySet<string> | undefined;
  readonly refsWithin?: boolean | undefined;
  readonly placeholders?: Readonly<Record<string, string>> | undefined;
  readonly textChecked?: boolean | undefined;
  readonly targets?: readonly string[] | undefined;
}

/** Who ingests, how, and against which limits. */
export interface StreamCheckContext {
  readonly params: IngestParams;
  readonly viewer: Viewer;
  readonly org: OrgRow;
  readonly ingestId: string;
  readonly now: Date;
  readonly prefixLimits: PrefixLimits;
  /** The organisations' speaking identities; null when the ingest speaks as the hub (no authorship check). */
  readonly speakers: Speakers | null;
  /** The TLP the whole file states (the first slice says it). */
  readonly fileTlp: Tlp | undefined;
  /** The parse checked storable text and broad CIDRs itself (a STIX bundle: the first slice says it). */
  readonly parseChecked?: boolean | undefined;
}

/**
 * The checks of IngestService#commit, slice by slice, for a file parsed in slices (issue 17): unstorable text,
 * broad CIDRs, preparation, authorship, dangling references. Each holds per object; what needs the whole file
 * (the numbering of issues, the refused ids, the references out of the file) is carried from slice to slice, so
 * the errors, warnings and counts are those of the whole file. A strict refusal stops what is given to write and
 * is reported at the end (the caller rolls back what was written).
 * A STIX bundle's slices come checked for storable text and broad CIDRs by its parse (stixSlices, which sees the
 * whole bundle: a relationship may precede the address it points at); a strict bundle's invalid object is refused
 * there too. Not for MISP (removals need the whole event), cowrie (sightings need the whole log) nor anonymous
 * ingests (the contributor's identities are looked for in the whole file): those are checked whole.
 * @example const checks = new StreamChecks(ctx); for (const s of slices) write((await checks.add(s, query)).prepared); const o = checks.finish(head)
 */
export class StreamChecks {
  readonly #c: StreamCheckContext;
  readonly #preparer: SlicePreparer;
  readonly #dangling = new DanglingRefs();
  readonly #unstorable: ParseIssue[] = [];
  readonly #broad: ParseIssue[] = [];
  readonly #forged: ParseIssue[] = [];
  readonly #refusedIds = new Set<string>();
  // Objects seen by each check so far: the indexes their issues name are the file's, as #commit numbers them.
  #parsedIndex = 0;
  #keptIndex = 0;
  #checkedIndex = 0;
  #unstorableRefusal = false;
  #forgedRefusal = false;
  #meaningful = false;
  #markingsOnly = true;
  #prepared = 0;

  constructor(c: StreamCheckContext) {
    this.#c = c;
    this.#preparer = new SlicePreparer(c.params, { viewer: c.viewer, org: c.org, ingestId: c.ingestId }, c.now, c.fileTlp);
  }

  /**
   * The next slice, checked and prepared: what may be written now (nothing once a strict refusal is certain).
   * `query` gives the database connection, for the rare slice with objects speaking as another organisation.
   * `facts`: what the parse says of the slice (ParseSlice.generated and refsWithin). `drafts`: the slice's line drafts
   * (ParseSlice.lines; `slots[j]` objects come before line j), prepared into lines (SlicePreparer.addLines). A line
   * counts as its three objects wherever the checks count objects (the issues' indexes, the prepared count, the TLP
   * counts); the parse held it to the rest (line-draft.ts).
   */
  async add(slice: readonly StixObject[], query: () => Promise<Kysely<Database>>, facts: SliceFacts = {}, drafts: readonly LineDraft[] = [], slots: readonly number[] = []): Promise<{ prepared: PreparedObject[]; lines: UnhashedLine[] }> {
    const { params } = this.#c;
    const checked = this.#c.parseChecked ? { kept: slice, keptSlots: slots } : this.#checkText(slice, facts, slots);
    const { kept, keptSlots } = checked;
    if (facts.placeholders) for (const [id, shown] of Object.entries(facts.placeholders)) this.#dangling.rename(id, shown);
    if (this.#unstorableRefusal) return { prepared: [], lines: [] };
    const offset = this.#checkedIndex;
    this.#checkedIndex += kept.length + 3 * drafts.length;
    // A feed's lines point within themselves: nothing can dangle unless the checks above dropped an object the
    // line's others point at (issue 17: every id of the file was kept for nothing).
    if (facts.refsWithin && kept.length === slice.length) this.#dangling.skip(kept.length + 3 * drafts.length);
    else if (drafts.length === 0) this.#dangling.add(kept, kept.length === slice.length ? facts.targets : undefined);
    else {
      let from = 0;
      for (const slot of keptSlots) {
        if (slot > from) this.#dangling.add(kept.slice(from, slot));
        this.#dangling.skip(3);
        from = slot;
      }
      this.#dangling.add(kept.slice(from));
    }
    if (drafts.length > 0) {
      this.#meaningful = true;
      this.#markingsOnly = false;
    }
    for (const o of kept) {
      const marking = o.type === 'marking-definition';
      this.#meaningful ||= !marking;
      this.#markingsOnly &&= marking;
    }
    let prepared = this.#preparer.add(kept, facts.generated);
    const lines = this.#preparer.addLines(drafts);
    if (this.#c.speakers) {
      // The file's index of an object, made for the rare suspect only (a Map of every id of the file was built for it).
      let at: Map<string, number> | undefined;
      const indexOf = (id: string): number => (at ??= new Map(kept.map((o, i) => [o.id, offset + i + 3 * countUpTo(keptSlots, i)]))).get(id) ?? -1;
      const suspects = authorshipSuspects(prepared, this.#c.org.id, indexOf, this.#c.speakers);
      const forged = suspects.length ? await refusedSuspects(await query(), suspects) : [];
      if (forged.length) {
        this.#forged.push(...forged);
        const refused = new Set(forged.map((f) => f.objectId));
        if (params.lenient) prepared = prepared.filter((p) => !refused.has(p.record.id));
        else this.#forgedRefusal = true;
      }
    }
    if (this.#forgedRefusal) return { prepared: [], lines: [] };
    this.#prepared += prepared.length + 3 * lines.length;
    return { prepared, lines };
  }

  // Unstorable text and broad CIDRs (withoutUnstorable and withoutBroadCidrs of the whole path), for a parse that
  // did not check them: what is left to prepare, and how many of it come before each line (`slots`: of the slice).
  // Objects are named as a whole-file parse names them: an importer-made one the parse made the organisation's
  // (`generated`) by its placeholder id; a line counts as its three objects where it stands.
  #checkText(slice: readonly StixObject[], { generated, textChecked }: SliceFacts, slots: readonly number[]): { kept: readonly StixObject[]; keptSlots: readonly number[] } {
    const storable: StixObject[] = [];
    const storableAt: number[] = [];
    const shown = (o: StixObject): StixObject => {
      const id = generated?.has(o.id) ? placeholderId(o) : o.id;
      this.#dangling.rename(o.id, id);
      return id === o.id ? o : { ...o, id };
    };
    let line = 0;
    for (const [k, o] of slice.entries()) {
      for (; line < slots.length && slots[line]! <= k; line++) this.#parsedIndex += 3;
      const index = this.#parsedIndex++;
      // The parse found each object's text storable already (ParseSlice.textChecked): not walked again.
      const issue = !textChecked && unstorableIssue(o, index) && unstorableIssue(shown(o), index);
      if (!issue) {
        storable.push(o);
        storableAt.push(k);
      } else {
        this.#unstorable.push(issue);
        if (!this.#c.params.lenient) this.#unstorableRefusal = true;
      }
    }
    this.#parsedIndex += 3 * (slots.length - line);
    // A strict file with unstorable text is refused whole before any other check (withoutUnstorable empties it).
    if (this.#unstorableRefusal) return { kept: [], keptSlots: [] };
    const kept: StixObject[] = [];
    const keptSlots: number[] = [];
    line = 0;
    for (const [j, o] of storable.entries()) {
      for (; line < slots.length && slots[line]! <= storableAt[j]!; line++) {
        this.#keptIndex += 3;
        keptSlots.push(kept.length);
      }
      const what = broadIn(o, this.#c.prefixLimits);
      const index = this.#keptIndex++;
      if (what) {
        this.#refusedIds.add(o.id);
        this.#broad.push(broadIssue(shown(o), index, what, this.#c.prefixLimits));
      } else if (!REFS.some((r) => typeof o[r] === 'string' && this.#refusedIds.has(o[r]))) kept.push(o);
    }
    for (; line < slots.length; line++) {
      this.#keptIndex += 3;
      keptSlots.push(kept.length);
    }
    return { kept, keptSlots };
  }

  /** The outcome, once the parse's head (its errors, warnings and summary) is in. */
  finish(head: ParseHead): StreamOutcome {
    // The parse refused the file whole (a strict file with an object too large): no check saw any object.
    if (head.summary?.rejected_all === true) return this.#refused(head.errors, head.warnings, head);
    if (this.#unstorableRefusal) return this.#refused([...this.#unstorable, ...head.errors], head.warnings, head);
    const lenient = this.#c.params.lenient;
    // Extracted formats report broad ranges as warnings, lenient ingests as errors (withoutBroadCidrs).
    const errors = [...this.#unstorable, ...head.errors, ...(lenient ? this.#broad : []), ...this.#forged];
    const warnings = [...head.warnings, ...(lenient ? [] : this.#broad)];
    const objects = this.#forgedRefusal ? 0 : this.#prepared;
    const markingsOnly = this.#checkedIndex > 0 && this.#markingsOnly;
    const nothing = objects === 0 && errors.length === 0 ? { where: 'file', reason: markingsOnly ? 'nothing to store: the file holds only TLP marking definitions, which the hub knows already' : 'no objects or indicators found in this file' } : null;
    const rejectedAll = errors.length > 0 && (objects === 0 || !this.#meaningful);
    const rejected = rejectedAll && typeof head.summary?.objects === 'number' ? head.summary.objects : errors.length;
    return { errors, warnings, tlp: this.#preparer.tlpCounts, rejectedAll, objects, rejected, danglingRefs: this.#dangling, preparedStand: !this.#forgedRefusal, nothing };
  }

  #refused(errors: ParseIssue[], warnings: ParseIssue[], head: ParseHead): StreamOutcome {
    const rejected = typeof head.summary?.objects === 'number' ? head.summary.objects : errors.length;
    return { errors, warnings: [...warnings], tlp: {}, rejectedAll: errors.length > 0, objects: 0, rejected, danglingRefs: null, preparedStand: false, nothing: null };
  }
}
