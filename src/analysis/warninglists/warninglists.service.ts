import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { AppError, notFound } from '../../shared/errors.ts';
import { BUILTIN_PREFIX, builtinWarninglists } from './builtin.lists.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { hitCounts, listSuppressed, recordHits, syncHits, type HitRow, type SuppressedRow } from './warninglist-hits.repository.ts';
import { WarninglistMatcher, type WarninglistHit, type MatcherIssue } from './warninglist.matcher.ts';
import { parseWarninglist, parseWarninglistJson, slugOfPath, WarninglistError, type WarninglistSpec } from './warninglist.parser.ts';
import { hitReason } from './ingest.warnings.ts';
import { defaultScopes, parseScopes, type WarninglistScope } from './warninglist.scopes.ts';
import { enabledWarninglists, listWarninglists, setWarninglistEnabled, setWarninglistScopes, storedVersions, upsertWarninglist, type WarninglistRow } from './warninglists.repository.ts';
import { keysOfObjects } from '../../store/keyed-contributions.query.ts';

/** What importing one file did. */
export interface WarninglistImport {
  readonly file: string;
  readonly slug: string | null;
  readonly entries: number;
  /** imported (new or replaced), unchanged (update: the stored version is as new), or null on error. */
  readonly outcome: 'imported' | 'unchanged' | null;
  readonly scopes: readonly WarninglistScope[];
  readonly error: string | null;
  readonly issues: readonly { where: string; reason: string }[];
}

/** How lists are imported. */
export interface ImportOptions {
  /** Enabled flag of new lists (default true). */
  readonly enabled?: boolean;
  /** Scopes of new lists (and of stored ones no admin chose); default: from the list's name (defaultScopes). */
  readonly scopes?: readonly WarninglistScope[];
  /** `update`: replace only lists whose stored version is older. */
  readonly onlyIfNewer?: boolean;
}

const MAX_FILE = 64 * 1024 * 1024;
const SLUG = /^[a-z0-9._-]{1,100}$/;

/** The list files at a path: the file itself, or every *.json (not the schema) in folders up to five deep, sorted. */
export function jsonFilesUnder(p: string, depth = 0): string[] {
  const st = statSync(p);
  if (st.isFile()) return [p];
  if (!st.isDirectory() || depth > 4) return [];
  return readdirSync(p)
    .sort()
    .flatMap((name) => {
      const child = path.join(p, name);
      if (statSync(child).isDirectory()) return jsonFilesUnder(child, depth + 1);
      // The schema sits beside the lists in MISP's repository; it is not a list.
      return name.endsWith('.json') && !name.includes('schema') ? [child] : [];
    });
}

// Start time (issue 17.3): every hub of a process (each test's) compiled the same lists again. A matcher depends
// only on its lists and keeps nothing but caches of its answers, so one built for the same lists is reused: the
// last one built is held, up to three earlier ones only weakly (tests switch between a hub with the built-in
// lists and one with MISP's too; a hub whose lists were updated must not keep its old matcher alive).
let lastMatcher: { key: string; matcher: WarninglistMatcher } | undefined;
const earlierMatchers = new Map<string, WeakRef<WarninglistMatcher>>();

function matcherOf(lists: readonly WarninglistSpec[]): WarninglistMatcher {
  const key = createHash('sha256')
    .update(JSON.stringify([...lists].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))))
    .digest('hex');
  if (lastMatcher?.key === key) return lastMatcher.matcher;
  const matcher = earlierMatchers.get(key)?.deref() ?? new WarninglistMatcher(lists);
  earlierMatchers.delete(key);
  if (lastMatcher) earlierMatchers.set(lastMatcher.key, new WeakRef(lastMatcher.matcher));
  while (earlierMatchers.size > 3) earlierMatchers.delete(earlierMatchers.keys().next().value!);
  lastMatcher = { key, matcher };
  return matcher;
}

function checkSlug(slug: string): void {
  if (!SLUG.test(slug)) throw new AppError('validation_failed', `warninglist: "${slug.slice(0, 100)}" is not a list name`, { field: 'slug' });
}

/**
 * Warninglists of this deployment: the built-in lists (seeded and upgraded at start), lists imported
 * in MISP format, each with scopes saying what it suppresses, and a matcher over the enabled ones kept
 * in memory. Nothing on a list is deleted: correlation and feeds skip it, and the hits are recorded.
 * @example app.warninglists.silenced('ipv4-addr:8.8.8.8', 'never_blocklist')?.list // 'kessetsu-public-resolvers'
 */
export class WarninglistsService {
  readonly #db: Kysely<Database>;
  readonly #onChange: () => void;
  readonly #afterChange: (() => void)[] = [];
  #matcher = new WarninglistMatcher([]);
  #version = 0;

  constructor(db: Kysely<Database>, onChange: () => void = () => {}) {
    this.#db = db;
    this.#onChange = onChange;
  }

  /** Rebuilds the matcher from the enabled lists in the database (at start, and when another node changed them). */
  async reload(): Promise<void> {
    this.#matcher = matcherOf(await enabledWarninglists(this.#db)); // start time (issue 17.3)
    this.#version++;
  }

