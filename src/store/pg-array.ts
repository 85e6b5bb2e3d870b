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

// What JSON.stringify writes differently from an array literal's quoting: control characters (as \n or \u0001,
// which the array parser would read as "n" or "u0001") and lone surrogates (as \udXXX). Any surrogate sends the
// column the general way (rare in feeds: emoji, some CJK), so no pair has to be told from a lone one here.
// eslint-disable-next-line no-control-regex -- control characters are what JSON writes differently
const NOT_JSON_SAFE = /[\u0000-\u001f\ud800-\udfff]/;

// A column of strings and nulls only, none holding such a character: one JSON.stringify of the whole column
// writes exactly the literal of pgArray's general way ("…" with \" and \\ escaped, null for NULL, which the array
// parser reads case-insensitively), in native code: half the CPU on a batch of JSON contents (issue 17).
function jsonSafe(values: readonly Cell[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    if (typeof v !== 'string' || NOT_JSON_SAFE.test(v)) return false;
  }
  return true;
}

/**
 * A PostgreSQL array literal of the values (null and undefined become NULL), to pass as one text parameter
 * and cast in SQL: `cast(${pgArray(ids)} as text[])`.
 * @example pgArray(['a', null, 'b"c']) // '{"a",null,"b\"c"}'
 */
export function pgArray(values: readonly Cell[]): string {
  if (values.length > 0 && jsonSafe(values)) {
    const json = JSON.stringify(values);
    return `{${json.slice(1, -1)}}`;
  }
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
