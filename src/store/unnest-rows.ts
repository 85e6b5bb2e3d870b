import { sql, type RawBuilder } from 'kysely';
import { pgArray } from './pg-array.ts';

type Cell = string | number | boolean | null;

/** One column of rows sent to the database: its SQL type and how a row gives its value. */
export interface RowColumn<R> {
  readonly type: string;
  readonly pick: (r: R) => Cell;
}

/**
 * The rows as a derived table `alias(<columns>, i)` for a FROM clause, `i` the row's place from 1: columns whose
 * values differ as array literals unnested together (see pgArray), a value every row shares as one parameter. An
 * ingest's rows share their organisation, audience, times and options: the server parses those once, not once per
 * row (issue 17: a re-import's look-up statement). The first column is always sent as an array.
 * @example sql`select x.i from ${unnestRows(rows, { id: { type: 'text', pick: (r) => r.id } }, 'x')}`
 */
export function unnestRows<R>(rows: readonly R[], cols: Readonly<Record<string, RowColumn<R>>>, alias: string): RawBuilder<unknown> {
  const arrays: RawBuilder<unknown>[] = [];
  const names: string[] = [];
  const select: RawBuilder<unknown>[] = [];
  for (const [name, c] of Object.entries(cols)) {
    const values = rows.map(c.pick);
    const first = values[0] ?? null;
    if (names.length > 0 && values.every((v) => (v ?? null) === first)) {
      select.push(sql`cast(${first} as ${sql.raw(c.type)}) as ${sql.ref(name)}`);
    } else {
      arrays.push(sql`cast(${pgArray(values)} as ${sql.raw(c.type)}[])`);
      names.push(name);
      select.push(sql.ref(`u.${name}`));
    }
  }
  return sql`(select ${sql.join(select)}, u.i from unnest(${sql.join(arrays)}) with ordinality as u(${sql.raw(names.join(', '))}, i)) as ${sql.raw(alias)}`;
}