  /** Calls `fn` after lists changed on this node (the analysis schedules a run). */
  afterChange(fn: () => void): void {
    this.#afterChange.push(fn);
  }

  /** Changes whenever the matcher is rebuilt (caches keyed on it know when to drop). */
  get version(): number {
    return this.#version;
  }

  /** The first enabled list a key is on, whatever its scopes, or null. Synchronous: safe on hot paths. */
  match(key: string): WarninglistHit | null {
    return this.#matcher.match(key);
  }

  /** Every enabled list a key is on. */
  matchAll(key: string): WarninglistHit[] {
    return this.#matcher.matchAll(key);
  }

  /** The slugs of the enabled lists a key is on (a shared array: not to be changed). */
  listsOf(key: string): readonly string[] {
    return this.#matcher.listsOf(key);
  }

  /** The first enabled list that takes a key out of correlation (never_correlate) or out of blocklists (never_blocklist), or null. */
  silenced(key: string, scope: 'never_correlate' | 'never_blocklist'): WarninglistHit | null {
    return this.#matcher.matchScope(key, scope);
  }

  /** Warning lists (scope warn) a key is on: kept, with a warning and a lower score. */
  warnings(key: string): WarninglistHit[] {
    return this.#matcher.matchAll(key).filter((h) => h.scopes.includes('warn'));
  }

  /**
   * Whether a host may not be blocked whole (an RPZ name, a Suricata rule) on behalf of a URL on it:
   * the host itself is never blocklisted. A name rented under a shared suffix (x.duckdns.org, through a
   * listed duckdns.org) belongs to whoever rented it and may be blocked.
   */
  hostExcluded(hostKey: string): boolean {
    return this.#matcher.matchScope(hostKey, 'never_blocklist') !== null;
  }

  /** Entries of enabled lists the matcher could not use. */
  get issues(): readonly MatcherIssue[] {
    return this.#matcher.issues;
  }

