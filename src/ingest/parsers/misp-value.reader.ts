// Readers for untrusted MISP JSON: every accessor tolerates a wrong type and answers undefined or [].

/** A plain JSON object, or undefined for anything else (arrays, null, scalars). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The array itself, a lone object as a one-element array (old MISP exports do that), or []. */
export function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return asRecord(value) ? [value] : [];
}

/** A string, or a number written as one (MISP writes ids and timestamps either way). */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** MISP booleans: true, 1, "1", "true". */
export function asFlag(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true';
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A MISP time (unix seconds as number or string, "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS", ISO 8601) as a
 * STIX timestamp with milliseconds; undefined when it is none of these or out of range.
 * @example mispTime('1472480394') // '2016-08-29T14:19:54.000Z'
 */
export function mispTime(value: unknown): string | undefined {
  const text = asText(value)?.trim();
  if (!text || text.length > 40) return undefined;
  let ms: number;
  if (/^\d{1,12}$/.test(text)) {
    const seconds = Number(text);
    // 0 is MISP's "never" (an unpublished event's publish_timestamp).
    if (seconds === 0) return undefined;
    ms = seconds * 1000;
  } else if (DATE_ONLY.test(text)) {
    ms = Date.parse(`${text}T00:00:00Z`);
  } else if (DATE_TIME.test(text)) {
    const m = DATE_TIME.exec(text)!;
    ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${m[8] ?? 'Z'}`);
  } else {
    return undefined;
  }
  // Before 1990 or after 2200 is a typo or a forged value, not a time anyone observed.
  if (!Number.isFinite(ms) || ms < Date.UTC(1990, 0, 1) || ms > Date.UTC(2200, 0, 1)) return undefined;
  return new Date(ms).toISOString();
}

/** A value cut short for messages, so hostile input is never echoed at length. */
export function clipText(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
