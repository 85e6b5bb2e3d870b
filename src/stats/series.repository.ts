import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, StatCategoriesTable, StatSeriesTable, StatValuesTable } from '../db/schema.ts';
import { parsePeriod } from './period.ts';
import type { ParsedSeries } from './series.csv.ts';

/** A stored series row. */
export type SeriesRow = Selectable<StatSeriesTable>;
/** A stored category row. */
export type CategoryRow = Selectable<StatCategoriesTable>;
/** A stored value row. */
export type ValueRow = Selectable<StatValuesTable>;

const CHUNK = 1000;

/** Stored series with how many values they hold and the periods they span; unpublished ones only when asked. */
export async function listSeriesRows(db: Kysely<Database>, o: { unpublished: boolean }): Promise<(SeriesRow & { values: number; first: string | null; last: string | null })[]> {
  let q = db
    .selectFrom('stat_series as s')
    .selectAll('s')
    .select((eb) => [
      eb.selectFrom('stat_values as v').whereRef('v.series_key', '=', 's.key').select(sql<number>`count(*)`.as('n')).as('values'),
      eb.selectFrom('stat_values as v').whereRef('v.series_key', '=', 's.key').select(sql<string>`min(v.period_start)`.as('f')).as('first'),
      eb.selectFrom('stat_values as v').whereRef('v.series_key', '=', 's.key').select(sql<string>`max(v.period_end)`.as('l')).as('last'),
    ]);
  if (!o.unpublished) q = q.where('s.published', '=', true);
  const rows = await q.orderBy('s.key').execute();
  return rows.map((r) => ({ ...r, values: Number(r.values ?? 0), first: r.first ?? null, last: r.last ?? null }));
}

/** One stored series, or undefined. */
export function findSeriesRow(db: Kysely<Database>, key: string): Promise<SeriesRow | undefined> {
  return db.selectFrom('stat_series').selectAll().where('key', '=', key).executeTakeFirst();
}

/** The categories of a series in their file order. */
export function categoryRows(db: Kysely<Database>, key: string): Promise<CategoryRow[]> {
  return db.selectFrom('stat_categories').selectAll().where('series_key', '=', key).orderBy('position').orderBy('key').execute();
}

/** The values of a series, optionally only periods starting within [from, to] (calendar days). */
export function valueRows(db: Kysely<Database>, key: string, range: { from?: string | undefined; to?: string | undefined } = {}): Promise<ValueRow[]> {
  let q = db.selectFrom('stat_values').selectAll().where('series_key', '=', key);
  if (range.from) q = q.where('period_start', '>=', range.from);
  if (range.to) q = q.where('period_start', '<=', range.to);
  return q.orderBy('period_start').orderBy('period_end', 'desc').orderBy('category').execute();
}

/** How a parsed series is written: merged into what is there (imports) or replacing it (seeds). */
export interface WriteSeries {
  readonly origin: 'seed' | 'import';
  readonly revision: string;
  readonly published: boolean | undefined;
  readonly createdBy: string | null;
  readonly replace: boolean;
}

/**
 * Writes a parsed series inside the caller's transaction: series row, categories, values (upserts).
 * @example await db.transaction().execute((trx) => writeSeries(trx, parsed, { origin: 'import', … }))
 */
export async function writeSeries(trx: Kysely<Database>, s: ParsedSeries, w: WriteSeries): Promise<void> {
  if (w.replace) await trx.deleteFrom('stat_series').where('key', '=', s.key).execute();
  await trx
    .insertInto('stat_series')
    .values({ key: s.key, title_en: s.titleEn, title_ja: s.titleJa, unit: s.unit, source: s.source, origin: w.origin, revision: w.revision, published: w.published ?? false, created_by: w.createdBy })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        title_en: s.titleEn ? s.titleEn : eb.ref('stat_series.title_en'),
        title_ja: s.titleJa ? s.titleJa : eb.ref('stat_series.title_ja'),
        unit: s.unit,
        source: s.source,
        origin: w.origin,
        revision: w.revision,
        published: w.published === undefined ? eb.ref('stat_series.published') : w.published,
        updated_at: sql`now()`,
      })),
    )
    .execute();
  const cats = [...s.categories.values()].map((c) => ({ series_key: s.key, key: c.key, parent: c.parent, label_en: c.labelEn, label_ja: c.labelJa, aggregate: c.aggregate, position: c.position }));
  for (let i = 0; i < cats.length; i += CHUNK) {
    await trx
      .insertInto('stat_categories')
      .values(cats.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['series_key', 'key']).doUpdateSet((eb) => ({
          parent: eb.ref('excluded.parent'),
          label_en: sql`coalesce(nullif(excluded.label_en, ''), stat_categories.label_en)`,
          label_ja: sql`coalesce(nullif(excluded.label_ja, ''), stat_categories.label_ja)`,
          aggregate: eb.ref('excluded.aggregate'),
        })),
      )
      .execute();
  }
  const values = s.values.map((v) => {
    const p = parsePeriod(v.period)!;
    return { series_key: s.key, category: v.category, period: p.text, period_kind: p.kind, period_start: p.start, period_end: p.end, value: v.value, source: v.source, note_en: v.noteEn, note_ja: v.noteJa };
  });
  for (let i = 0; i < values.length; i += CHUNK) {
    await trx
      .insertInto('stat_values')
      .values(values.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['series_key', 'category', 'period']).doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          source: eb.ref('excluded.source'),
          note_en: eb.ref('excluded.note_en'),
          note_ja: eb.ref('excluded.note_ja'),
        })),
      )
      .execute();
  }
}

/** Sets whether a series is public; false when there is no such series. */
export async function setPublished(db: Kysely<Database>, key: string, published: boolean): Promise<boolean> {
  const r = await db.updateTable('stat_series').set({ published, updated_at: sql`now()` }).where('key', '=', key).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deletes a series with its categories and values; false when there is no such series. */
export async function deleteSeriesRow(db: Kysely<Database>, key: string): Promise<boolean> {
  const r = await db.deleteFrom('stat_series').where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Revisions of the seeded series, by key. */
export async function seedRevisions(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('stat_series').select(['key', 'revision', 'origin']).execute();
  return new Map(rows.map((r) => [r.key, r.origin === 'seed' ? r.revision : '']));
}
