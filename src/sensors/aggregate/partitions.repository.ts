import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Resolution } from '../sensors.tables.ts';

// Time partitions of the aggregate tables: minutes by day, hours by month, days by year. A partition
// is made before the first row of its range is written (so rows never need a default partition)
// and dropped whole when its range has left the retention: no row-by-row deletes.

/** The time range of the partition holding a moment, and its name suffix. */
export function partitionOf(res: Resolution, t: number): { suffix: string; from: Date; to: Date } {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (res === 'minute') {
    const from = Date.UTC(y, m, d.getUTCDate());
    return { suffix: `p${new Date(from).toISOString().slice(0, 10).replaceAll('-', '')}`, from: new Date(from), to: new Date(from + 86_400_000) };
  }
  if (res === 'hour') return { suffix: `p${y}${String(m + 1).padStart(2, '0')}`, from: new Date(Date.UTC(y, m, 1)), to: new Date(Date.UTC(y, m + 1, 1)) };
  return { suffix: `p${y}`, from: new Date(Date.UTC(y, 0, 1)), to: new Date(Date.UTC(y + 1, 0, 1)) };
}

/** The end of the range a partition name suffix stands for. */
export function partitionEnd(res: Resolution, suffix: string): number | null {
  const m = /^p(\d{4})(\d{2})?(\d{2})?$/.exec(suffix);
  if (!m) return null;
  const y = Number(m[1]);
  if (res === 'minute' && m[3]) return Date.UTC(y, Number(m[2]) - 1, Number(m[3]) + 1);
  if (res === 'hour' && m[2] && !m[3]) return Date.UTC(y, Number(m[2]), 1);
  if (res === 'day' && !m[2]) return Date.UTC(y + 1, 0, 1);
  return null;
}

async function partitionsOf(db: Kysely<Database>, parent: string): Promise<string[]> {
  const r = await sql<{ name: string }>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = ${parent}`.execute(db);
  return r.rows.map((x) => x.name);
}

/** Makes and drops the partitions of the stats and counts tables; remembers what exists. */
export class Partitions {
  readonly #db: Kysely<Database>;
  readonly #known = new Set<string>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Makes sure the partitions of every moment exist, in both tables of the resolution (on `db`: a transaction's). */
  async ensure(res: Resolution, times: Iterable<number>, db: Kysely<Database> = this.#db): Promise<void> {
    const wanted = new Map<string, { from: Date; to: Date }>();
    for (const t of times) {
      const p = partitionOf(res, t);
      wanted.set(p.suffix, p);
    }
    for (const [suffix, p] of wanted) {
      for (const table of [`sensor_stats_${res}`, `sensor_counts_${res}`]) {
        const name = `${table}_${suffix}`;
        if (this.#known.has(name)) continue;
        try {
          await sql`create table if not exists ${sql.id(name)} partition of ${sql.id(table)} for values from (${sql.lit(p.from.toISOString())}) to (${sql.lit(p.to.toISOString())})`.execute(db);
        } catch (err) {
          // Another node made it at the same moment.
          if (db !== this.#db || !(await partitionsOf(this.#db, table)).includes(name)) throw err;
        }
        this.#known.add(name);
      }
    }
  }

  /** Forgets what it knows (after a rolled-back transaction that may have made partitions). */
  forget(): void {
    this.#known.clear();
  }

  /** Drops the partitions whose whole range ended before `before`; answers their names. */
  async dropBefore(res: Resolution, before: number): Promise<string[]> {
    const dropped: string[] = [];
    for (const table of [`sensor_stats_${res}`, `sensor_counts_${res}`]) {
      for (const name of await partitionsOf(this.#db, table)) {
        const end = partitionEnd(res, name.slice(table.length + 1));
        if (end === null || end > before) continue;
        await sql`drop table if exists ${sql.id(name)}`.execute(this.#db);
        this.#known.delete(name);
        dropped.push(name);
      }
    }
    return dropped;
  }
}
