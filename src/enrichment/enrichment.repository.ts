import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import '../analysis/analysis.tables.ts';
import type { EnrichRange, ParsedDataset } from './enrichment.parsers.ts';
import { hexOf } from './ip-range.ts';
import { columns } from '../store/pg-array.ts';

const CHUNK = 5000;

/** A dataset as listed. */
export interface DatasetRow {
  readonly name: string;
  readonly kind: string;
  readonly source: string | null;
  readonly ranges: number;
  readonly imported_at: Date;
}

function hex(family: 0 | 4 | 6, v: number | bigint): string {
  return family === 6 ? hexOf(6, v) : hexOf(4, v).padStart(family === 0 ? 10 : 8, '0');
}

/**
 * Replaces a dataset (same name) with a newly parsed file, in one transaction.
 * @example await replaceDataset(db, parseDelegated(text), 'delegated-apnic-latest')
 */
export async function replaceDataset(db: Kysely<Database>, ds: ParsedDataset, source: string | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // No foreign key ties ranges to their dataset (reference data written and read whole): both go here.
    await trx.deleteFrom('enrichment_ranges').where('dataset', '=', ds.name).execute();
    await trx.deleteFrom('enrichment_datasets').where('name', '=', ds.name).execute();
    await trx.insertInto('enrichment_datasets').values({ name: ds.name, kind: ds.kind, source, ranges: ds.ranges.length, imported_at: new Date() }).execute();
    for (let i = 0; i < ds.ranges.length; i += CHUNK) {
      // One array literal per column taken apart by unnest (src/store/pg-array.ts): cheaper for the database to
      // read than a JSON document of the same rows.
      const c = columns(ds.ranges.slice(i, i + CHUNK), { f: (r) => r.family, s: (r) => hex(r.family, r.start), e: (r) => hex(r.family, r.end), a: (r) => r.asn, c: (r) => r.country, h: (r) => r.holder });
      await sql`insert into enrichment_ranges (dataset, family, start_hex, end_hex, asn, country, holder)
        select ${ds.name}, x.f, x.s, x.e, x.a, x.c, x.h
        from unnest(cast(${c.f} as smallint[]), cast(${c.s} as text[]), cast(${c.e} as text[]), cast(${c.a} as bigint[]), cast(${c.c} as text[]), cast(${c.h} as text[])) as x(f, s, e, a, c, h)`.execute(trx);
    }
  });
}

/** The datasets held. */
export function listDatasets(db: Kysely<Database>): Promise<DatasetRow[]> {
  return db.selectFrom('enrichment_datasets').select(['name', 'kind', 'source', 'ranges', 'imported_at']).orderBy('name').execute();
}

/** Every range of every dataset, by dataset, for the in-memory tables. */
export async function loadRanges(db: Kysely<Database>): Promise<Map<string, { kind: string; ranges: EnrichRange[] }>> {
  const out = new Map<string, { kind: string; ranges: EnrichRange[] }>();
  for (const d of await listDatasets(db)) out.set(d.name, { kind: d.kind, ranges: [] });
  const rows = await db.selectFrom('enrichment_ranges').select(['dataset', 'family', 'start_hex', 'end_hex', 'asn', 'country', 'holder']).execute();
  for (const r of rows) {
    const family = r.family as 0 | 4 | 6;
    const parse = (h: string): number | bigint => (family === 6 ? BigInt(`0x${h}`) : parseInt(h, 16));
    out.get(r.dataset)?.ranges.push({ family, start: parse(r.start_hex), end: parse(r.end_hex), asn: r.asn, country: r.country, holder: r.holder });
  }
  return out;
}
