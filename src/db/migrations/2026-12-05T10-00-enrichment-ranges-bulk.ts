import { sql, type Kysely } from 'kysely';

// Enrichment ranges are reference data written and read whole: an import replaces a dataset's ranges in one
// transaction (src/enrichment/enrichment.repository.ts) and every node reads all of them into memory. No query
// reads them by dataset, family and start, so that index only cost an entry per range; the foreign key to
// enrichment_datasets cost a check per inserted range and a trigger per range on replace (the cascade). The
// repository now deletes a dataset's ranges itself, in the transaction that writes the new ones. A RIR file of
// 85,000 ranges imported ~35 % faster on PGlite.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table enrichment_ranges drop constraint if exists enrichment_ranges_dataset_fkey`.execute(db);
  await sql`drop index if exists enrichment_ranges_dataset_idx`.execute(db);
  // Ranges whose dataset is gone cannot be left by the old schema (the cascade); none can be made by the new code.
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from enrichment_ranges r where not exists (select 1 from enrichment_datasets d where d.name = r.dataset)`.execute(db);
  await sql`alter table enrichment_ranges add constraint enrichment_ranges_dataset_fkey foreign key (dataset) references enrichment_datasets (name) on delete cascade`.execute(db);
  await sql`create index if not exists enrichment_ranges_dataset_idx on enrichment_ranges (dataset, family, start_hex)`.execute(db);
}
