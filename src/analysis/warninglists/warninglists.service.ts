import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { AppError, notFound } from '../../shared/errors.ts';
import { WarninglistMatcher, type WarninglistHit, type MatcherIssue } from './warninglist.matcher.ts';
import { parseWarninglist, slugOfPath, WarninglistError } from './warninglist.parser.ts';
import { enabledWarninglists, listWarninglists, setWarninglistEnabled, upsertWarninglist, type WarninglistRow } from './warninglists.repository.ts';

/** What importing one file did. */
export interface WarninglistImport {
  readonly file: string;
  readonly slug: string | null;
  readonly entries: number;
  readonly error: string | null;
  readonly issues: readonly { where: string; reason: string }[];
}

const MAX_FILE = 64 * 1024 * 1024;

function jsonFilesUnder(p: string, depth = 0): string[] {
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

/**
 * Warninglists of this deployment: import (MISP format), enable or disable, and a matcher over the
 * enabled ones kept in memory. Values on an enabled list never correlate, link clusters, score as
 * root sources or enter blocklists.
 * @example app.warninglists.match('ipv4-addr:8.8.8.8') // { list: 'public-dns-v4', name: 'List of known IPv4 public DNS resolvers' }
 */
export class WarninglistsService {
  readonly #db: Kysely<Database>;
  readonly #onChange: () => void;
  #matcher = new WarninglistMatcher([]);
  #version = 0;

  constructor(db: Kysely<Database>, onChange: () => void = () => {}) {
    this.#db = db;
    this.#onChange = onChange;
  }

  /** Rebuilds the matcher from the enabled lists in the database (at start, and when another node changed them). */
  async reload(): Promise<void> {
    this.#matcher = new WarninglistMatcher(await enabledWarninglists(this.#db));
    this.#version++;
  }

  /** Changes whenever the matcher is rebuilt (caches keyed on it know when to drop). */
  get version(): number {
    return this.#version;
  }

  /** The first enabled list a key is on, or null. Synchronous: safe on hot paths. */
  match(key: string): WarninglistHit | null {
    return this.#matcher.match(key);
  }

  /** Every enabled list a key is on. */
  matchAll(key: string): WarninglistHit[] {
    return this.#matcher.matchAll(key);
  }

  /** Entries of enabled lists the matcher could not use. */
  get issues(): readonly MatcherIssue[] {
    return this.#matcher.issues;
  }

  /** The stored lists (without entries). */
  list(): Promise<WarninglistRow[]> {
    return listWarninglists(this.#db);
  }

  /**
   * Imports list files, or every list under folders (MISP's lists/<slug>/list.json or flat *.json).
   * A bad file is reported and the others are still imported.
   */
  async importPaths(paths: readonly string[], opts: { enabled?: boolean } = {}): Promise<WarninglistImport[]> {
    const out: WarninglistImport[] = [];
    for (const p of paths) {
      let files: string[];
      try {
        files = jsonFilesUnder(p);
      } catch (err) {
        out.push({ file: p, slug: null, entries: 0, error: `cannot read: ${(err as Error).message}`, issues: [] });
        continue;
      }
      for (const file of files) {
        try {
          if (statSync(file).size > MAX_FILE) throw new WarninglistError(file, `larger than ${MAX_FILE} bytes`);
          out.push(await this.importText(readFileSync(file, 'utf8'), slugOfPath(file), file, opts));
        } catch (err) {
          out.push({ file, slug: null, entries: 0, error: (err as Error).message, issues: [] });
        }
      }
    }
    await this.reload();
    this.#onChange();
    return out;
  }

  /** Imports one list given as text (the caller reloads, or importPaths does). */
  async importText(text: string, slug: string, source: string, opts: { enabled?: boolean } = {}): Promise<WarninglistImport> {
    const { list, issues } = parseWarninglist(text, slug, source);
    await upsertWarninglist(this.#db, list, source, opts.enabled);
    return { file: source, slug: list.slug, entries: list.entries.length, error: null, issues: issues.slice(0, 100) };
  }

  /** Enables or disables a list by slug; 404 when unknown. */
  async setEnabled(slug: string, enabled: boolean): Promise<void> {
    if (!/^[a-z0-9._-]{1,100}$/.test(slug)) throw new AppError('validation_failed', `warninglist: "${slug.slice(0, 100)}" is not a list name`, { field: 'slug' });
    if (!(await setWarninglistEnabled(this.#db, slug, enabled))) throw notFound('warninglist', slug);
    await this.reload();
    this.#onChange();
  }
}
