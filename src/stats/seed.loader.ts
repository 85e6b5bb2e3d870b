import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { parseSeriesCsv, type ParsedSeries } from './series.csv.ts';
import { seedRevisions, writeSeries } from './series.repository.ts';

// The published tables the hub ships with (src/stats/seed/*.csv, transcribed with their sources): they are
// part of the code, so a fresh clone has them. Each start writes a seed series that is missing or whose
// file changed; a series a hub analyst imported under the same key is left alone.

/** The folder of the seed files: beside this module, or the sources' when running from a build. */
export function seedDir(): string {
  const here = path.join(import.meta.dirname, 'seed');
  return existsSync(here) ? here : path.resolve(import.meta.dirname, '../../src/stats/seed');
}

/** One seed file, parsed, with its revision (hash of its bytes). */
export interface SeedFile {
  readonly file: string;
  readonly revision: string;
  readonly series: ParsedSeries[];
}

/**
 * Reads and parses every seed file; a bad seed file is a bug, so it throws naming the line.
 * @example const seeds = loadSeedFiles(); seeds.flatMap((s) => s.series.map((x) => x.key))
 */
export function loadSeedFiles(dir = seedDir()): SeedFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.csv') && f !== 'stated-changes.csv')
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const r = parseSeriesCsv(text);
      if (r.errors.length) throw new Error(`seed ${file}: line ${r.errors[0]!.line}: ${r.errors[0]!.reason}`);
      return { file, revision: createHash('sha256').update(text).digest('hex').slice(0, 16), series: r.series };
    });
}

// Start time (issue 17.3): the shipped files are part of the code; every hub of a process (each test's) parsed
// them again. Read and parsed once per process.
let shipped: readonly SeedFile[] | undefined;
const shippedSeeds = (): readonly SeedFile[] => (shipped ??= loadSeedFiles());

/**
 * Writes the seed series that are missing or out of date; answers the keys written.
 * @example await ensureSeed(db) // ['cybercrime_arrests', …] on an empty database, [] after
 */
export async function ensureSeed(db: Kysely<Database>, files: readonly SeedFile[] = shippedSeeds()): Promise<string[]> {
  const have = await seedRevisions(db);
  const todo = files.flatMap((f) => f.series.filter((s) => !have.has(s.key) || (have.get(s.key) !== '' && have.get(s.key) !== f.revision)).map((s) => ({ s, revision: f.revision })));
  if (todo.length === 0) return [];
  await db.transaction().execute(async (trx) => {
    for (const { s, revision } of todo) await writeSeries(trx, s, { origin: 'seed', revision, published: true, createdBy: null, replace: true });
  });
  return todo.map((t) => t.s.key);
}
