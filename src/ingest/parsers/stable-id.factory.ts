import { uuidv5 } from '../../shared/uuid5.ts';
import { KESSETSU_NAMESPACE } from '../../stix/extensions.ts';

// Namespace of the ids the importers derive when the source gives no UUID of its own
// (uuidv5('kessetsu/ingest', STIX namespace)), so that importing the same file twice makes the same ids.
const INGEST_NAMESPACE = 'e6488da8-0646-5be8-b943-23a6aedf4f53';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const TRAILING_UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/i;

/** True for an RFC 4122 UUID (versions 1 to 8, RFC 4122 variant). */
export function isUuid(text: unknown): text is string {
  return typeof text === 'string' && UUID.test(text);
}

/** The UUID a source identifier ends with (STIX 1 "example:Indicator-<uuid>", OpenIOC ids), if any. */
export function trailingUuid(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 300) return undefined;
  const m = TRAILING_UUID.exec(text);
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * A STIX id that re-importing the same source reproduces: the source's own UUID when it has a valid one,
 * else a UUIDv5 of the seed parts.
 * @example stableId('indicator', '5a3cd5b6-2850-435f-bd0d-4c62950d210f', []) // 'indicator--5a3cd5b6-2850-435f-bd0d-4c62950d210f'
 */
export function stableId(type: string, sourceUuid: unknown, seed: readonly unknown[]): string {
  if (isUuid(sourceUuid)) return `${type}--${sourceUuid.toLowerCase()}`;
  return derivedId(type, seed);
}

/** A STIX id derived only from content (UUIDv5 of the type and the seed parts). */
export function derivedId(type: string, seed: readonly unknown[]): string {
  return `${type}--${uuidv5(JSON.stringify([type, ...seed]), INGEST_NAMESPACE)}`;
}

/**
 * The placeholder id importers give an indicator they make from a feed line or a text: the ingest replaces it
 * with one derived from the contributing organisation's secret salt and the pattern, so that one organisation
 * has one indicator per pattern whatever the file, and no one can test whether an organisation shared a value.
 */
export function generatedIndicatorId(pattern: string): string {
  return derivedId('indicator', ['generated', pattern]);
}

/**
 * The id an organisation's importer-made indicator gets in place of generatedIndicatorId's placeholder: derived from
 * the organisation's secret salt and the pattern. A feed parsed in slices makes it at once on the parse worker
 * (issue 17); the preparation makes it from the placeholder otherwise. Never to be logged with its inputs.
 * @example ownIndicatorId(org.id_salt, "[ipv4-addr:value = '198.51.100.7']") // 'indicator--…' (version 5)
 */
export function ownIndicatorId(salt: string, pattern: string): string {
  return `indicator--${uuidv5(`${salt}|${pattern}`, KESSETSU_NAMESPACE)}`;
}

/**
 * The id a whole-file parse gives an object the parse of a slice made the organisation's (ownIndicatorId): the
 * placeholder of an indicator, the object's own id otherwise. Issues and warnings name objects by it, so that a
 * report says the same whichever way the file was taken (issue 17).
 * @example placeholderId({ type: 'indicator', id: ownIndicatorId(salt, p), pattern: p, … }) // generatedIndicatorId(p)
 */
export function placeholderId(o: { readonly type: unknown; readonly id: string; readonly pattern?: unknown }): string {
  return o.type === 'indicator' && typeof o.pattern === 'string' ? generatedIndicatorId(o.pattern) : o.id;
}
