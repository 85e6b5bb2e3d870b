import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import '../analysis.tables.ts';
import type { WarninglistSpec } from './warninglist.parser.ts';
import { scopesOf, type WarninglistScope } from './warninglist.scopes.ts';

// One JSON parameter instead of an array literal: entries may hold commas, quotes and braces.
function textArray(values: readonly string[]) {
  return sql<string[]>`array(select jsonb_array_elements_text(cast(${JSON.stringify(values)} as jsonb)))`;
}

/** A stored list without its entries. */
export interface WarninglistRow {
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly version: number;
  readonly type: WarninglistSpec['type'];
  readonly matching_attributes: string[];
  readonly entry_count: number;
  readonly enabled: boolean;
  readonly source: string | null;
  readonly imported_at: Date;
  readonly scopes: WarninglistScope[];
  readonly scopes_by_admin: boolean;
  readonly origin: 'builtin' | 'import';
}

/** How a list is written. */
export interface UpsertOptions {
  readonly origin: 'builtin' | 'import';
  /** Scopes of a new list, and of a stored one whose scopes no admin chose. */
  readonly scopes: readonly WarninglistScope[];
  /** Enabled flag of a new list; a stored list keeps its own unless `forceEnabled`. */
  readonly enabled?: boolean;
  readonly forceEnabled?: boolean;
  /** Only replace a stored list whose version is older (upgrades, `update`). */
  readonly onlyIfNewer?: boolean;
}

/**
 * Inserts or replaces a list by slug; true when it was written (false: a newer or equal version is
 * stored and onlyIfNewer was asked). Scopes an admin chose and the enabled flag are kept.
 * @example await upsertWarninglist(db, list, 'misp/warninglists/rfc1918.json', { origin: 'import', scopes: ['never_correlate', 'never_blocklist'] })
 */
export async function upsertWarninglist(db: Kysely<Database>, list: WarninglistSpec, source: string | null, o: UpsertOptions): Promise<boolean> {
  const written = await db
    .insertInto('analysis_warninglists')
    .values({
      slug: list.slug,
      name: list.name,
      description: list.description,
      version: list.version,
      type: list.type,
      matching_attributes: textArray(list.matchingAttributes),
      entries: textArray(list.entries),
      entry_count: list.entries.length,
      enabled: o.enabled ?? true,
      source,
      imported_at: new Date(),
      scopes: textArray(o.scopes),
      origin: o.origin,
    })
    .onConflict((oc) => {
      const update = oc.column('slug').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        description: eb.ref('excluded.description'),
        version: eb.ref('excluded.version'),
        type: eb.ref('excluded.type'),
        matching_attributes: eb.ref('excluded.matching_attributes'),
        entries: eb.ref('excluded.entries'),
        entry_count: eb.ref('excluded.entry_count'),
        source: eb.ref('excluded.source'),
        imported_at: eb.ref('excluded.imported_at'),
        origin: eb.ref('excluded.origin'),
        scopes: sql<string[]>`case when analysis_warninglists.scopes_by_admin then analysis_warninglists.scopes else excluded.scopes end`,
        ...(o.forceEnabled && o.enabled !== undefined ? { enabled: o.enabled } : {}),
      }));
      return o.onlyIfNewer ? update.where(sql<boolean>`analysis_warninglists.version < excluded.version`) : update;
    })
    .returning('slug')
    .executeTakeFirst();
  return written !== undefined;
}

/** Slug and version of every stored list (to decide upgrades without reading entries). */
export async function storedVersions(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('analysis_warninglists').select(['slug', 'version']).execute();
  return new Map(rows.map((r) => [r.slug, Number(r.version)]));
}

/** Every stored list, without entries, by slug. */
export async function listWarninglists(db: Kysely<Database>): Promise<WarninglistRow[]> {
  const rows = await db
    .selectFrom('analysis_warninglists')
    .select(['slug', 'name', 'description', 'version', 'type', 'matching_attributes', 'entry_count', 'enabled', 'source', 'imported_at', 'scopes', 'scopes_by_admin', 'origin'])
    .orderBy('slug')
    .execute();
  return rows.map((r) => ({ ...r, version: Number(r.version), scopes: scopesOf(r.scopes) }));
}

/** The enabled lists with their entries and scopes, for the matcher. */
export async function enabledWarninglists(db: Kysely<Database>): Promise<WarninglistSpec[]> {
  const rows = await db
    .selectFrom('analysis_warninglists')
    .select(['slug', 'name', 'description', 'version', 'type', 'matching_attributes', 'entries', 'scopes'])
    .where('enabled', '=', true)
    .execute();
  return rows.map((r) => ({
    slug: r.slug,
    name: r.name,
    description: r.description,
    version: Number(r.version),
    type: r.type,
    matchingAttributes: r.matching_attributes,
    entries: r.entries,
    scopes: scopesOf(r.scopes),
  }));
}

/** Enables or disables a list by slug; false when there is no such list. */
export async function setWarninglistEnabled(db: Kysely<Database>, slug: string, enabled: boolean): Promise<boolean> {
  const r = await db.updateTable('analysis_warninglists').set({ enabled }).where('slug', '=', slug).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Sets a list's scopes as an admin's choice (imports and upgrades keep it); false when there is no such list. */
export async function setWarninglistScopes(db: Kysely<Database>, slug: string, scopes: readonly WarninglistScope[]): Promise<boolean> {
  const r = await db.updateTable('analysis_warninglists').set({ scopes: textArray(scopes), scopes_by_admin: true }).where('slug', '=', slug).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
