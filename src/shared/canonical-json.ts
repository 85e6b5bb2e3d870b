// For the values we hash (strings, integers, nested objects) this is RFC 8785 (JCS): ECMAScript
// number and string serialisation with object keys sorted by code unit. Written as loops over sorted keys
// (not entries filtered, sorted and mapped): every object of an ingest is hashed once (issue 17).
/** JSON with object keys sorted, so the same content always hashes the same (RFC 8785 for our values). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as JCS asks.
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + canonicalJson(v);
  }
  return `${out}}`;
}
