import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import '../analysis.tables.ts';
import type { WarninglistSpec } from './warninglist.parser.ts';

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
}

/**
 * Inserts or replaces a list by slug; a re-imported list keeps its enabled flag unless one is given.
 * @example await upsertWarninglist(db, list, 'misp/warninglists/rfc1918.json')
 */
export async function upsertWarninglist(db: Kysely<Database>, list: WarninglistSpec, source: string | null, enabled?: boolean): Promise<void> {
  await db
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
      enabled: enabled ?? true,
      source,
      imported_at: new Date(),
    })
    .onConflict((oc) =>
      oc.column('slug').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        description: eb.ref('excluded.description'),
        version: eb.ref('excluded.version'),
        type: eb.ref('excluded.type'),
        matching_attributes: eb.ref('excluded.matching_attributes'),
        entries: eb.ref('excluded.entries'),
        entry_count: eb.ref('excluded.entry_count'),
        source: eb.ref('excluded.source'),
        imported_at: eb.ref('excluded.imported_at'),
        ...(enabled === undefined ? {} : { enabled }),
      })),
    )
    .execute();
}

/** Every stored list, without entries, by slug. */
export function listWarninglists(db: Kysely<Database>): Promise<WarninglistRow[]> {
  return db
    .selectFrom('analysis_warninglists')
    .select(['slug', 'name', 'description', 'version', 'type', 'matching_attributes', 'entry_count', 'enabled', 'source', 'imported_at'])
    .orderBy('slug')
    .execute() as Promise<WarninglistRow[]>;
}

/** The enabled lists with their entries, for the matcher. */
export async function enabledWarninglists(db: Kysely<Database>): Promise<WarninglistSpec[]> {
  const rows = await db.selectFrom('analysis_warninglists').select(['slug', 'name', 'description', 'version', 'type', 'matching_attributes', 'entries']).where('enabled', '=', true).execute();
  return rows.map((r) => ({ slug: r.slug, name: r.name, description: r.description, version: r.version, type: r.type, matchingAttributes: r.matching_attributes, entries: r.entries }));
}

/** Enables or disables a list by slug; false when there is no such list. */
export async function setWarninglistEnabled(db: Kysely<Database>, slug: string, enabled: boolean): Promise<boolean> {
  const r = await db.updateTable('analysis_warninglists').set({ enabled }).where('slug', '=', slug).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