  /** The stored lists (without entries), with how many stored values each holds. */
  async list(): Promise<(WarninglistRow & { hits: number })[]> {
    const counts = await hitCounts(this.#db);
    return (await listWarninglists(this.#db)).map((r) => ({ ...r, hits: counts.get(r.slug) ?? 0 }));
  }

  /**
   * Writes the built-in lists of this release: new ones enabled, older stored versions replaced
   * (enabled flag and an admin's scopes kept). Returns the slugs written. Called at every start.
   */
  async seedBuiltins(): Promise<string[]> {
    const stored = await storedVersions(this.#db);
    const written: string[] = [];
    for (const list of builtinWarninglists()) {
      const have = stored.get(list.slug);
      if (have !== undefined && have >= list.version) continue;
      if (await upsertWarninglist(this.#db, list, 'builtin', { origin: 'builtin', scopes: list.scopes!, onlyIfNewer: true })) written.push(list.slug);
    }
    return written;
  }

  /** Brings the built-in lists up to this release now (`kessetsu warninglists update` without files). */
  async updateBuiltins(): Promise<string[]> {
    const written = await this.seedBuiltins();
    if (written.length) await this.#changed();
    return written;
  }

  /**
   * Imports list files, or every list under folders (MISP's lists/<slug>/list.json or flat *.json).
   * A bad file is reported and the others are still imported.
   */
  async importPaths(paths: readonly string[], opts: ImportOptions = {}): Promise<WarninglistImport[]> {
    const out: WarninglistImport[] = [];
    for (const p of paths) {
      let files: string[];
      try {
        files = jsonFilesUnder(p);
      } catch (err) {
        out.push({ file: p, slug: null, entries: 0, outcome: null, scopes: [], error: `cannot read: ${(err as Error).message}`, issues: [] });
        continue;
      }
      for (const file of files) {
        try {
          if (statSync(file).size > MAX_FILE) throw new WarninglistError(file, `larger than ${MAX_FILE} bytes`);
          const { list, issues } = parseWarninglist(readFileSync(file, 'utf8'), slugOfPath(file), file);
          out.push(await this.#write(list, issues, file, opts));
        } catch (err) {
          out.push({ file, slug: null, entries: 0, outcome: null, scopes: [], error: (err as Error).message, issues: [] });
        }
      }
    }
    if (out.some((o) => o.outcome === 'imported')) await this.#changed();
    return out;
  }

  /**
   * Imports one list sent as JSON (the API: `kessetsu warninglists import --url`); throws a 400 naming
   * the field when it is not a warninglist.
   */
  async importJson(json: unknown, slug: string, opts: ImportOptions = {}): Promise<WarninglistImport> {
    checkSlug(slug);
    if (slug.startsWith(BUILTIN_PREFIX)) throw new AppError('validation_failed', `slug "${slug}": names starting with ${BUILTIN_PREFIX} belong to the built-in lists`, { field: 'slug' });
    let parsed;
    try {
      parsed = parseWarninglistJson(json, slug);
    } catch (err) {
      throw new AppError('validation_failed', (err as Error).message, { field: 'body' });
    }
    const r = await this.#write(parsed.list, parsed.issues, `api:${slug}`, opts);
    if (r.outcome === 'imported') await this.#changed();
    return r;
  }

  async #write(list: WarninglistSpec, issues: readonly { where: string; reason: string }[], source: string, opts: ImportOptions): Promise<WarninglistImport> {
    if (list.slug.startsWith(BUILTIN_PREFIX)) throw new WarninglistError(source, `slug "${list.slug}": names starting with ${BUILTIN_PREFIX} belong to the built-in lists`);
    const scopes = opts.scopes ?? defaultScopes(list.slug, list.name);
    const written = await upsertWarninglist(this.#db, list, source, { origin: 'import', scopes, ...(opts.enabled === undefined ? {} : { enabled: opts.enabled }), onlyIfNewer: opts.onlyIfNewer });
    const stored = (await listWarninglists(this.#db)).find((r) => r.slug === list.slug);
    return { file: source, slug: list.slug, entries: list.entries.length, outcome: written ? 'imported' : 'unchanged', scopes: stored?.scopes ?? scopes, error: null, issues: issues.slice(0, 100) };
  }

  /** Enables or disables a list by slug; 404 when unknown. */
  async setEnabled(slug: string, enabled: boolean): Promise<void> {
    checkSlug(slug);
    if (!(await setWarninglistEnabled(this.#db, slug, enabled))) throw notFound('warninglist', slug);
    await this.#changed();
  }

  /** Changes what a list suppresses (an admin's choice, kept by later imports and upgrades); 400 on bad scopes, 404 when unknown. */
  async setScopes(slug: string, raw: string | readonly string[]): Promise<WarninglistScope[]> {
    checkSlug(slug);
    let scopes: WarninglistScope[];
    try {
      scopes = parseScopes(raw);
    } catch (err) {
      throw new AppError('validation_failed', (err as Error).message, { field: 'scopes' });
    }
    if (!(await setWarninglistScopes(this.#db, slug, scopes))) throw notFound('warninglist', slug);
    await this.#changed();
    return scopes;
  }

  /** Values of the store on enabled lists that the viewer may see, in key order after a cursor. */
  suppressed(viewer: AnyViewer, o: { list?: string | undefined; scope?: WarninglistScope | undefined; after?: string | undefined; limit: number }): Promise<SuppressedRow[]> {
    return listSuppressed(this.#db, viewer, o);
  }

  /**
   * The values of some objects that are on enabled lists, with why: for "what happened to what I
   * shared" (the caller has checked the viewer may see the objects).
   */
  async ofObjects(objectIds: readonly string[]): Promise<{ key: string; type: string; value: string; lists: { slug: string; name: string; scopes: readonly WarninglistScope[] }[]; reason: string }[]> {
    if (!objectIds.length) return [];
    const rows = await this.#db.selectFrom(keysOfObjects(this.#db).as('k')).select('k.key').distinct().where('k.object_id', 'in', objectIds.slice(0, 1000)).orderBy('k.key').limit(10_000).execute();
    return rows.flatMap(({ key }) => {
      const hits = this.#matcher.matchAll(key);
      if (!hits.length) return [];
      const colon = key.indexOf(':');
      return [{ key, type: key.slice(0, colon), value: key.slice(colon + 1), lists: hits.map((h) => ({ slug: h.list, name: h.name, scopes: h.scopes })), reason: hits.map(hitReason).join(' | ') }];
    });
  }

  /** Records which of these keys are on enabled lists (at ingest). */
  async recordHitsOf(keys: Iterable<string>): Promise<void> {
    const rows: HitRow[] = [];
    for (const key of keys) for (const h of this.#matcher.matchAll(key)) rows.push({ key, list: h.list });
    if (rows.length) await recordHits(this.#db, rows);
  }

  /**
   * Records hits found at ingest by its review (key → the lists it is on), without matching the keys again; `db`:
   * the ingest's transaction, so that they stand or fall with it.
   */
  async recordListed(listed: ReadonlyMap<string, readonly string[]>, db: Kysely<Database> = this.#db): Promise<void> {
    const rows: HitRow[] = [];
    for (const [key, lists] of listed) for (const list of lists) rows.push({ key, list });
    if (rows.length) await recordHits(db, rows);
  }

  /** Recomputes the recorded hits over every key of the store (an analysis run holds them all). */
  async syncHitsOf(keys: Iterable<string>, db: Kysely<Database> = this.#db): Promise<{ added: number; removed: number; hits: number }> {
    const rows: HitRow[] = [];
    for (const key of keys) for (const h of this.#matcher.matchAll(key)) rows.push({ key, list: h.list });
    return { ...(await syncHits(db, rows)), hits: rows.length };
  }

  async #changed(): Promise<void> {
    await this.reload();
    this.#onChange();
    for (const fn of this.#afterChange) {
      try {
        fn();
      } catch {
        // A listener's failure is its own business.
      }
    }
  }
}
