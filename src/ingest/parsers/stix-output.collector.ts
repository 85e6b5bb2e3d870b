import type { Tlp } from '../../db/schema.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { stricter, TLP2_MARKING_IDS, tlpMarking } from '../../trust/tlp.ts';
import type { ParseIssue } from './parse-result.ts';
import { derivedId } from './stable-id.factory.ts';

const MAX_ISSUES = 1000;

/**
 * Gathers what an importer makes: objects deduplicated by id (a second TLP for the same object keeps the
 * stricter), issues capped so a hostile file cannot flood the answer, and counts of what was skipped.
 */
export class StixCollector {
  readonly errors: ParseIssue[] = [];
  readonly warnings: ParseIssue[] = [];
  /** Counts of skipped things by kind ("attribute type port", ...), reported once at the end. */
  readonly skipped = new Map<string, number>();
  private readonly objects = new Map<string, StixObject>();
  private readonly tlps = new Map<string, Tlp>();
  private droppedIssues = 0;
  // Objects added since the last takeFresh, when the importer gives them out in slices (issue 17).
  private fresh: StixObject[] | null = null;

  /** Adds an object (or merges its TLP into the one already there) and answers its id. */
  add(obj: StixObject, tlp?: Tlp): string {
    if (!this.objects.has(obj.id)) {
      this.objects.set(obj.id, obj);
      this.fresh?.push(obj);
    }
    if (tlp) this.tlps.set(obj.id, stricter(tlp, this.tlps.get(obj.id)));
    return obj.id;
  }

  /** Replaces an object already added (to set valid_until, a description, ...). */
  update(id: string, change: (obj: StixObject) => StixObject): void {
    if (this.fresh) throw new Error('an importer giving objects out in slices cannot replace one');
    const obj = this.objects.get(id);
    if (obj) this.objects.set(id, change(obj));
  }

  /** The object with this id, if added. */
  get(id: string): StixObject | undefined {
    return this.objects.get(id);
  }

  /** Ids of everything added so far, in order. */
  ids(): string[] {
    return [...this.objects.keys()];
  }

  /** A relationship with an id derived from its ends, so re-importing makes the same one. */
  relate(source: string, type: string, target: string, created: string, tlp?: Tlp): string {
    return this.add(
      { type: 'relationship', spec_version: '2.1', id: derivedId('relationship', [source, type, target]), created, modified: created, relationship_type: type, source_ref: source, target_ref: target },
      tlp,
    );
  }

  /** Records an error (a part that could not be taken). */
  error(where: string, reason: string): void {
    this.issue(this.errors, where, reason);
  }

  /** Records a warning (a part taken with a caveat, or skipped on purpose). */
  warn(where: string, reason: string): void {
    this.issue(this.warnings, where, reason);
  }

  /** Counts one skipped thing of a kind. */
  skip(kind: string): void {
    this.skipped.set(kind, (this.skipped.get(kind) ?? 0) + 1);
  }

  private issue(list: ParseIssue[], where: string, reason: string): void {
    if (this.errors.length + this.warnings.length >= MAX_ISSUES) this.droppedIssues++;
    else list.push({ where, reason });
  }

  /** From now on, keeps the objects added for takeFresh. */
  sliced(): void {
    this.fresh ??= [];
  }

  /**
   * The objects added since the last call, as finish() would give them: only for importers that set no TLP per
   * object and replace nothing (both change an object after it may have been given out).
   */
  takeFresh(): StixObject[] {
    if (!this.fresh) throw new Error('takeFresh needs sliced()');
    if (this.tlps.size > 0) throw new Error('objects with a TLP of their own are given out by finish()');
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  /** The objects with their TLP markings set, followed by the marking definitions they use. */
  finish(): StixObject[] {
    if (this.droppedIssues > 0) this.warnings.push({ where: '(input)', reason: `${this.droppedIssues} further issue(s) not listed` });
    const used = new Set<Tlp>();
    const out: StixObject[] = [];
    for (const obj of this.objects.values()) {
      const tlp = this.tlps.get(obj.id);
      if (!tlp) {
        out.push(obj);
        continue;
      }
      used.add(tlp);
      const refs = new Set([...(obj.object_marking_refs ?? []), TLP2_MARKING_IDS[tlp]]);
      out.push({ ...obj, object_marking_refs: [...refs] });
    }
    for (const tlp of used) out.push(tlpMarking(tlp));
    return out;
  }
}
