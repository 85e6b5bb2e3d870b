import type { ParseIssue } from '../../ingest/parsers/parse-result.ts';
import type { PreparedObject } from '../../store/knowledge.writer.ts';
import { lineKey, type FeedLine } from '../../store/feed-line.ts';
import { splitKey } from '../value-key.ts';
import type { WarninglistHit } from './warninglist.matcher.ts';
import { KeyDigestSet } from './key-digest.set.ts';
import { SCOPE_MEANING } from './warninglist.scopes.ts';

/** What takeListed reads of a written slice: its objects and what the write did with their contributions. */
export interface WrittenSlice {
  readonly objects: readonly PreparedObject[];
  /** Lines in place of their objects (IngestSlice.lines). */
  readonly lines?: readonly FeedLine[] | undefined;
  readonly contributions: readonly { readonly object_id: string; readonly inserted: boolean; readonly changed: boolean }[];
}

/** Warnings listed one by one; the rest are counted in one line. */
export const MAX_LISTED = 200;

/** What a hit means, in one sentence for the submitter. */
export function hitReason(h: WarninglistHit): string {
  const effects = h.scopes.map((s) => SCOPE_MEANING[s]).join('; ');
  return `on warninglist ${h.list} (${h.name}): ${effects}${h.scopes.includes('warn') ? '' : ' (kept in the store)'}`;
}

/**
 * The ingest report's word on warninglisted values: one warning per value on an enabled list (which
 * list, what it suppresses), the first MAX_LISTED listed and the rest counted.
 * @example ingestWarnings((k) => app.warninglists.matchAll(k), prepared) // [{ where: 'ipv4-addr 8.8.8.8', reason: 'on warninglist kessetsu-public-resolvers …' }]
 */
export function ingestWarnings(matchAll: (key: string) => readonly WarninglistHit[], objects: readonly PreparedObject[]): ParseIssue[] {
  const review = new WarninglistReview(matchAll);
  review.add(objects);
  return review.warnings();
}

/**
 * ingestWarnings for an ingest given slice by slice (issue 17): the same warnings, keeping only the values found
 * on warninglists (to count each once), not the file's. The values found since the last takeListed() are kept with
 * their lists until taken; the others only as 64-bit digests (KeyDigestSet), so that a feed of a million listed
 * values does not hold a million strings until its end (memory flat).
 * @example const r = new WarninglistReview(matchAll); r.add(slice1); r.add(slice2); r.warnings()
 */
export class WarninglistReview {
  readonly #matchAll: (key: string) => readonly WarninglistHit[];
  readonly #listsOf: (key: string) => readonly string[];
  readonly #listed: ParseIssue[] = [];
  readonly #seen = new KeyDigestSet();
  #fresh = new Map<string, readonly string[]>();

  /** `listsOf`: the slugs of the lists a key is on (matchAll's, without the rest of each hit). */
  constructor(matchAll: (key: string) => readonly WarninglistHit[], listsOf: (key: string) => readonly string[] = (k) => matchAll(k).map((h) => h.list)) {
    this.#matchAll = matchAll;
    this.#listsOf = listsOf;
  }

  /** The next prepared objects of the ingest, and lines (each stands for an observable and an indicator of its key). */
  add(objects: readonly PreparedObject[], lines: readonly FeedLine[] = []): void {
    // Each value once: the listed ones are remembered for the ingest, the others for the slice (an indicator and its
    // observable share their key).
    const missed = new Set<string>();
    for (const o of objects) for (const key of o.record.keys) this.#look(key, missed);
    for (const l of lines) this.#look(lineKey(l), missed);
  }

  #look(key: string, missed: Set<string>): void {
    if (missed.has(key) || this.#seen.has(key)) return;
    const lists = this.#listsOf(key);
    if (!lists.length) {
      missed.add(key);
      return;
    }
    this.#seen.add(key);
    this.#fresh.set(key, lists);
    if (this.#listed.length >= MAX_LISTED) return;
    const hits = this.#matchAll(key);
    const p = splitKey(key);
    const where = p ? `${p.type}${p.sub ? ` ${p.sub}` : ''} ${p.value}` : key;
    this.#listed.push({ where: where.slice(0, 300), reason: hits.map(hitReason).join(' | ') });
  }

  /**
   * The values found on warninglists since the last call (each value of the ingest once, in the order they came),
   * with the slugs of their lists; the review forgets them (it still counts them and never gives one again).
   * Given a written slice, only that slice's values are taken, and of them only those of objects the write made new or
   * changed: a value of an object kept exactly as it was stored had its hits recorded when it was stored (in that
   * ingest's transaction), and every stored value's hits are brought up to date when a list changes and at each
   * analysis run (issue 17: an unchanged re-import of a listed feed inserted every hit again, about a fifth of the
   * server's work). The values of later slices stay until theirs.
   */
  takeListed(written?: WrittenSlice): ReadonlyMap<string, readonly string[]> {
    if (!written) {
      const taken = this.#fresh;
      this.#fresh = new Map();
      return taken;
    }
    const taken = new Map<string, readonly string[]>();
    if (this.#fresh.size === 0) return taken;
    // A slice written wholly new or changed (a first import) takes every value of its objects: no set of their ids.
    const wrote = (c: WrittenSlice['contributions'][number]): boolean => c.inserted || c.changed;
    const changed = written.contributions.every(wrote) ? undefined : new Set(written.contributions.filter(wrote).map((c) => c.object_id));
    // The changed objects' values first (a value of both a changed and a kept object is taken), then the slice's
    // values are forgotten.
    const take = (key: string): void => {
      const lists = this.#fresh.get(key);
      if (lists !== undefined) taken.set(key, lists);
    };
    for (const o of written.objects) if (!changed || changed.has(o.record.id)) for (const key of o.record.keys) take(key);
    const lines = written.lines ?? [];
    for (const l of lines) if (!changed || changed.has(l.scoId) || changed.has(l.indicatorId)) take(lineKey(l));
    for (const o of written.objects) for (const key of o.record.keys) this.#fresh.delete(key);
    for (const l of lines) this.#fresh.delete(lineKey(l));
    return taken;
  }

  /** The warnings: the first MAX_LISTED values listed, the rest counted. */
  warnings(): ParseIssue[] {
    const more = this.#seen.size - this.#listed.length;
    return more ? [...this.#listed, { where: 'warninglists', reason: `${more} more value(s) on warninglists (GET /api/v1/warninglists/suppressed lists them all)` }] : [...this.#listed];
  }
}
