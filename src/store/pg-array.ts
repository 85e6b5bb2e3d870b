// Batches go to the database as one array literal per column, taken apart in SQL by a multi-argument
// unnest(): one round trip per batch on PostgreSQL and PGlite alike, and about five times cheaper for the
// server than one JSON document per batch (jsonb_to_recordset parses every row's content twice; issue 17).

type Cell = string | number | boolean | null | undefined;

function cell(v: Cell): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  // Quoted elements: only the quote and the backslash are escaped (most values have neither: no regex run).
  return v.includes('"') || v.includes('\\') ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`;
}

/**
 * A PostgreSQL array literal of the values (null and undefined become NULL), to pass as one text parameter
 * and cast in SQL: `cast(${pgArray(ids)} as text[])`.
 * @example pgArray(['a', null, 'b"c']) // '{"a",NULL,"b\"c"}'
 */
export function pgArray(values: readonly Cell[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = cell(values[i]);
  return `{${parts.join(',')}}`;
}

/**
 * The columns of rows, each as a PostgreSQL array literal (see pgArray).
 * @example const a = columns(rows, { id: (r) => r.id, n: (r) => r.count })
 */
export function columns<R, K extends string>(rows: readonly R[], pick: Record<K, (r: R) => Cell>): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const k of Object.keys(pick) as K[]) out[k] = pgArray(rows.map(pick[k]));
  return out;
}
